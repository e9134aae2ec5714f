import type { ErrorBody } from '../../error-handler.js';

/** api_v3's GRPCGatewayError, as its HTTP gateway's tryHandleError writes it. */
export const gatewayErrorBody: ErrorBody = (_entry, message, status) => ({ error: { httpCode: status, message } });

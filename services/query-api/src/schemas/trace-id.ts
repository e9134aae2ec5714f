import { Type } from '@sinclair/typebox';

/** A W3C trace id: 32 hex digits, not all zero (the invalid id). Either case; stored lower case. */
export const TraceIdParam = Type.String({ pattern: '^(?!0{32}$)[0-9a-fA-F]{32}$', description: 'trace id, 32 hex digits' });

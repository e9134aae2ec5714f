export { queryApiPlugin } from './plugin.js';
export type { QueryApiPluginOptions } from './plugin.js';
export { ApiError, ApiErrors } from './errors.js';
export type { ApiErrorEntry } from './errors.js';
export { quantileFromScale0Buckets } from './histogram/quantile.js';
export type { Scale0Buckets } from './histogram/quantile.js';
export type { DeadLettersResponse } from './routes/dead-letters/list.js';
export type { TopSyscallsResponse } from './routes/syscalls/top.js';
export type { TraceResponse } from './routes/traces/get.js';

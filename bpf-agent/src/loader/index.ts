export { RecordDecoder } from './decode.js';
export { defaultLoaderPath } from './default-loader-path.js';
export { spawnLoader } from './loader-process.js';
export type { LoaderHandle, LoaderOptions } from './loader-process.js';
export type {
  HelloRecord,
  LoaderRecord,
  SlowSyscallRecord,
  SnapshotEndRecord,
  SyscallHistRecord,
} from './records.js';

// Entry of a study worker thread: worker_threads cannot load TypeScript by
// themselves, so register tsx's loader in this thread, then load the worker
// module.
import { register } from 'tsx/esm/api';

register();
await import('./course-worker.ts');

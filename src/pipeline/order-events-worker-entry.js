// Worker threads do not inherit the main thread's TypeScript loader: register tsx here, then
// run the worker itself (see order-events-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./order-events-worker.ts');

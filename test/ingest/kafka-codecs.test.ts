import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { compressionType, lz4Codec, registerCodecs, snappyCodec, zstdCodec } from '../../src/ingest/kafka/codecs.ts';
import { decodeLz4Frame, encodeLz4Frame } from '../../src/ingest/kafka/lz4-frame.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/**
 * Walks an LZ4 frame the way a strict decoder (lz4-java, liblz4's LZ4_decompress_safe) does and
 * returns the content, failing on anything those refuse: dependent blocks, a match starting in the
 * last 12 bytes of a block, fewer than 5 literals at its end.
 */
function strictDecode(frame: Buffer): Buffer {
  expect(frame.readUInt32LE(0)).toBe(0x184d2204);
  expect(frame[4]! & 0x20).toBe(0x20); // independent blocks
  const maxBlock = 1 << (8 + 2 * ((frame[5]! >> 4) & 7));
  const parts: Buffer[] = [];
  let at = 7;
  for (;;) {
    const word = frame.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const body = frame.subarray(at, at + size);
    at += size;
    if (word & 0x80000000) {
      parts.push(Buffer.from(body));
      continue;
    }
    const out: number[] = [];
    let i = 0;
    let lastMatchStart = -1;
    let trailingLiterals = 0;
    while (i < body.length) {
      const token = body[i++]!;
      let literals = token >> 4;
      if (literals === 15) for (let b = 255; b === 255; literals += b) b = body[i++]!;
      for (let k = 0; k < literals; k++) out.push(body[i++]!);
      trailingLiterals = literals;
      if (i >= body.length) break;
      const offset = body[i]! | (body[i + 1]! << 8);
      i += 2;
      let length = token & 15;
      if (length === 15) for (let b = 255; b === 255; length += b) b = body[i++]!;
      length += 4;
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThanOrEqual(out.length);
      lastMatchStart = out.length;
      for (let k = 0; k < length; k++) out.push(out[out.length - offset]!);
    }
    expect(out.length).toBeLessThanOrEqual(maxBlock);
    if (lastMatchStart >= 0) expect(lastMatchStart).toBeLessThanOrEqual(out.length - 12);
    if (lastMatchStart >= 0) expect(trailingLiterals).toBeGreaterThanOrEqual(5);
    parts.push(Buffer.from(out));
  }
  expect(at).toBe(frame.length);
  return Buffer.concat(parts);
}

const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `word${(i * 7919) % 613} `).join('').slice(0, n));

describe('LZ4 frame encoder', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['shorter than a match can be', Buffer.from('abcabcabcab')],
    ['13 bytes', Buffer.from('aaaaaaaaaaaaa')],
    ['one long run', Buffer.alloc(100_000, 'z')],
    ['text over several blocks', text(300_000)],
    ['exactly one block', text(64 * 1024)],
    ['random bytes (stored raw)', randomBytes(70_000)],
    ['text then random then text', Buffer.concat([text(5000), randomBytes(400), text(70_000)])],
  ])('%s: a strict decoder and ours read back the input', (_name, input) => {
    const frame = encodeLz4Frame(input);
    expect(strictDecode(frame).equals(input)).toBe(true);
    expect(decodeLz4Frame(frame).equals(input)).toBe(true);
  });

  it('compresses what repeats', () => {
    expect(encodeLz4Frame(text(200_000)).length).toBeLessThan(200_000 / 3);
  });

  it('writes the header Kafka writes: version 1, independent blocks, 64 KiB, checksum 0x82', () => {
    expect([...encodeLz4Frame(Buffer.from('x')).subarray(0, 7)]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
  });
});

/** Frames from the reference \`lz4\` tool (1.9) of 'The quick brown fox jumps over the lazy dog. ' × 3000. */
const LZ4_CLI_FRAMES = {
  // lz4 -B7: 4 MiB blocks, content checksum
  'B7': 'BCJNGGRQCEkCAAD/HlRoZSBxdWljayBicm93biBmb3gganVtcHMgb3ZlciB0aGUgbGF6eSBkb2cuIC0A/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////yRQZG9nLiAAAAAA2NJZgg==',
  // lz4 -B4 -BX --content-size: 64 KiB blocks with block checksums, content size in the header
  'B4 -BX --content-size': 'BCJNGHxAWA8CAAAAAACYOAEAAP8eVGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZy4gLQD/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////u1Byb3duIE6c87o4AQAA/x5mb3gganVtcHMgb3ZlciB0aGUgbGF6eSBkb2cuIFRoZSBxdWljayBicm93biAtAP////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////+7UHZlciB0owws5UcAAAD/HmhlIGxhenkgZG9nLiBUaGUgcXVpY2sgYnJvd24gZm94IGp1bXBzIG92ZXIgdC0A////////////////////IlBkb2cuIKmBorgAAAAA2NJZgg==',
  // lz4 -B4 -BD: linked blocks (matches reach into the previous block)
  'B4 -BD': 'BCJNGERAXjgBAAD/HlRoZSBxdWljayBicm93biBmb3gganVtcHMgb3ZlciB0aGUgbGF6eSBkb2cuIC0A/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////7tQcm93biAKAQAAD/D//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////+hQdmVyIHRHAAAA/x5oZSBsYXp5IGRvZy4gVGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHQtAP///////////////////yJQZG9nLiAAAAAA2NJZgg==',
};

describe('LZ4 frame decoder', () => {
  const fox = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(3000));

  it.each(Object.entries(LZ4_CLI_FRAMES))('reads frames of the reference tool: lz4 -%s', (_opts, base64) => {
    expect(decodeLz4Frame(Buffer.from(base64, 'base64')).equals(fox)).toBe(true);
  });

  it.each([
    ['not a frame', Buffer.from('hello, not lz4 at all')],
    ['a truncated frame', encodeLz4Frame(fox).subarray(0, 40)],
    ['a frame without its end mark', encodeLz4Frame(fox).subarray(0, -4)],
    ['a match pointing before the output', Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 4, 0, 0, 0, 0x10, 0x41, 0x09, 0x00, 0, 0, 0, 0])],
  ])('refuses %s with a clear error', (_what, frame) => {
    expect(() => decodeLz4Frame(frame)).toThrow(/LZ4 frame is corrupt/);
  });
});

describe('codecs', () => {
  it('registers lz4, snappy and zstd with kafkajs', () => {
    registerCodecs();
    expect(CompressionCodecs[CompressionTypes.LZ4]()).toBe(lz4Codec);
    expect(CompressionCodecs[CompressionTypes.Snappy]()).toBe(snappyCodec);
    expect(CompressionCodecs[CompressionTypes.ZSTD]()).toBe(zstdCodec);
  });

  it('lz4 and snappy round-trip through the kafkajs codec interface', async () => {
    const value = text(150_000);
    for (const codec of [lz4Codec, snappyCodec]) {
      const packed = await codec.compress({ buffer: value });
      expect(packed.length).toBeLessThan(value.length);
      expect((await codec.decompress(packed)).equals(value)).toBe(true);
    }
  });

  it('snappy reads the xerial framing Java producers write (header, then length-prefixed chunks)', async () => {
    const a = text(1000);
    const b = text(500);
    const chunk = async (v: Buffer) => {
      const raw = await snappyCodec.compress({ buffer: v });
      const size = Buffer.alloc(4);
      size.writeUInt32BE(raw.length);
      return Buffer.concat([size, raw]);
    };
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    const framed = Buffer.concat([header, await chunk(a), await chunk(b)]);
    expect((await snappyCodec.decompress(framed)).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('zstd decodes (a frame from the reference encoder) and refuses to encode, saying why', async () => {
    // `printf 'hello zstd hello zstd hello zstd' | zstd -19 | base64` (zstd 1.5, with a content checksum)
    const frame = Buffer.from('KLUv/QRojQAAWGhlbGxvIHpzdGQgAQD+ihcKAyKO', 'base64');
    expect((await zstdCodec.decompress(frame)).toString()).toBe('hello zstd hello zstd hello zstd');
    await expect(zstdCodec.compress({ buffer: Buffer.from('x') })).rejects.toThrow(/zstd can be read but not written/);
  });

  it('maps configured names to kafkajs compression types', () => {
    expect([compressionType('none'), compressionType('gzip'), compressionType('snappy'), compressionType('lz4')]).toEqual([
      CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4,
    ]);
  });
});

/**
 * LZ4 frames, as Kafka's lz4 codec uses them (KafkaLZ4BlockOutputStream in Java, librdkafka,
 * franz-go). Written here rather than taken from lz4js, the one pure-JS frame package: its frames
 * leave the block-independence flag clear, which Java refuses ("dependent block stream is
 * unsupported"), its encoder can start a match closer to a block's end than the format allows,
 * and its reader misplaces block checksums and sizes output by the declared block size (4 MiB per
 * block for some producers). The encoder writes what Kafka's producer writes: 64 KiB independent
 * blocks, no checksums beyond the header's. The decoder checks every bound and skips checksums: the
 * record batch's CRC, checked by the broker, already covers these bytes.
 */
import { ClioError } from '../../errors.ts';


const MAGIC = 0x184d2204;
/** FLG: version 01, independent blocks. BD: 64 KiB maximum block size. */
const FLG = 0x60;
const BD = 0x40;
/** (xxh32(FLG, BD) >> 8) & 0xff: constant for a constant descriptor. */
const HEADER_CHECKSUM = 0x82;
const BLOCK_SIZE = 64 * 1024;
const UNCOMPRESSED = 0x80000000;

const MIN_MATCH = 4;
/** The last 5 bytes of a block are literals, and the last match starts at least 12 bytes before its end. */
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const HASH_BITS = 14;
const MAX_OFFSET = 65535;

export function encodeLz4Frame(src: Uint8Array): Buffer {
  const blocks = Math.ceil(src.length / BLOCK_SIZE);
  // Worst case: every block stored raw with its 4-byte size, plus header (7) and end mark (4).
  const out = Buffer.allocUnsafe(7 + blocks * (BLOCK_SIZE + 4) + 4);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = FLG;
  out[5] = BD;
  out[6] = HEADER_CHECKSUM;
  let at = 7;
  const scratch = new Uint8Array(BLOCK_SIZE + Math.ceil(BLOCK_SIZE / 255) + 16);
  const table = new Int32Array(1 << HASH_BITS);
  for (let start = 0; start < src.length; start += BLOCK_SIZE) {
    const block = src.subarray(start, Math.min(start + BLOCK_SIZE, src.length));
    const size = compressBlock(block, scratch, table);
    if (size < block.length) {
      out.writeUInt32LE(size, at);
      out.set(scratch.subarray(0, size), at + 4);
      at += 4 + size;
    } else {
      out.writeUInt32LE((UNCOMPRESSED | block.length) >>> 0, at);
      out.set(block, at + 4);
      at += 4 + block.length;
    }
  }
  out.writeUInt32LE(0, at);
  return out.subarray(0, at + 4);
}

const read32 = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
const hash = (v: number): number => Math.imul(v, 2654435761) >>> (32 - HASH_BITS);

/** Greedy single-probe LZ4 block encoding of `src` into `dst`; returns the encoded length. */
export function compressBlock(src: Uint8Array, dst: Uint8Array, table: Int32Array): number {
  table.fill(-1);
  const len = src.length;
  const matchLimit = len - LAST_LITERALS;
  const lastMatchStart = len - MF_LIMIT;
  let anchor = 0;
  let i = 0;
  let o = 0;
  while (i <= lastMatchStart) {
    const seq = read32(src, i);
    const h = hash(seq);
    const ref = table[h]!;
    table[h] = i;
    if (ref < 0 || i - ref > MAX_OFFSET || read32(src, ref) !== seq) {
      i++;
      continue;
    }
    let end = i + MIN_MATCH;
    while (end < matchLimit && src[end] === src[ref + end - i]) end++;
    o = writeSequence(src, dst, o, anchor, i, i - ref, end - i);
    i = end;
    anchor = end;
  }
  return writeSequence(src, dst, o, anchor, len, 0, 0);
}

/** One sequence: literals src[from, to), then a match (none when matchLength is 0: the block's last). */
function writeSequence(src: Uint8Array, dst: Uint8Array, o: number, from: number, to: number, offset: number, matchLength: number): number {
  const literals = to - from;
  const extra = matchLength > 0 ? matchLength - MIN_MATCH : 0;
  const token = o++;
  dst[token] = (Math.min(literals, 15) << 4) | (matchLength > 0 ? Math.min(extra, 15) : 0);
  o = writeLength(dst, o, literals);
  dst.set(src.subarray(from, to), o);
  o += literals;
  if (matchLength === 0) return o;
  dst[o++] = offset & 0xff;
  dst[o++] = offset >>> 8;
  return writeLength(dst, o, extra);
}

/** A 4-bit field holds up to 14 directly; 15 means "add the bytes that follow" (255 each, then the rest). */
function writeLength(dst: Uint8Array, o: number, n: number): number {
  if (n < 15) return o;
  let rest = n - 15;
  while (rest >= 255) {
    dst[o++] = 255;
    rest -= 255;
  }
  dst[o++] = rest;
  return o;
}

const corrupt = (why: string) => new ClioError('codec_corrupt', `LZ4 frame is corrupt: ${why}`);

/** Decodes one LZ4 frame (any block size, independent or linked blocks, with or without checksums). */
export function decodeLz4Frame(frame: Uint8Array): Buffer {
  const src = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (src.length < 7 || src.readUInt32LE(0) !== MAGIC) throw corrupt('no LZ4 frame magic number');
  const flg = src[4]!;
  if ((flg & 0xc0) !== 0x40) throw corrupt(`frame version ${flg >> 6} (only 1 exists)`);
  const blockChecksums = (flg & 0x10) !== 0;
  const maxBlock = 1 << (8 + 2 * ((src[5]! >> 4) & 7));
  if (maxBlock < 1 << 16) throw corrupt('block size code below 4');
  const start = 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;

  // First pass over block headers: bounds, and the output size (an LZ4 block expands at most ~255 times).
  const blocks: Array<{ at: number; size: number; raw: boolean }> = [];
  let bound = 0;
  for (let at = start; ; ) {
    if (at + 4 > src.length) throw corrupt('ends before its end mark');
    const word = src.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const raw = word >>> 31 === 1;
    if (size > maxBlock || at + size > src.length) throw corrupt('a block runs past the frame');
    blocks.push({ at, size, raw });
    bound += raw ? size : Math.min(maxBlock, size * 255 + 16);
    at += size + (blockChecksums ? 4 : 0);
  }

  // One output buffer, so linked blocks (matches reaching into the previous block) decode too.
  const out = Buffer.allocUnsafe(bound);
  let o = 0;
  for (const { at, size, raw } of blocks) {
    if (raw) o += src.copy(out, o, at, at + size);
    else o = decodeBlock(src, at, at + size, out, o);
  }
  return o * 2 < out.length ? Buffer.from(out.subarray(0, o)) : out.subarray(0, o);
}

/** Decodes the block src[i, end) into out at o; returns the new end of output. */
function decodeBlock(src: Buffer, i: number, end: number, out: Buffer, o: number): number {
  const length = (n: number): number => {
    for (let b = 255; b === 255; n += b) {
      if (i >= end) throw corrupt('a length runs past its block');
      b = src[i++]!;
    }
    return n;
  };
  while (i < end) {
    const token = src[i++]!;
    let literals = token >> 4;
    if (literals === 15) literals = length(15);
    if (i + literals > end || o + literals > out.length) throw corrupt('literals run past the block');
    o += src.copy(out, o, i, i + literals);
    i += literals;
    if (i === end) break; // the last sequence has literals only
    if (i + 2 > end) throw corrupt('a match offset runs past its block');
    const offset = src[i]! | (src[i + 1]! << 8);
    i += 2;
    let matchLength = token & 15;
    if (matchLength === 15) matchLength = length(15);
    matchLength += MIN_MATCH;
    if (offset === 0 || offset > o) throw corrupt('a match points before the start of the output');
    if (o + matchLength > out.length) throw corrupt('a match runs past the block');
    if (offset >= matchLength) {
      out.copyWithin(o, o - offset, o - offset + matchLength);
    } else {
      for (let k = 0; k < matchLength; k++) out[o + k] = out[o + k - offset]!;
    }
    o += matchLength;
  }
  return o;
}

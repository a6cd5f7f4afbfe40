#!/usr/bin/env node
// A local single-node Kafka (KRaft, broker+controller) for tests and development, run from the
// jars that kafka/pom.xml resolves. Plain ESM so it runs with bare `node`.
//
//   node scripts/kafka.mjs fetch|start|status|stop [--all]|help
//   env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (port+1), KAFKA_DATA_DIR (.cache/kafka/data),
//        KAFKA_PID_FILE (.cache/kafka/kafka.pid)
//   secured listener (start): KAFKA_SASL_SSL_PORT, KAFKA_SCRAM_USERNAME (clio), KAFKA_SCRAM_PASSWORD
//        (generated when unset), KAFKA_TLS_HOSTS, KAFKA_OAUTH_PORT — see `help`.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const POM = path.join(ROOT, 'kafka', 'pom.xml');
const LOG4J = path.join(ROOT, 'kafka', 'log4j.properties');
const LIBS = path.join(ROOT, '.cache', 'kafka', 'libs');
const STAMP = path.join(LIBS, '.stamp');
const PID_DIR = path.join(ROOT, '.cache', 'kafka');
const DEFAULT_PID_FILE = path.join(PID_DIR, 'kafka.pid');
const DEFAULT_DATA_DIR = path.join(PID_DIR, 'data');
const CLASSPATH = path.join(LIBS, '*');

const log = (msg) => process.stderr.write(`[kafka] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function requireTool(cmd, args, hint) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.error) throw new Error(`${cmd} not found on PATH: ${hint}`);
}

function requireJava() {
  requireTool('java', ['-version'], 'Kafka needs Java 17+ (Debian: apt-get install -y openjdk-17-jdk-headless)');
}

/** Resolves the broker jars into .cache/kafka/libs with Maven, unless the stamp says they are current. */
export async function fetchKafkaJars() {
  // The stamp holds a hash of the pom, so editing the pom (e.g. a version bump) refetches.
  const pomHash = createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8').trim() === pomHash) return LIBS;
  requireTool('mvn', ['-v'], 'fetching the Kafka jars needs Maven (Debian: apt-get install -y maven)');
  requireJava();
  fs.rmSync(LIBS, { recursive: true, force: true }); // no stale jars of another version on the classpath
  log(`fetching Kafka jars with Maven into ${path.relative(ROOT, LIBS)} ...`);
  const started = Date.now();
  const mvn = await run('mvn', ['-B', '-q', '-f', POM, 'dependency:copy-dependencies'], { cwd: ROOT });
  // Debian's Maven prints bare colour resets even with -B -q.
  const output = mvn.output.replace(/\x1b\[0m/g, '').trim();
  if (mvn.code !== 0) throw new Error(`mvn dependency:copy-dependencies failed (${mvn.code}):\n${output}`);
  if (output) process.stderr.write(output + '\n');
  if (!fs.existsSync(LIBS) || !fs.readdirSync(LIBS).some((f) => f.startsWith('kafka_2.13-'))) {
    throw new Error(`Maven finished but no kafka_2.13 jar is in ${LIBS}`);
  }
  fs.writeFileSync(STAMP, pomHash + '\n');
  log(`jars ready (${fs.readdirSync(LIBS).length - 1} files, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return LIBS;
}

// Helpers (mvn, storage format) still running when this process exits (Ctrl-C mid-start) die with it. Prepended
// on first use: before test/global-setup.ts's clean-up, and before vitest's 'exit' listener ends the process.
const helpers = new Set();
let exitHook = false;
function track(child) {
  if (!exitHook) process.prependListener('exit', () => helpers.forEach((c) => c.kill('SIGKILL')));
  exitHook = true;
  helpers.add(child);
}

/** Runs a command without blocking the event loop; resolves with its exit code and combined output. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let output = '';
    child.stdout.on('data', (b) => (output += b));
    child.stderr.on('data', (b) => (output += b));
    child.once('error', (e) => (helpers.delete(child), reject(e)));
    child.once('close', (code, signal) => (helpers.delete(child), resolve({ code: code ?? signal, output })));
  });
}

function readPid(pidFile) {
  try {
    const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// kill(pid, 0) also succeeds for a zombie, so look at /proc when it exists.
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

// Guards against a recycled pid: only signal a process that really is our broker.
function isKafkaProcess(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return isAlive(pid); // no /proc (not Linux): trust the pid file
  }
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function brokerLogTail(dataDir) {
  return ['kafka.out', path.join('logs', 'server.log')]
    .map((f) => path.join(dataDir, f))
    .map((f) => {
      const t = tail(f);
      return t ? `--- ${f} ---\n${t}` : '';
    })
    .filter(Boolean)
    .join('\n');
}

function existingClusterId(dataDir) {
  try {
    const meta = fs.readFileSync(path.join(dataDir, 'kraft-logs', 'meta.properties'), 'utf8');
    return /^cluster\.id=(.+)$/m.exec(meta)?.[1].trim();
  } catch {
    return undefined;
  }
}

function serverProperties({ port, controllerPort, dataDir, secure }) {
  const listeners = [`PLAINTEXT://127.0.0.1:${port}`];
  const protocols = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT'];
  if (secure) {
    listeners.push(`SASL_SSL://127.0.0.1:${secure.port}`);
    protocols.push('SASL_SSL:SASL_SSL');
    if (secure.oauthPort) {
      listeners.push(`OAUTH://127.0.0.1:${secure.oauthPort}`);
      protocols.push('OAUTH:SASL_SSL');
    }
  }
  return `# written by scripts/kafka.mjs
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=${[...listeners, `CONTROLLER://127.0.0.1:${controllerPort}`].join(',')}
advertised.listeners=${listeners.join(',')}
listener.security.protocol.map=${protocols.join(',')}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${path.join(dataDir, 'kraft-logs')}
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
group.initial.rebalance.delay.ms=0
${secure ? secureProperties(secure) : ''}`;
}

// The secured listeners. Brokers talk to each other and to the controller over the loopback-only
// PLAINTEXT listener, which also serves this script's readiness probe.
function secureProperties(secure) {
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  let props = `
# TLS with the certificate generated at start; SCRAM users are stored in the cluster metadata.
ssl.keystore.type=PKCS12
ssl.keystore.location=${secure.keystore}
ssl.keystore.password=${secure.keystorePassword}
ssl.key.password=${secure.keystorePassword}
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${scram}
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scram}
`;
  if (secure.oauthPort) {
    // Kafka's unsecured-JWT validator accepts any unsigned token with sub and exp: for tests only.
    props += `listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER
listener.name.oauth.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
listener.name.oauth.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler
`;
  }
  return props;
}

const SAFE_SECRET = /^[\w.~-]{8,}$/;

/**
 * A CA and a broker certificate (EC P-256, 30 days) signed by it, written to <dataDir>/tls with
 * openssl on every start, plus the PKCS12 keystore the broker reads. Clients trust tls/ca.pem.
 */
async function generateTls(dir, hosts, password) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const openssl = async (...args) => {
    const r = await run('openssl', args, { cwd: dir });
    if (r.code !== 0) throw new Error(`openssl ${args[0]} failed (${r.code}):\n${r.output.replaceAll(password, '[redacted]')}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=clio-stream local Kafka CA');
  await openssl('req', ...ec, '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=clio-stream local Kafka');
  const names = hosts.map((h) => (net.isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  fs.writeFileSync(path.join(dir, 'broker.ext'), `subjectAltName=${names}\nextendedKeyUsage=serverAuth\n`);
  await openssl('x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-extfile', 'broker.ext', '-out', 'broker.pem');
  await openssl('pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', 'ca.pem', '-name', 'broker', '-out', 'broker.p12', '-passout', `pass:${password}`);
  return { caFile: path.join(dir, 'ca.pem'), keystore: path.join(dir, 'broker.p12') };
}

/** Properties for Kafka's own command-line tools (--command-config), e.g. kafka-consumer-groups. */
function clientProperties({ caFile, username, password }) {
  return `# written by scripts/kafka.mjs: the SCRAM-over-TLS listener's client settings (holds the password)
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";
ssl.truststore.type=PEM
ssl.truststore.location=${caFile}
`;
}

/** SCRAM-SHA-256 and -512 credentials, as the broker's tools spell them. */
const scramCredentials = (username, password) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].map((m) => `${m}=[name=${username},password=${password}]`);

// With `coordinator`, also wait for the group coordinator: the first lookup creates __consumer_offsets,
// which otherwise happens inside the first test's consumer (noisy "coordinator not available" retries).
async function brokerAnswers(brokers, { coordinator = false, ssl, sasl } = {}) {
  const admin = new kafkajs.Kafka({
    clientId: 'clio-kafka-script',
    brokers: [brokers],
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    if (coordinator) await admin.describeGroups(['clio-kafka-script-warm-up']);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Starts a broker in the background and resolves once it serves requests.
 * The broker is detached: it outlives this process until stopKafka() (or `scripts/kafka.mjs stop`).
 * With `secure`, it also listens with TLS + SCRAM (and, with secure.oauthPort, TLS + unsecured-JWT
 * OAUTHBEARER), and resolves once a SCRAM client is let in.
 */
export async function startKafka({ port = 9092, controllerPort, dataDir = DEFAULT_DATA_DIR, pidFile = DEFAULT_PID_FILE, secure } = {}) {
  controllerPort ??= port + 1;
  dataDir = path.resolve(ROOT, dataDir);
  pidFile = path.resolve(ROOT, pidFile);
  requireJava();
  if (secure) {
    requireTool('openssl', ['version'], 'the secured listener\'s certificates are made with openssl (Debian: apt-get install -y openssl)');
    secure = { username: 'clio', hosts: [], ...secure };
    if (!Number.isInteger(secure.port)) throw new Error('secure.port (KAFKA_SASL_SSL_PORT) must be a port number');
    if (!/^[A-Za-z0-9._-]+$/.test(secure.username)) throw new Error('the SCRAM username may hold letters, digits, ".", "_" and "-" only');
    // The broker's tools parse "name=...,password=..." lists: no commas, brackets, quotes or spaces.
    if (!SAFE_SECRET.test(secure.password ?? '')) {
      throw new Error('the SCRAM password (KAFKA_SCRAM_PASSWORD) needs 8+ characters from letters, digits and _.~-');
    }
  }

  const old = readPid(pidFile);
  if (old && isAlive(old) && isKafkaProcess(old)) {
    throw new Error(`a broker from ${pidFile} is already running (pid ${old}); stop it first`);
  }
  fs.rmSync(pidFile, { force: true });
  for (const p of [port, controllerPort, secure?.port, secure?.oauthPort].filter(Boolean)) {
    // Otherwise the readiness probe could succeed against someone else's broker.
    if (!(await portFree(p))) throw new Error(`port 127.0.0.1:${p} is already in use`);
  }
  await fetchKafkaJars();

  const started = Date.now();
  fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
  const props = path.join(dataDir, 'server.properties');
  let tls;
  if (secure) {
    const keystorePassword = randomBytes(18).toString('base64url');
    const hosts = [...new Set(['127.0.0.1', 'localhost', ...secure.hosts])];
    tls = { ...(await generateTls(path.join(dataDir, 'tls'), hosts, keystorePassword)), keystorePassword };
    fs.writeFileSync(path.join(dataDir, 'tls', 'client.properties'), clientProperties({ caFile: tls.caFile, ...secure }), { mode: 0o600 });
  }
  // server.properties holds the keystore password: readable by its owner only.
  fs.writeFileSync(props, serverProperties({ port, controllerPort, dataDir, secure: secure && { ...secure, ...tls } }), { mode: 0o600 });
  const javaLog = [`-Dlog4j.configuration=file:${LOG4J}`, `-Dkafka.logs.dir=${path.join(dataDir, 'logs')}`];

  // Reuse the id of an already formatted data dir: format rejects a different one even with --ignore-formatted.
  const reused = existingClusterId(dataDir);
  const clusterId = reused ?? newClusterId();
  // A new data dir gets its SCRAM users with the metadata it is formatted with; a reused one below.
  const scram = secure && !reused ? scramCredentials(secure.username, secure.password).flatMap((c) => ['--add-scram', c]) : [];
  const fmt = await run('java', [
    ...javaLog, '-cp', CLASSPATH, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--ignore-formatted', ...scram,
  ]);
  const hide = (text) => (secure ? text.replaceAll(secure.password, '[redacted]') : text);
  if (fmt.code !== 0) throw new Error(`kafka storage format failed (${fmt.code}):\n${hide(fmt.output)}`);

  const out = fs.openSync(path.join(dataDir, 'kafka.out'), 'a');
  const child = spawn(
    'java',
    ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', '-Djava.awt.headless=true', ...javaLog, '-cp', CLASSPATH, 'kafka.Kafka', props],
    { cwd: dataDir, detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  let exited;
  child.once('exit', (code, signal) => (exited = signal ?? code));
  child.once('error', (e) => (exited = e.message));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn java');
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  fs.writeFileSync(pidFile, `${pid}\n`);

  const brokers = `127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== undefined || !isAlive(pid)) {
      fs.rmSync(pidFile, { force: true });
      throw new Error(`Kafka broker exited during start-up (${exited ?? 'gone'})\n${brokerLogTail(dataDir)}`);
    }
    if (await brokerAnswers(brokers, { coordinator: true })) break;
    if (Date.now() > deadline) {
      await stopKafka({ pidFile, timeoutMs: 5000 });
      throw new Error(`Kafka broker did not answer on ${brokers} within 120 s\n${brokerLogTail(dataDir)}`);
    }
    await sleep(300);
  }
  let secured;
  if (secure) {
    if (reused) {
      // kafka-configs against the running broker (re)sets the user's credentials in the metadata; one
      // mechanism per call, as KRaft refuses two credentials of one user in one request.
      for (const credential of scramCredentials(secure.username, secure.password)) {
        const cfg = await run('java', [
          ...javaLog, '-cp', CLASSPATH, 'kafka.admin.ConfigCommand', '--bootstrap-server', brokers,
          '--alter', '--entity-type', 'users', '--entity-name', secure.username, '--add-config', credential.replace(`name=${secure.username},`, ''),
        ]);
        if (cfg.code !== 0) {
          await stopKafka({ pidFile, timeoutMs: 5000 });
          throw new Error(`kafka-configs could not set the SCRAM user (${cfg.code}):\n${hide(cfg.output)}`);
        }
      }
    }
    const ssl = { ca: [fs.readFileSync(tls.caFile, 'utf8')] };
    const sasl = { mechanism: 'scram-sha-512', username: secure.username, password: secure.password };
    secured = { brokers: `127.0.0.1:${secure.port}`, caFile: tls.caFile, username: secure.username, clientProperties: path.join(dataDir, 'tls', 'client.properties') };
    if (secure.oauthPort) secured.oauthBrokers = `127.0.0.1:${secure.oauthPort}`;
    // The credentials reach the listener through the metadata log: wait until a SCRAM client gets in.
    while (!(await brokerAnswers(secured.brokers, { ssl, sasl }))) {
      if (!isAlive(pid) || Date.now() > deadline) {
        await stopKafka({ pidFile, timeoutMs: 5000 });
        throw new Error(`the SCRAM-over-TLS listener on ${secured.brokers} did not let the user in within 120 s\n${brokerLogTail(dataDir)}`);
      }
      await sleep(300);
    }
  }
  const startSeconds = (Date.now() - started) / 1000;
  return { brokers, pid, startSeconds, ...(secured ? { secure: secured } : {}), stop: () => stopKafka({ pidFile }) };
}

/**
 * A random cluster id (16 bytes, 22 base64url characters). One starting with '-' would be read by
 * kafka-storage as an option ("--cluster-id: expected one argument"): 1 start in 64 failed so.
 * Kafka's own Uuid.randomUuid draws again for the same reason.
 */
export function newClusterId(random = randomBytes) {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** SIGTERM, wait up to timeoutMs for a clean shutdown, then SIGKILL. Resolves true if a broker was stopped. */
export async function stopKafka({ pidFile = DEFAULT_PID_FILE, timeoutMs = 30_000 } = {}) {
  pidFile = path.resolve(ROOT, pidFile);
  const pid = readPid(pidFile);
  if (!pid || !isAlive(pid) || !isKafkaProcess(pid)) {
    fs.rmSync(pidFile, { force: true });
    return false;
  }
  const signal = (sig) => {
    try {
      process.kill(pid, sig);
    } catch {}
  };
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) {
    log(`broker pid ${pid} ignored SIGTERM for ${timeoutMs / 1000} s; killing it`);
    signal('SIGKILL');
    while (isAlive(pid)) await sleep(100);
  }
  fs.rmSync(pidFile, { force: true });
  return true;
}

const HELP = `usage: node scripts/kafka.mjs fetch|start|status|stop [--all]|help

  fetch          resolve the broker jars (kafka/pom.xml) into .cache/kafka/libs
  start          start a single-node KRaft broker in the background; prints its PLAINTEXT address
  status         exit 0 when the broker of KAFKA_PID_FILE answers
  stop [--all]   stop that broker (--all: every broker this checkout started)

environment:
  KAFKA_PORT              PLAINTEXT listener on 127.0.0.1 (9092)
  KAFKA_CONTROLLER_PORT   KRaft controller listener (KAFKA_PORT + 1)
  KAFKA_DATA_DIR          server.properties, logs, tls/ (.cache/kafka/data)
  KAFKA_PID_FILE          (.cache/kafka/kafka.pid)

secured listener (start), a production-like set-up next to the PLAINTEXT one:
  KAFKA_SASL_SSL_PORT     listen with TLS + SASL SCRAM-SHA-256/SCRAM-SHA-512 on this port. A CA and a
                          broker certificate are made with openssl at every start in KAFKA_DATA_DIR/tls;
                          clients trust tls/ca.pem. The SCRAM user is created with Kafka's own tools
                          (storage format --add-scram, or kafka-configs on a reused data dir).
  KAFKA_SCRAM_USERNAME    (clio)
  KAFKA_SCRAM_PASSWORD    8+ characters from letters, digits and _.~- (generated when unset)
                          tls/client.properties holds it, with the other settings Kafka's tools need
                          (--command-config)
  KAFKA_TLS_HOSTS         extra names for the certificate, comma-separated (always 127.0.0.1, localhost)
  KAFKA_OAUTH_PORT        also listen with TLS + SASL OAUTHBEARER, validated by Kafka's unsecured-JWT
                          validator (any unsigned token with sub and exp is let in): testing only`;

async function main(cmd, args) {
  const port = Number(process.env.KAFKA_PORT || 9092);
  const controllerPort = Number(process.env.KAFKA_CONTROLLER_PORT || port + 1);
  const dataDir = process.env.KAFKA_DATA_DIR || DEFAULT_DATA_DIR;
  const pidFile = process.env.KAFKA_PID_FILE || DEFAULT_PID_FILE;
  switch (cmd) {
    case 'fetch':
      await fetchKafkaJars();
      return 0;
    case 'start': {
      const securePort = process.env.KAFKA_SASL_SSL_PORT ? Number(process.env.KAFKA_SASL_SSL_PORT) : undefined;
      const oauthPort = process.env.KAFKA_OAUTH_PORT ? Number(process.env.KAFKA_OAUTH_PORT) : undefined;
      if (oauthPort && !securePort) throw new Error('KAFKA_OAUTH_PORT needs KAFKA_SASL_SSL_PORT too');
      const secure = securePort
        ? {
            port: securePort,
            oauthPort,
            username: process.env.KAFKA_SCRAM_USERNAME || 'clio',
            password: process.env.KAFKA_SCRAM_PASSWORD || randomBytes(18).toString('base64url'),
            hosts: (process.env.KAFKA_TLS_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
          }
        : undefined;
      const k = await startKafka({ port, controllerPort, dataDir, pidFile, secure });
      log(`broker up on ${k.brokers} (pid ${k.pid}, ${k.startSeconds.toFixed(1)} s; data ${dataDir})`);
      if (k.secure) {
        log(`SCRAM over TLS on ${k.secure.brokers}: user ${k.secure.username}, CA ${k.secure.caFile}`);
        log(`password and client settings for Kafka's tools: ${k.secure.clientProperties}`);
        if (k.secure.oauthBrokers) log(`OAUTHBEARER (unsecured JWTs, testing only) over TLS on ${k.secure.oauthBrokers}`);
      }
      console.log(k.brokers);
      return 0;
    }
    case 'status': {
      const pid = readPid(pidFile);
      if (!pid || !isAlive(pid) || !isKafkaProcess(pid)) {
        console.log('not running');
        return 1;
      }
      const brokers = `127.0.0.1:${port}`;
      const ok = await brokerAnswers(brokers);
      console.log(`running (pid ${pid})${ok ? `, answering on ${brokers}` : `, not answering on ${brokers}`}`);
      return ok ? 0 : 1;
    }
    case 'stop': {
      // --all: every broker this checkout started (CI clean-up), e.g. test runs' own pid files.
      const files = args.includes('--all')
        ? (fs.existsSync(PID_DIR) ? fs.readdirSync(PID_DIR) : []).filter((f) => f.endsWith('.pid')).map((f) => path.join(PID_DIR, f))
        : [pidFile];
      for (const f of files) {
        const pid = readPid(f);
        if (await stopKafka({ pidFile: f })) log(`stopped broker pid ${pid}`);
      }
      if (args.includes('--all') && fs.existsSync(PID_DIR)) {
        // Throw-away data dirs that test runs (test/global-setup.ts) create here.
        for (const d of fs.readdirSync(PID_DIR).filter((d) => d.startsWith('tmp-'))) {
          fs.rmSync(path.join(PID_DIR, d), { recursive: true, force: true });
        }
      }
      return 0;
    }
    case 'help':
    case '--help':
      console.log(HELP);
      return 0;
    default:
      console.error(HELP);
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2], process.argv.slice(3)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`[kafka] ${err.message}`);
      process.exit(1);
    },
  );
}

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.ts';
import { ClioError, ConfigError, UsageError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { startRun } from '../app/run.ts';
import { runDemo } from '../app/demo.ts';
import { runReplay } from '../app/replay.ts';
import { createCatalogJudges, createEmbedder, createExtractor } from '../app/understanding.ts';
import { buildCatalog } from '../app/catalog-build.ts';
import { DEFAULT_POLICIES_FILE, loadPolicies } from '../catalog/policies.ts';
import { stderrProgress } from '../util/progress.ts';
import { generateConversations, generateInvalid } from '../generate/synthetic.ts';
import { writeRealisticWeek } from '../generate/realistic-file.ts';
import { runEvalCommand } from '../eval/command.ts';
import { createTokenCommand, listTokensCommand, revokeTokenCommand } from '../api/auth/tokens-command.ts';

/** Parses the command line and runs one command; every expected failure ends in one clear line, no stack. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
    // A failed command may leave handles open (a consumer's reconnect timers, a server): once the
    // error is printed, nothing should keep the process alive.
    setTimeout(() => process.exit(), 2000).unref();
  }
}

export function buildProgram(): Command {
  const program = new Command('clio-stream')
    .description('Real-time, privacy-preserving safety monitor for AI-assistant traffic.')
    .option('-c, --config <file>', 'YAML config file (also CLIO_CONFIG); environment variables override it')
    .showHelpAfterError()
    .exitOverride((err) => {
      // commander's own help/version exits are not failures
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
      throw new UsageError(err.message.replace(/^error: /, ''));
    })
    .configureOutput({ outputError: () => {} });

  program
    .command('run')
    .description('Consume the conversations topic continuously: count per cluster and bucket, detect spikes and emerging clusters, send alerts (Slack, or JSON lines), serve /healthz, /readyz and /metrics.')
    .option('--port <n>', 'API port (overrides api.port)', parsePort)
    .action(async (options: { port?: number }) => {
      const config = loadConfig({ env: process.env, file: program.opts().config, overrides: options.port !== undefined ? { api: { port: options.port } } : undefined });
      const logger = createLogger(config.log.level);
      const service = await startRun(config, logger);
      let forced = false;
      const shutdown = (signal: string) => {
        if (forced) return;
        forced = true;
        logger.info({ signal }, 'shutting down: finishing the chunk in flight');
        const timer = setTimeout(() => {
          logger.error({ timeoutMs: config.shutdown.timeoutMs }, 'shutdown timed out; exiting without a clean commit (nothing is lost: the store replays from its offsets)');
          process.exit(1);
        }, config.shutdown.timeoutMs);
        timer.unref();
        service.stop().then(
          () => logger.info('stopped cleanly'),
          (e: Error) => logger.error({ err: e.message }, 'error while stopping'),
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      try {
        await service.done;
      } catch (error) {
        // The source failed for good: close what can be closed (bounded), then exit non-zero.
        logger.error({ err: (error as Error).message }, 'consumption stopped for good; shutting down');
        await Promise.race([service.stop().catch(() => {}), new Promise((r) => setTimeout(r, config.shutdown.timeoutMs).unref())]);
        throw error;
      }
      await service.stop();
    });

  const catalog = program.command('catalog').description('Build and inspect the topic catalog.');
  catalog
    .command('build')
    .description("Clio's batch pipeline over a JSONL sample: redact, facets, embeddings, k-means, names from k-anonymous vocabulary, privacy audit, hierarchy, policy areas, clusters under the privacy minimums folded into their nearest → catalog.json. Resumes an interrupted build.")
    .requiredOption('--input <jsonl>', 'baseline sample of conversations (the input contract, one per line)')
    .requiredOption('--out <catalog.json>', 'where to write the catalog (work files go to <out>.work/ until it is done)')
    .option('--clusters <n>', 'number of leaf clusters (default: from the sample size)', parsePositive)
    .option('--policies <yaml>', 'policy taxonomy', DEFAULT_POLICIES_FILE)
    .option('--seed <n>', 'random seed for k-means', parseCount, 1)
    .action(async (o: { input: string; out: string; clusters?: number; policies: string; seed: number }) => {
      const config = loadConfig({ env: process.env, file: program.opts().config });
      const policies = loadPolicies(o.policies);
      const progress = stderrProgress();
      const embedder = await createEmbedder(config.embeddings);
      const extractor = createExtractor(config.facets);
      try {
        const built = await buildCatalog({
          input: o.input, out: o.out, clusters: o.clusters, seed: o.seed, limits: config.ingest,
          minAccounts: config.privacy.minAccounts, minConversations: config.privacy.minConversations, vocabularyK: config.privacy.vocabularyK,
          thresholdQuantile: 0.05, extractor, embedder, policies, progress, ...createCatalogJudges(config, policies, o.seed),
        });
        const leaves = built.clusters.filter((c) => c.level === 0);
        process.stderr.write(`wrote ${o.out}: ${leaves.length} clusters (${leaves.filter((c) => c.named).length} named), ${built.clusters.length - leaves.length} parents, ${built.embedding.model_id}\n`);
      } finally {
        await extractor.close?.();
        await embedder.close();
      }
    });

  program
    .command('replay')
    .description("Replay a recorded stream (JSONL) through run's pipeline on its own event-time clock: counts, detection, alerts to a JSONL file.")
    .requiredOption('--input <jsonl>', 'recorded conversations, one per line')
    .requiredOption('--catalog <catalog.json>', 'catalog from `catalog build`')
    .option('--rules <dir>', 'rule files (default: alerts.rulesDir, else the shipped alerts/)')
    .requiredOption('--alerts-out <jsonl>', 'write every alert notification here')
    .option('--assignments-out <jsonl>', 'write {id, cluster_id, similarity, novel} per conversation (contains conversation ids: keep it inside the secure environment)')
    .option('--db <dir>', 'embedded store folder to keep (default: a fresh temporary one)')
    .action(async (o: { input: string; catalog: string; rules?: string; alertsOut: string; assignmentsOut?: string; db?: string }) => {
      const config = loadConfig({ env: process.env, file: program.opts().config });
      const logger = createLogger(process.env.CLIO_LOG_LEVEL ?? 'warn');
      const progress = (line: string) => process.stderr.write(`${line}\n`);
      const summary = await runReplay(config, logger, { input: o.input, catalog: o.catalog, rulesDir: o.rules, alertsOut: o.alertsOut, assignmentsOut: o.assignmentsOut, db: o.db, progress });
      progress(
        `replayed ${summary.conversations} conversations in ${summary.seconds.toFixed(1)} s (${Math.round(summary.conversations / summary.seconds)}/s); ` +
          `${summary.deadLettered} invalid; ${summary.alerts} alert notification(s) written to ${o.alertsOut}`,
      );
      if (summary.undelivered > 0) throw new ClioError('alerts_undelivered', `${summary.undelivered} alert notification(s) could not be written to ${o.alertsOut}`);
    });

  program
    .command('demo')
    .description('The embedded default end to end: a synthetic week with a launch, a spike and a new harmful computer-use pattern; catalog from the days before the launch; replay through Kafka when a broker answers (else the file); alerts as they fire; a summary.')
    .option('--per-day <n>', 'weekday conversations before the launch (the week scales with it)', parsePositive, 1400)
    .option('--seed <n>', 'random seed of the scenario', parseCount, 2026)
    .option('--out-dir <dir>', 'keep the week, the catalog and the alerts here')
    .action(async (o: { perDay: number; seed: number; outDir?: string }) => {
      const config = loadConfig({ env: process.env, file: program.opts().config });
      const logger = createLogger(process.env.CLIO_LOG_LEVEL ?? 'warn');
      await runDemo(config, logger, { perDay: o.perDay, seed: o.seed, outDir: o.outDir, out: (line) => process.stdout.write(`${line}\n`), progress: (line) => process.stderr.write(`${line}\n`) });
    });

  program
    .command('eval')
    .description('Backtest on labelled history: build a week from labelled prompt files as a scenario says (launch, spikes, emerging patterns, decoy, canaries), run catalog build and replay on it, and score detection per event (detected, delay, purity), false alerts per day and canary leaks.')
    .requiredOption('--scenario <yaml...>', 'scenario file(s) (schemas/eval-scenario.schema.json)')
    .option('--input <file...>', 'extra labelled prompt files (JSONL, CSV or JSON array) added to every scenario\'s sources')
    .option('--text-field <name>', 'text field of --input files', 'text')
    .option('--label-field <name>', 'label field of --input files (without it, each file is one label: its name; unlabelled inputs work as benign traffic)')
    .option('--format <format>', 'format of --input files: jsonl, csv or json (default: from the extension)')
    .option('--data-dir <dir>', "folder that the scenarios' relative source paths start from (overrides their data_dir)")
    .option('--seeds <list>', 'seeds to run, e.g. 1,2,3 (overrides the scenarios\' seeds); several give the median and spread per figure', parseSeeds)
    .option('--rules <dir>', 'rule files (default: alerts.rulesDir, else the shipped alerts/)')
    .option('--keep-dir <dir>', 'keep each run\'s week, catalog, alerts and assignments here (they hold texts and ids: keep them inside the secure environment)')
    .option('--json', 'print the results as JSON instead of a table')
    .option('--probe', 'print, at each check of the emerging search during an emerging event, how many of its conversations are in the window, clear the contrast margin and link into one group (figures only); with --keep-dir, also write the scored window for offline study')
    .action(async (o: { scenario: string[]; input?: string[]; textField: string; labelField?: string; format?: string; dataDir?: string; seeds?: number[]; rules?: string; keepDir?: string; json?: boolean; probe?: boolean }) => {
      const config = loadConfig({ env: process.env, file: program.opts().config });
      await runEvalCommand(config, o, { out: (line) => process.stdout.write(`${line}\n`), progress: (line) => process.stderr.write(`${line}\n`) });
    });

  const tokens = program.command('tokens').description('API tokens for the workbench (roles viewer < analyst < investigator < admin); only their SHA-256 is stored.');
  tokens
    .command('create')
    .description('Create a token and print it once on stdout; its hash goes to the database.')
    .requiredOption('--name <name>', 'who or what uses it (shown in the access log)')
    .requiredOption('--role <role>', 'viewer, analyst, investigator or admin')
    .action(async (o: { name: string; role: string }) => {
      const config = loadConfig({ env: process.env, file: program.opts().config });
      await createTokenCommand(config, o, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
    });
  tokens
    .command('list')
    .description('List tokens: name, role, created, live or revoked (never the token or its hash).')
    .action(async () => {
      const config = loadConfig({ env: process.env, file: program.opts().config });
      await listTokensCommand(config, (line) => process.stdout.write(`${line}\n`));
    });
  tokens
    .command('revoke')
    .description('Revoke a database token by name.')
    .requiredOption('--name <name>', 'the token to revoke')
    .action(async (o: { name: string }) => {
      const config = loadConfig({ env: process.env, file: program.opts().config });
      await revokeTokenCommand(config, o, (line) => process.stderr.write(`${line}\n`));
    });

  program
    .command('generate')
    .description('Write synthetic conversations (and optionally invalid records) as JSONL, for tests, benchmarks and demos.')
    .requiredOption('--out <file>', 'output JSONL file')
    .option('--count <n>', 'valid conversations', parseCount, 10_000)
    .option('--invalid <n>', 'invalid records of every kind, interleaved', parseCount, 0)
    .option('--accounts <n>', 'size of the account pool', parseCount)
    .option('--seed <n>', 'random seed', parseCount, 1)
    .option('--start <time>', 'event time of the first conversation (RFC 3339)', '2026-11-20T00:00:00Z')
    .option('--hours <n>', 'event-time span in hours', parseCount, 24)
    .option('--realistic', 'write the realistic week instead (src/generate/realistic.ts: diffuse harm, other languages, look-alikes, a new family); uses --seed, --start, --per-day, --truth-out')
    .option('--per-day <n>', 'with --realistic: weekday conversations a day', parsePositive, 800)
    .option('--truth-out <file>', 'with --realistic: ground truth per conversation id and the events, as JSON (holds ids: keep it inside the secure environment)')
    .action(async (o: { out: string; count: number; invalid: number; accounts?: number; seed: number; start: string; hours: number; realistic?: boolean; perDay: number; truthOut?: string }) => {
      const startMs = Date.parse(o.start);
      if (!Number.isFinite(startMs)) throw new UsageError(`--start must be an RFC 3339 time, got "${o.start}"`);
      if (o.realistic) {
        const { count } = await writeRealisticWeek({ seed: o.seed, startMs, perDay: o.perDay }, o.out, o.truthOut);
        process.stderr.write(`wrote ${count} conversations of the realistic week to ${o.out}\n`);
        return;
      }
      const config = loadConfig({ env: process.env, file: program.opts().config });
      const out = createWriteStream(o.out);
      const invalid = generateInvalid(o.invalid, config.ingest, o.seed);
      const every = o.invalid > 0 ? Math.max(1, Math.floor(o.count / o.invalid)) : Infinity;
      let i = 0;
      for (const { conversation } of generateConversations({ count: o.count, seed: o.seed, accounts: o.accounts, startMs, spanMs: o.hours * 3600_000 })) {
        if (!out.write(`${JSON.stringify(conversation)}\n`)) await once(out, 'drain');
        if (++i % every === 0) {
          const bad = invalid.next();
          if (!bad.done && bad.value.value) out.write(Buffer.concat([bad.value.value.subarray(0, Math.min(bad.value.value.length, 1 << 20)), Buffer.from('\n')]));
        }
      }
      for (const bad of invalid) if (bad.value) out.write(Buffer.concat([bad.value, Buffer.from('\n')]));
      out.end();
      await once(out, 'finish');
      process.stderr.write(`wrote ${o.count} conversations${o.invalid ? ` and invalid records` : ''} to ${o.out}\n`);
    });

  return program;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

function parseSeeds(value: string): number[] {
  const seeds = value.split(',').map((v) => Number(v.trim()));
  if (seeds.length === 0 || seeds.some((n) => !Number.isInteger(n) || n < 0)) throw new InvalidArgumentError('must be whole numbers ≥ 0 separated by commas, e.g. 1,2,3');
  return seeds;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

/** Prints one line for expected failures (exit 2 for config and usage, 1 otherwise). */
export function reportError(error: unknown): number {
  if (error instanceof ClioError) {
    process.stderr.write(`clio-stream: ${error.message}\n`);
    return error instanceof ConfigError || error instanceof UsageError ? 2 : 1;
  }
  const e = error as Error;
  process.stderr.write(`clio-stream: unexpected error: ${e?.message ?? String(error)}\n`);
  if (process.env.CLIO_DEBUG) process.stderr.write(`${e?.stack}\n`);
  else process.stderr.write('(set CLIO_DEBUG=1 for the stack trace)\n');
  return 1;
}

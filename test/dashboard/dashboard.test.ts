import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/auth/tokens.ts';
import { startRun, type RunningService } from '../../src/app/run.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog } from '../../src/app/catalog-build.ts';
import { loadPolicies } from '../../src/catalog/policies.ts';
import { loadConfig } from '../../src/config/load.ts';
import { LocalEmbedder } from '../../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { TOPICS } from '../../src/generate/topics.ts';
import { createLogger } from '../../src/log.ts';
import { silentProgress } from '../../src/util/progress.ts';
import { CANARIES, canaryConversation, findCanary, memoryStream } from '../helpers/canary.ts';
import { fetchText, metricValue, waitFor } from '../helpers/cli.ts';
import { createTopic, produce } from '../helpers/kafka.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';

/** Debian's chromium (CI installs it); CHROMIUM_PATH points elsewhere. Playwright never downloads a browser here. */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
if (!CHROMIUM) {
  console.warn('test/dashboard: SKIPPED — no chromium binary (apt-get install chromium, as .ci/run does, or set CHROMIUM_PATH)');
}

/** Screenshots of each step: test artefacts, git-ignored, never committed. */
const ARTEFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));

const limits = { maxMessageBytes: 65_536, maxMessages: 50, maxBlockChars: 20_000 };
const ANALYST_TOKEN = 'clio_dashboard-test-analyst-token-0123456789';
const SPIKE_TOPIC = 'account-creation-abuse';
const hour = 3_600_000;

const lines = (convs: Iterable<{ conversation: unknown }>) => [...convs].map((l) => Buffer.from(JSON.stringify(l.conversation)));

describe.skipIf(!CHROMIUM)('the dashboard in headless Chromium, against a running `run` fed by the broker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-dashboard-'));
  const topic = uniqueName('clio_dashboard');
  const logs = memoryStream();
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  let base: string;
  /** Every body the page received from the service (HTML, scripts, JSON), for the canary check. */
  const bodies: Promise<string>[] = [];
  const pageErrors: string[] = [];

  /** The API as the test sees it (GET, or POST with a body), with the analyst's token. */
  const api = async (path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${ANALYST_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
    return JSON.parse(text);
  };
  const shot = (name: string) => page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTEFACTS, { recursive: true });
    const baseline = join(dir, 'baseline.jsonl');
    writeFileSync(baseline, [...generateConversations({ count: 800, seed: 8, accounts: 200, targetBytes: 0, idPrefix: 'base', startMs: Date.parse('2026-11-10T00:00:00Z') })].map((l) => JSON.stringify(l.conversation)).join('\n'));
    const embedder = await LocalEmbedder.start({ workers: 2 });
    try {
      await buildCatalog({
        input: baseline, out: join(dir, 'catalog.json'), clusters: 8, seed: 1, limits, minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
        extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: loadPolicies(), progress: silentProgress,
      });
    } finally {
      await embedder.close();
    }

    // Three quiet days of history (what a backtest replays), then a busy night in which one topic
    // triples its share, with conversations carrying personal data planted among them.
    const now = Date.parse('2026-11-20T00:00:00Z');
    const live = [
      ...lines(generateConversations({ count: 450, seed: 9, accounts: 150, targetBytes: 0, idPrefix: 'hist', startMs: now - 3 * 24 * hour, spanMs: 3 * 24 * hour })),
      ...lines(generateConversations({ count: 200, seed: 10, accounts: 120, targetBytes: 0, idPrefix: 'now', startMs: now, spanMs: 2 * hour })),
      ...lines(generateConversations({ count: 60, seed: 11, accounts: 40, targetBytes: 0, idPrefix: 'spike', startMs: now + hour / 2, spanMs: 1.5 * hour, topics: TOPICS.filter((t) => t.id === SPIKE_TOPIC) })),
    ];
    for (let i = 0; i < 5; i++) live.push(Buffer.from(JSON.stringify(canaryConversation(new Date(now + hour + i * 60_000).toISOString(), i))));
    // The same personal request from 40 accounts: a new pattern, surfacing as a provisional cluster the dashboard lists.
    for (let i = 0; i < 40; i++) {
      const c = canaryConversation(new Date(now + hour + i * 60_000).toISOString(), 100 + i);
      live.push(Buffer.from(JSON.stringify({ ...c, account_id: `${CANARIES.accountId}-${i}` })));
    }
    await createTopic(topic, 3);
    await produce(topic, live, 3);

    const config = loadConfig({
      overrides: {
        kafka: { brokers: kafkaBrokers(), groupId: `${topic}_group`, topics: { conversations: topic, deadLetter: `${topic}_dlq` }, chunkSize: 200, fromBeginning: true },
        store: { dataDir: join(dir, 'store') },
        ingest: limits,
        // The privacy floor: a small test stream still shows several clusters in its last window.
        privacy: { accountHashSecret: 'dashboard-test-secret-0123', minAccounts: 5, minConversations: 10 },
        catalog: { path: join(dir, 'catalog.json') },
        alerts: { out: join(dir, 'alerts.jsonl') },
        api: { port: 0, tokens: [{ name: 'launch-analyst', role: 'analyst', sha256: hashToken(ANALYST_TOKEN) }] },
        log: { level: 'info' },
      },
    });
    service = await startRun(config, createLogger('info', logs));
    base = service.url;
    let processed = 0;
    await waitFor(async () => {
      processed = metricValue(await fetchText(`${base}/metrics`), 'clio_processed_total');
      return processed >= live.length ? true : undefined;
    }, 'every conversation processed', 420_000, 500).catch((e) => {
      throw new Error(`${(e as Error).message}: ${processed} of ${live.length}`);
    });

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('response', (r) => {
      if (r.url().startsWith(base)) bodies.push(r.text().catch(() => ''));
    });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a token (again after a wrong one), then the overview lists the clusters', async () => {
    await page.goto(`${base}/`);
    await page.getByPlaceholder('token').fill('clio_not-a-real-token');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByText('That token was not accepted').waitFor();
    await page.getByPlaceholder('token').fill(ANALYST_TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();

    const overview = await api('/api/overview');
    expect(overview.top_movers.length).toBeGreaterThan(0);
    const rows = page.locator('[data-testid=overview] tr[data-cluster]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(overview.top_movers.length);
    for (const c of overview.top_movers) await expect(page.locator(`[data-testid=overview] tr[data-cluster="${c.id}"]`).textContent()).resolves.toContain(c.name);
    expect(await page.getByText('launch-analyst').count()).toBe(1);
    // The token is kept for the next visit: a reload goes straight to the data.
    await page.reload();
    await rows.first().waitFor();
    expect(await page.locator('[data-testid=token-form]').count()).toBe(0);
    await shot('01-overview');
  });

  it('lists the catalog as a tree, and the search narrows it', async () => {
    const all = await api('/api/clusters');
    await page.goto(`${base}/#/clusters`);
    const nodes = page.locator('[data-testid=cluster-tree] li[data-cluster]');
    await nodes.first().waitFor();
    expect(await nodes.count()).toBe(all.clusters.length);
    const target = all.clusters.find((c: any) => c.level === 'leaf') ?? all.clusters[0];
    const word = target.name.split(/\s+/).find((w: string) => w.length > 4) ?? target.name;
    await page.getByTestId('cluster-search').fill(word);
    await page.waitForURL(/#\/clusters\?q=/);
    const matching = await api(`/api/clusters?q=${encodeURIComponent(word)}`);
    await waitFor(async () => ((await nodes.count()) === matching.clusters.length ? true : undefined), 'the filtered tree', 10_000);
    expect(matching.clusters.length).toBeLessThan(all.clusters.length);
    await expect(page.locator(`[data-testid=cluster-tree] li[data-cluster="${target.id}"]`).count()).resolves.toBe(1);
    await shot('02-cluster-tree');
  });

  it('opens a cluster page whose plot is drawn from the series', async () => {
    await page.goto(`${base}/#/`);
    const first = page.locator('[data-testid=overview] tr[data-cluster] a').first();
    const id = await first.evaluate((a) => a.closest('tr')!.getAttribute('data-cluster'));
    await first.click();
    await page.waitForURL(new RegExp(`#/clusters/${encodeURIComponent(id!)}`));
    const plot = page.getByTestId('series-plot');
    await plot.locator('canvas').waitFor();
    expect(Number(await plot.getAttribute('data-points'))).toBeGreaterThan(0);
    // The canvas has the series on it, not just axes: count the pixels in the share line's colour.
    const blue = await plot.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && data[i + 2]! > 200 && data[i]! < 80) n++;
      return n;
    });
    expect(blue).toBeGreaterThan(50);
    expect(await page.getByTestId('cluster-page').getAttribute('data-cluster')).toBe(id);
    await shot('03-cluster');
  });

  it('edits a threshold: an invalid value is marked inline, a backtest plots candidate beside current, Apply puts it in force', async () => {
    // Which rule the spike set off over the stored days, and how far its ratio went.
    const before = await api('/api/rules');
    const replay = await api('/api/backtest', { rules: before.rules.filter((r: any) => r.kind === 'spike') });
    expect(replay.current.length, 'the spike raises an alert over the stored counts').toBeGreaterThan(0);
    const rule = replay.current[0].rule as string;
    const fired = replay.current.filter((a: any) => a.rule === rule);
    const stricter = Math.ceil(Math.max(...fired.map((a: any) => a.ratio))) + 1;
    const current = before.rules.find((r: any) => r.name === rule);

    await page.goto(`${base}/#/rules/${encodeURIComponent(rule)}`);
    const field = page.locator('#rule-min_ratio');
    await expect.poll(() => field.inputValue()).toBe(String(current.min_ratio));

    await field.fill('0.5');
    await page.getByTestId('backtest').click();
    const error = page.locator('[data-testid=field-error][data-field=min_ratio]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/>= 1/);
    await shot('04-rule-invalid');

    // A ratio above every one the rule reached: the candidate would have stayed silent.
    await field.fill(String(stricter));
    await page.getByTestId('backtest').click();
    const result = page.getByTestId('backtest-result');
    await result.waitFor({ timeout: 60_000 });
    await result.locator('canvas').waitFor();
    expect(Number(await result.getAttribute('data-current'))).toBe(fired.length);
    expect(Number(await result.getAttribute('data-candidate'))).toBe(0);
    expect(await page.locator('[data-testid=field-error]').count()).toBe(0);
    // The emerging rules in force are not backtested, and the page says which, beside the candidate's.
    const emerging = before.rules.filter((r: any) => r.kind === 'emerging').map((r: any) => r.name as string);
    expect(emerging.length).toBeGreaterThan(0);
    const notJudged = await result.getByTestId('not-backtested-current').textContent();
    for (const name of emerging) expect(notJudged).toContain(name);
    expect(await result.getByTestId('not-backtested-candidate').count()).toBe(0);
    await shot('05-backtest');

    await page.getByTestId('reason').fill('stricter during the launch');
    await page.getByTestId('apply').click();
    await page.getByTestId('applied').waitFor();
    await expect.poll(async () => Number(await page.getByTestId('rules-version').textContent()), { timeout: 20_000 }).toBeGreaterThan(before.version);
    await expect.poll(() => page.locator(`tr[data-rule="${rule}"] [data-field=min_ratio]`).textContent()).toBe(String(stricter));
    const after = await api('/api/rules');
    expect(after.source).toBe('database');
    expect(after.rules.find((r: any) => r.name === rule).min_ratio).toBe(stricter);
    const history = await api('/api/rules/history');
    expect(history.versions[0]).toMatchObject({ author: 'launch-analyst', reason: 'stricter during the launch' });
    // In force in the running process: its own rules now raise nothing over the same days.
    await expect.poll(async () => (await api('/api/backtest', { rules: [current] })).current.filter((a: any) => a.rule === rule).length, { timeout: 20_000 }).toBe(0);
    await shot('06-applied');
  });

  it('shows alerts and silences, and nothing personal reaches the page', async () => {
    await page.goto(`${base}/#/alerts`);
    await page.getByTestId('alerts').waitFor();
    await page.waitForLoadState('networkidle');
    await shot('07-alerts');
    // A silence from the form (prefilled by a link such as the cluster page's), then expired again.
    await page.goto(`${base}/#/silences?rule=topic-spike&cluster_id=c-001`);
    await page.locator('input[name=comment]').fill('known launch traffic');
    await page.getByRole('button', { name: 'Silence', exact: true }).click();
    const active = page.getByTestId('silences-active');
    await active.getByText('known launch traffic').waitFor();
    expect(await active.textContent()).toContain('cluster_id=c-001');
    await shot('08-silences');
    await active.getByRole('button', { name: 'expire' }).click();
    await page.getByTestId('silences-expired').getByText('known launch traffic').waitFor();
    expect((await api('/api/silences')).active).toEqual([]);
    const html = await page.content();
    const received = await Promise.all(bodies);
    expect(received.length).toBeGreaterThan(10);
    expect(findCanary(html)).toBeUndefined();
    for (const body of received) expect(findCanary(body)).toBeUndefined();
    expect(findCanary(logs.text())).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });
});

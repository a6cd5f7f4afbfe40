import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../src/app/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import { CANARIES, findCanary, memoryStream } from '../helpers/canary.ts';
import { openWorkbench, type Workbench } from '../api/workbench-fixture.ts';

/** Recent conversations of a cluster as the store keeps them, their summaries carrying canaries a redactor missed. */
async function plant(wb: Workbench, clusterId: string, count: number, startMs: number): Promise<void> {
  const store = new IngestStore(wb.db);
  const conversations: CountedConversation[] = Array.from({ length: count }, (_, i) => ({
    idHash: `${CANARIES.conversationId}-${clusterId}-${i}`, accountHash: `${CANARIES.accountId}-${i}`, eventTimeMs: startMs + i * 1000, clusterId, product: null, offset: BigInt(i),
    request: { nearestClusterId: clusterId, embedding: [0.6, 0.8], summaryWords: `help ${CANARIES.name} email ${CANARIES.email} phone ${CANARIES.phone} about fake accounts ${i}` },
  }));
  await store.applyChunk({ consumer: `plant-${clusterId}`, topic: 't', partition: 0, nextOffset: BigInt(count), bucketMs: 300_000, conversations, deadLetters: [] });
}

const T0 = Date.parse('2026-11-27T12:00:00Z');
const BODY = { cluster_id: 'c-007', case: 'TS-2291', reason: 'A spike alert on account farming needs a look at what the requests ask for.' };

describe('investigator view', () => {
  describe('off by default', () => {
    let wb: Workbench;
    beforeAll(async () => {
      wb = await openWorkbench(await openPglite(MEMORY_STORE));
    }, 60_000);
    afterAll(async () => wb.close());

    it('answers 404 even to an investigator', async () => {
      expect(wb.config.investigator.enabled).toBe(false);
      const res = await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as('investigator'), payload: BODY });
      expect(res.statusCode).toBe(404);
    });
  });

  describe('enabled', () => {
    let wb: Workbench;
    beforeAll(async () => {
      wb = await openWorkbench(await openPglite(MEMORY_STORE), { overrides: { investigator: { enabled: true, maxFacets: 3, viewMinutes: 30 } } });
      await plant(wb, 'c-007', 6, T0);
      await plant(wb, 'c-008', 2, T0);
      await wb.db.query(
        `INSERT INTO alert_outbox (id, alert_id, payload) VALUES
         ('a1:firing:1', 'a1', $1::jsonb), ('a2:firing:1', 'a2', $2::jsonb)`,
        [JSON.stringify({ alert: { subject: 'cluster', cluster: { id: 'c-008' } } }), JSON.stringify({ alert: { subject: 'policy_area', cluster: { id: 'area:fraud' } } })],
      );
    }, 60_000);
    afterAll(async () => wb.close());

    it('needs the investigator role, a case reference and a reason', async () => {
      for (const role of ['viewer', 'analyst'] as const) {
        expect((await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as(role), payload: BODY })).statusCode).toBe(403);
      }
      const noReason = await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as('investigator'), payload: { cluster_id: 'c-007', case: 'TS-1' } });
      expect(noReason.statusCode).toBe(400);
      const both = await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as('investigator'), payload: { ...BODY, alert_id: 'a1' } });
      expect(both.statusCode).toBe(400);
    });

    it('shows at most maxFacets redacted summaries of one cluster: no text a redactor catches, no id, no account', async () => {
      const res = await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as('investigator'), payload: BODY });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body.facets).toHaveLength(3);
      expect(Object.keys(body.facets[0])).toEqual(['request']);
      expect(body.facets[0].request).toMatch(/fake accounts/);
      expect(findCanary(res.body)).toBeUndefined();
      expect(body.view).toMatchObject({ principal: 'investigator-token', case: 'TS-2291', subject: 'cluster:c-007', cluster_id: 'c-007', facets_shown: 3 });

      // Re-read while open; written to the access log with the case each time.
      const again = await wb.app.inject({ method: 'GET', url: `/api/investigations/${body.view.id}/facets`, headers: wb.as('investigator') });
      expect(again.statusCode).toBe(200);
      expect(findCanary(again.body)).toBeUndefined();
      const log = await wb.db.query<{ action: string; target: string }>("SELECT action, target FROM access_log WHERE action LIKE 'investigations.%' ORDER BY id");
      expect(log.map((r) => r.action)).toEqual(['investigations.open', 'investigations.read']);
      expect(log[0]!.target).toBe(`cluster:c-007 case:TS-2291 view:${body.view.id}`);
      // Another investigator cannot read this view.
      const admin = await wb.app.inject({ method: 'GET', url: `/api/investigations/${body.view.id}/facets`, headers: wb.as('admin') });
      expect(admin.statusCode).toBe(404);
      expect(findCanary(wb.logs())).toBeUndefined();
    });

    it('opens a view from an alert (of one cluster, not an area), and one view at a time', async () => {
      const first = (await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as('investigator'), payload: BODY })).json();
      const fromAlert = await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as('investigator'), payload: { alert_id: 'a1', case: 'TS-2291', reason: 'The alert a1 needs its requests read.' } });
      expect(fromAlert.statusCode).toBe(201);
      expect(fromAlert.json().view).toMatchObject({ subject: 'alert:a1', cluster_id: 'c-008', facets_shown: 2 });
      expect(findCanary(fromAlert.body)).toBeUndefined();
      // The earlier view ended when this one opened.
      const old = await wb.app.inject({ method: 'GET', url: `/api/investigations/${first.view.id}/facets`, headers: wb.as('investigator') });
      expect(old.statusCode).toBe(403);
      const area = await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as('investigator'), payload: { alert_id: 'a2', case: 'TS-1', reason: 'An area alert, across clusters.' } });
      expect(area.statusCode).toBe(400);
      expect((await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as('investigator'), payload: { alert_id: 'nope', case: 'TS-1', reason: 'An alert that does not exist.' } })).statusCode).toBe(404);
    });

    it('ends a view when its time is up', async () => {
      const view = (await wb.app.inject({ method: 'POST', url: '/api/investigations', headers: wb.as('investigator'), payload: BODY })).json().view;
      await wb.db.query("UPDATE investigator_views SET expires_at = now() - interval '1 second' WHERE id = $1", [view.id]);
      expect((await wb.app.inject({ method: 'GET', url: `/api/investigations/${view.id}/facets`, headers: wb.as('investigator') })).statusCode).toBe(403);
    });

    it('lets admins, and only admins, list the views with their case and reason', async () => {
      expect((await wb.app.inject({ method: 'GET', url: '/api/investigations', headers: wb.as('investigator') })).statusCode).toBe(403);
      const res = await wb.app.inject({ method: 'GET', url: '/api/investigations', headers: wb.as('admin') });
      expect(res.statusCode).toBe(200);
      const views = res.json().views;
      expect(views.length).toBeGreaterThanOrEqual(4);
      expect(views.at(-1)).toMatchObject({ case: 'TS-2291', reason: BODY.reason, subject: 'cluster:c-007', facets_shown: 3 });
      expect(findCanary(res.body)).toBeUndefined();
    });
  });

  it('is a configuration change `run` announces at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-investigator-run-'));
    const topic = uniqueName('clio_investigator');
    const logs = memoryStream();
    const config = loadConfig({
      overrides: {
        kafka: { brokers: kafkaBrokers(), groupId: `${topic}_group`, topics: { conversations: topic, deadLetter: `${topic}_dlq` }, partitions: 1 },
        store: { dataDir: join(dir, 'store') },
        privacy: { accountHashSecret: 'investigator-run-secret-01' },
        api: { port: 0 },
        alerts: { out: join(dir, 'alerts.jsonl') },
        investigator: { enabled: true, maxFacets: 5 },
      },
    });
    const service = await startRun(config, createLogger('info', logs));
    try {
      const line = logs.text().split('\n').find((l) => l.includes('investigator view enabled'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ level: 40, maxFacets: 5, viewMinutes: 60 });
    } finally {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

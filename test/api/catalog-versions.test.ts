import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { DetectionStore } from '../../src/store/detection-store.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { storeBackends } from '../helpers/stores.ts';
import { testCatalog } from './detector-fixture.ts';
import { openWorkbench, type Workbench } from './workbench-fixture.ts';

/** The test catalog as version `version`, with provisional leaves added. */
function version(version: number, added: string[]): Catalog {
  const base = testCatalog();
  const extra = added.map((id) => ({ ...base.clusters[0]!, id, name: `New ${id}`, provisional: true, policy_areas: [] }));
  return { ...base, version, clusters: [...base.clusters, ...extra] };
}

describe.each(storeBackends)('GET /api/catalog/versions (%s)', (_name, openBackend) => {
  let db: SqlClient;
  let cleanup: () => Promise<void>;
  let wb: Workbench;

  beforeEach(async () => {
    ({ db, cleanup } = await openBackend());
    wb = await openWorkbench(db);
  }, 60_000);
  afterEach(async () => {
    await wb.close();
    await db.close();
    await cleanup();
  });

  it('lists versions newest first with the clusters each one added, without centroids', async () => {
    expect((await wb.app.inject({ url: '/api/catalog/versions', headers: wb.as('viewer') })).json()).toEqual({ versions: [] });
    await db.transaction(async (tx) => {
      await DetectionStore.saveCatalog(tx, version(1, []));
      await DetectionStore.saveCatalog(tx, version(2, ['emerging-a']));
      await DetectionStore.saveCatalog(tx, version(3, ['emerging-a', 'emerging-b']));
    });
    const res = await wb.app.inject({ url: '/api/catalog/versions', headers: wb.as('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      versions: [
        { version: 3, created_at: expect.any(String), clusters: 6, added: [{ id: 'emerging-b', name: 'New emerging-b' }] },
        { version: 2, created_at: expect.any(String), clusters: 5, added: [{ id: 'emerging-a', name: 'New emerging-a' }] },
        { version: 1, created_at: expect.any(String), clusters: 4, added: [] },
      ],
    });
    expect(res.body).not.toContain('centroid');
    // A shorter page still diffs its oldest version against the one before it.
    const page = (await wb.app.inject({ url: '/api/catalog/versions?limit=2', headers: wb.as('viewer') })).json();
    expect(page.versions.map((v: { version: number; added: unknown[] }) => [v.version, v.added.length])).toEqual([[3, 1], [2, 1]]);
    expect((await wb.app.inject({ url: '/api/catalog/versions?limit=0', headers: wb.as('viewer') })).statusCode).toBe(400);
    expect((await wb.app.inject({ url: '/api/catalog/versions' })).statusCode).toBe(401);
  });
});

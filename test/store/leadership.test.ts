import { afterEach, describe, expect, it } from 'vitest';
import { AdvisoryLockLeadership, SingleProcessLeadership } from '../../src/store/leadership.ts';
import { freshDatabase } from '../helpers/services.ts';

describe('leadership of detection', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('lets one instance of a PostgreSQL store lead, and another take over when it goes', async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const first = new AdvisoryLockLeadership(db.url, 4242);
    const second = new AdvisoryLockLeadership(db.url, 4242);
    cleanups.push(() => first.close(), () => second.close());
    expect(await first.acquire()).toBe(true);
    expect(await second.acquire()).toBe(false);
    expect(await first.acquire()).toBe(true); // still leading, checked cheaply
    await first.close(); // the process dies: the server releases its lock
    expect(await second.acquire()).toBe(true);
  });

  it('says no, without throwing, when the server cannot be reached', async () => {
    const unreachable = new AdvisoryLockLeadership('postgres://nobody@127.0.0.1:1/none');
    expect(await unreachable.acquire()).toBe(false);
    await unreachable.close();
  });

  it('always leads an embedded store (one process owns its folder)', async () => {
    expect(await new SingleProcessLeadership().acquire()).toBe(true);
  });
});

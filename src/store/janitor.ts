import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import { checkFence, FencedError, type Fence } from './leadership.ts';
import type { SqlClient } from './sql.ts';

const HOUR_S = 3600;
const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;
/** A day is packed for backtests once the event clock is this far past its end (late conversations thin out). */
const PACK_AFTER_MS = 3600_000;
/** A retention month: aggregateMonths × 30 days. */
const MONTH_MS = 30 * DAY_MS;

/** How long each kind of stored data is kept (config `retention.*`). */
export interface RetentionPolicy {
  /** Individual-level rows: seen conversation-id hashes, account hashes per bucket, the recent pool. */
  individualDays: number;
  /** Per-bucket counts; older ones are rolled up into one row per hour. */
  bucketDays: number;
  /** Hourly counts; older ones are rolled up into one row per (UTC) day. */
  hourlyDays: number;
  /** Daily counts, catalog versions (all but the latest) and sent notifications; older ones are deleted. */
  aggregateMonths: number;
  /** Rows per statement, so that no sweep holds locks or memory for long. */
  batchRows: number;
}

/** What one pass did, per table (row counts only). */
export interface JanitorReport {
  removed: Record<string, number>;
  rolledUp: Record<string, number>;
  /** Closed days whose counts were packed for backtests (settled_counts). */
  packedDays: number;
  /** False when the pass stopped at its time budget with work left (the next pass goes on). */
  complete: boolean;
}

/** The janitor's Prometheus metrics; labels are the closed set of table names and grains. */
export class RetentionMetrics {
  readonly removed: Counter<'table'>;
  readonly rolledUp: Counter<'table' | 'grain'>;
  readonly passes: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.removed = new Counter({ name: 'clio_retention_rows_removed_total', help: 'Rows deleted by the retention janitor, per table.', labelNames: ['table'], registers });
    this.rolledUp = new Counter({ name: 'clio_retention_rows_rolled_up_total', help: 'Count rows folded into a coarser row (hour or day) by the retention janitor, per table and grain.', labelNames: ['table', 'grain'], registers });
    this.passes = new Counter({ name: 'clio_retention_passes_total', help: 'Retention janitor passes run (on the detection leader).', registers });
  }
}

export interface JanitorOptions {
  metrics?: RetentionMetrics;
  logger?: Logger;
  /** A pass stops starting new batches after this long; the rest waits for the next pass. Default 2 s. */
  budgetMs?: number;
  /**
   * The leader's fencing token (leadership.ts), absent for the embedded store. A pass takes the
   * token once, when it starts, and every batch checks it in its own transaction: a pass of a
   * deposed leader writes nothing, not even the batch it was in when the lead changed hands.
   */
  fence?: Fence;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Enforces retention on the store, run by the detection leader (one instance at a time: with a
 * fence, each batch commits only while the lead its pass started under still holds). Every sweep
 * works in batches of `batchRows`: delete the oldest individual-level rows; fold per-bucket counts
 * older than `bucketDays` into hourly rows and hourly rows older than `hourlyDays` into daily rows
 * (conversations summed; distinct accounts as the largest of the folded rows — a lower bound, since
 * the account sets are gone by then); delete daily rows, catalog versions (never the latest) and
 * sent notifications and API access-log entries older than `aggregateMonths`. Then, within the
 * pass's budget, it packs each closed day still at bucket grain into settled_counts for backtests
 * (packDay), newest first.
 *
 * Ages are measured against `nowMs`: the monitor passes its event clock (the newest event time
 * applied), so a backlog or a replayed history keeps what its own windows need. Dedupe holds inside
 * `individualDays`: a copy of a conversation that arrives more than that after it is counted again,
 * as nothing about it is kept any more.
 */
export class Janitor {
  private readonly budgetMs: number;

  constructor(
    private readonly db: SqlClient,
    private readonly policy: RetentionPolicy,
    private readonly options: JanitorOptions = {},
  ) {
    this.budgetMs = options.budgetMs ?? 2000;
  }

  async pass(nowMs: number): Promise<JanitorReport> {
    const started = Date.now();
    const p = this.policy;
    const report: JanitorReport = { removed: {}, rolledUp: {}, packedDays: 0, complete: true };
    // The token of the lead this pass runs under: a lead lost and regained mid-pass is another lead.
    const token = this.options.fence?.() ?? null;
    if (this.options.fence && token === null) throw new FencedError('not leading');
    const fence: Fence | undefined = this.options.fence ? () => token : undefined;
    const individual = nowMs - p.individualDays * DAY_MS;
    const { toHours, toDays, aggregate } = countBoundaries(nowMs, p);

    const sweeps: Array<[kind: 'removed' | 'rolledUp', key: string, batch: () => Promise<number>]> = [
      ['removed', 'seen_conversations', () => this.deleteOlder(fence, 'seen_conversations', ['id_hash'], 'event_time', individual)],
      ['removed', 'cluster_accounts', () => this.deleteOlder(fence, 'cluster_accounts', ['cluster_id', 'product', 'bucket_start', 'account_hash'], 'bucket_start', individual)],
      ['removed', 'recent_conversations', () => this.deleteOlder(fence, 'recent_conversations', ['id_hash'], 'event_time', individual)],
      ['rolledUp', 'cluster_counts/hour', () => this.foldCounts(fence, toHours, HOUR_S)],
      ['rolledUp', 'traffic_counts/hour', () => this.foldTraffic(fence, toHours, HOUR_S)],
      ['rolledUp', 'cluster_counts/day', () => this.foldCounts(fence, toDays, DAY_S)],
      ['rolledUp', 'traffic_counts/day', () => this.foldTraffic(fence, toDays, DAY_S)],
      ['removed', 'cluster_counts', () => this.deleteOlder(fence, 'cluster_counts', ['cluster_id', 'product', 'bucket_start'], 'bucket_start', aggregate)],
      ['removed', 'traffic_counts', () => this.deleteOlder(fence, 'traffic_counts', ['product', 'bucket_start'], 'bucket_start', aggregate)],
      ['removed', 'catalog_versions', () => this.deleteCatalogVersions(fence, aggregate)],
      ['removed', 'alert_outbox', () => this.deleteSentNotifications(fence, aggregate)],
      ['removed', 'alert_deliveries', () => this.deleteOlder(fence, 'alert_deliveries', ['alert_id'], 'delivered_at', aggregate)],
      // The API's audit trail (who read or changed what): kept as long as the aggregates it is about.
      ['removed', 'access_log', () => this.deleteOlder(fence, 'access_log', ['id'], 'at', aggregate)],
      // Packs of days folded into hours by now: backtests read those days from the hourly rows.
      ['removed', 'settled_counts', () => this.deletePacksBefore(fence, Math.ceil(toHours / DAY_MS))],
    ];
    sweeping: for (const [kind, key, batch] of sweeps) {
      for (;;) {
        if (Date.now() - started > this.budgetMs) {
          report.complete = false;
          break sweeping;
        }
        const n = await batch();
        if (n > 0) {
          report[kind][key] = (report[kind][key] ?? 0) + n;
          if (kind === 'removed') this.options.metrics?.removed.inc({ table: key }, n);
          else {
            const [table, grain] = key.split('/');
            this.options.metrics?.rolledUp.inc({ table: table!, grain: grain! }, n);
          }
        }
        if (n < p.batchRows) break;
      }
    }
    // Newest first: backtests read the last days most.
    if (report.complete) {
      for (const day of await this.unpackedDays(Math.ceil(toHours / DAY_MS), Math.floor((nowMs - PACK_AFTER_MS) / DAY_MS) - 1)) {
        if (Date.now() - started > this.budgetMs) {
          report.complete = false;
          break;
        }
        if (await this.packDay(fence, day)) report.packedDays += 1;
      }
    }
    this.options.metrics?.passes.inc();
    if (Object.keys(report.removed).length + Object.keys(report.rolledUp).length + report.packedDays > 0) {
      this.options.logger?.info({ removed: report.removed, rolledUp: report.rolledUp, packedDays: report.packedDays, complete: report.complete }, 'retention pass');
    }
    return report;
  }

  /** Days in [firstDay, lastDay] with traffic counted and no pack, newest first. */
  private async unpackedDays(firstDay: number, lastDay: number): Promise<number[]> {
    if (lastDay < firstDay) return [];
    const rows = await this.db.query<{ day: number }>(
      `SELECT d AS day FROM generate_series($1::int, $2::int) AS d
        WHERE NOT EXISTS (SELECT 1 FROM settled_counts s WHERE s.day = d AND s.product = '')
          AND EXISTS (SELECT 1 FROM traffic_counts t WHERE t.product = '' AND t.bucket_start >= to_timestamp(d::bigint * 86400) AND t.bucket_start < to_timestamp((d::bigint + 1) * 86400))
        ORDER BY d DESC`,
      [firstDay, lastDay],
    );
    return rows.map((r) => Number(r.day));
  }

  /**
   * Packs one closed day's per-bucket counts, every product and series, one row each. The event
   * clock row's lock is taken first: a chunk counting into this day either committed before (and
   * is read here) or deletes this pack when it commits after (ingest-store.ts, unpackChangedDays).
   */
  private async packDay(fence: Fence | undefined, day: number): Promise<boolean> {
    const from = iso(day * DAY_MS);
    const to = iso((day + 1) * DAY_MS);
    const offset = `(extract(epoch FROM bucket_start)::bigint - $1::bigint * 86400)::text || ':' || conversations::text`;
    return this.db.transaction(async (tx) => {
      // Only a day that ended before the clock as the lock finds it: ingest drops packs of those days only.
      const [clock] = await tx.query<{ max_event_time: Date }>('SELECT max_event_time FROM event_clock WHERE id = 1 FOR UPDATE');
      if (!clock || (day + 1) * DAY_MS > new Date(clock.max_event_time).getTime()) return false;
      if (fence) await checkFence(tx, fence);
      await tx.query('DELETE FROM settled_counts WHERE day = $1', [day]);
      await tx.query(
        `INSERT INTO settled_counts (day, product, series, counts)
         SELECT $1, product, cluster_id, string_agg(${offset}, ',' ORDER BY bucket_start)
           FROM cluster_counts WHERE bucket_start >= $2 AND bucket_start < $3 GROUP BY product, cluster_id
         UNION ALL
         SELECT $1, product, '', string_agg(${offset}, ',' ORDER BY bucket_start)
           FROM traffic_counts WHERE bucket_start >= $2 AND bucket_start < $3 GROUP BY product`,
        [day, from, to],
      );
      return true;
    });
  }

  /** One batch statement, in a transaction that first checks the fence (a no-op without one). */
  private write(fence: Fence | undefined, text: string, params: unknown[]): Promise<Array<{ n: string | number }>> {
    if (!fence) return this.db.query<{ n: string | number }>(text, params);
    return this.db.transaction(async (tx) => {
      await checkFence(tx, fence);
      return tx.query<{ n: string | number }>(text, params);
    });
  }

  /** Deletes up to batchRows rows of `table` whose `column` is before `beforeMs`; returns how many. */
  private async deleteOlder(fence: Fence | undefined, table: string, key: readonly string[], column: string, beforeMs: number): Promise<number> {
    const k = key.join(', ');
    const rows = await this.write(fence,
      `WITH gone AS (
         DELETE FROM ${table} WHERE (${k}) IN (SELECT ${k} FROM ${table} WHERE ${column} < $1 LIMIT $2) RETURNING 1
       ) SELECT count(*) AS n FROM gone`,
      [iso(beforeMs), this.policy.batchRows],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Up to batchRows packed-count rows of days before `day`. */
  private async deletePacksBefore(fence: Fence | undefined, day: number): Promise<number> {
    const rows = await this.write(fence,
      `WITH gone AS (
         DELETE FROM settled_counts WHERE (day, product, series) IN (SELECT day, product, series FROM settled_counts WHERE day < $1 LIMIT $2) RETURNING 1
       ) SELECT count(*) AS n FROM gone`,
      [day, this.policy.batchRows],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Folds up to batchRows per-cluster count rows before `beforeMs` that do not start a `grainS`
   * period into the row that does (created if missing). The aligned row stays where it is and
   * becomes the coarse row, so a fold is never undone and a late arrival folds in on the next pass.
   */
  private async foldCounts(fence: Fence | undefined, beforeMs: number, grainS: number): Promise<number> {
    const rows = await this.write(fence,
      `WITH moved AS (
         DELETE FROM cluster_counts WHERE (cluster_id, product, bucket_start) IN (
           SELECT cluster_id, product, bucket_start FROM cluster_counts
            WHERE bucket_start < $1 AND extract(epoch FROM bucket_start)::bigint % $3::bigint <> 0 LIMIT $2)
         RETURNING cluster_id, product, bucket_start, conversations, unique_accounts
       ), folded AS (
         INSERT INTO cluster_counts (cluster_id, product, bucket_start, conversations, unique_accounts)
         SELECT cluster_id, product, to_timestamp(((extract(epoch FROM bucket_start)::bigint / $3::bigint) * $3::bigint)::double precision), sum(conversations), max(unique_accounts)
           FROM moved GROUP BY 1, 2, 3
         ON CONFLICT (cluster_id, product, bucket_start) DO UPDATE
           SET conversations = cluster_counts.conversations + EXCLUDED.conversations,
               unique_accounts = GREATEST(cluster_counts.unique_accounts, EXCLUDED.unique_accounts)
         RETURNING 1
       ) SELECT (SELECT count(*) FROM moved) AS n, (SELECT count(*) FROM folded) AS f`,
      [iso(beforeMs), this.policy.batchRows, grainS],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** foldCounts for the all-traffic denominators. */
  private async foldTraffic(fence: Fence | undefined, beforeMs: number, grainS: number): Promise<number> {
    const rows = await this.write(fence,
      `WITH moved AS (
         DELETE FROM traffic_counts WHERE (product, bucket_start) IN (
           SELECT product, bucket_start FROM traffic_counts
            WHERE bucket_start < $1 AND extract(epoch FROM bucket_start)::bigint % $3::bigint <> 0 LIMIT $2)
         RETURNING product, bucket_start, conversations
       ), folded AS (
         INSERT INTO traffic_counts (product, bucket_start, conversations)
         SELECT product, to_timestamp(((extract(epoch FROM bucket_start)::bigint / $3::bigint) * $3::bigint)::double precision), sum(conversations)
           FROM moved GROUP BY 1, 2
         ON CONFLICT (product, bucket_start) DO UPDATE SET conversations = traffic_counts.conversations + EXCLUDED.conversations
         RETURNING 1
       ) SELECT (SELECT count(*) FROM moved) AS n, (SELECT count(*) FROM folded) AS f`,
      [iso(beforeMs), this.policy.batchRows, grainS],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Catalog versions stored before `beforeMs`, except the latest (the catalog in force). */
  private async deleteCatalogVersions(fence: Fence | undefined, beforeMs: number): Promise<number> {
    const rows = await this.write(fence,
      `WITH gone AS (
         DELETE FROM catalog_versions WHERE version IN (
           SELECT version FROM catalog_versions
            WHERE created_at < $1 AND version < (SELECT max(version) FROM catalog_versions) ORDER BY version LIMIT $2)
         RETURNING 1
       ) SELECT count(*) AS n FROM gone`,
      [iso(beforeMs), this.policy.batchRows],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Delivered or abandoned notifications older than `beforeMs`; pending ones are never touched. */
  private async deleteSentNotifications(fence: Fence | undefined, beforeMs: number): Promise<number> {
    const rows = await this.write(fence,
      `WITH gone AS (
         DELETE FROM alert_outbox WHERE id IN (
           SELECT id FROM alert_outbox WHERE state IN ('delivered', 'dead') AND coalesce(delivered_at, enqueued_at) < $1 LIMIT $2)
         RETURNING 1
       ) SELECT count(*) AS n FROM gone`,
      [iso(beforeMs), this.policy.batchRows],
    );
    return Number(rows[0]?.n ?? 0);
  }
}

/**
 * Where a pass at nowMs folds and deletes counts: buckets before toHours into hours, hours before
 * toDays into days, days before aggregate deleted. On whole hours and days, so a fold never splits one.
 */
export function countBoundaries(nowMs: number, p: Pick<RetentionPolicy, 'bucketDays' | 'hourlyDays' | 'aggregateMonths'>): { toHours: number; toDays: number; aggregate: number } {
  return {
    toHours: floorTo(nowMs - p.bucketDays * DAY_MS, HOUR_S * 1000),
    toDays: floorTo(nowMs - p.hourlyDays * DAY_MS, DAY_MS),
    aggregate: floorTo(nowMs - p.aggregateMonths * MONTH_MS, DAY_MS),
  };
}

function floorTo(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

/**
 * Runs the janitor at most every `intervalMs` of wall-clock time; a failed pass is logged and tried
 * again at the next interval (retention is never worth stopping detection for).
 */
export class JanitorSchedule {
  private lastRunMs = -Infinity;

  constructor(
    private readonly janitor: Janitor,
    private readonly intervalMs: number,
    private readonly logger?: Logger,
  ) {}

  /** `force`: run now whatever the interval (the last pass of a replay). */
  async runIfDue(referenceMs: () => Promise<number | null>, force = false): Promise<JanitorReport | null> {
    const wall = Date.now();
    if (!force && wall - this.lastRunMs < this.intervalMs) return null;
    this.lastRunMs = wall;
    try {
      const now = await referenceMs();
      return now === null ? null : await this.janitor.pass(now);
    } catch (error) {
      if (error instanceof FencedError) this.logger?.warn('retention pass stopped: another instance leads now');
      else this.logger?.warn({ err: (error as Error).message }, 'retention pass failed; the next one retries');
      return null;
    }
  }
}

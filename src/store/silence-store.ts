import type { SilenceMatchers } from '../rules/rules.ts';
import type { SqlExecutor } from './sql.ts';

export interface StoredSilence {
  id: string;
  matchers: SilenceMatchers;
  startsAtMs: number;
  endsAtMs: number;
  author: string;
  comment: string;
  createdAtMs: number;
}

/** Silences made through the API (Alertmanager-like: matchers, start, end, author, comment). */
export class SilenceStore {
  constructor(private readonly db: SqlExecutor) {}

  async create(s: Omit<StoredSilence, 'createdAtMs'>): Promise<StoredSilence> {
    const rows = await this.db.query<Row>(
      `INSERT INTO api_silences (id, matchers, starts_at, ends_at, author, comment) VALUES ($1, $2::jsonb, $3, $4, $5, $6)
       RETURNING id, matchers, starts_at, ends_at, author, comment, created_at`,
      [s.id, JSON.stringify(s.matchers), iso(s.startsAtMs), iso(s.endsAtMs), s.author, s.comment],
    );
    return toSilence(rows[0]!);
  }

  /** Silences that end after `sinceMs`, plus up to `expiredLimit` of the latest to end before it. */
  async list(sinceMs: number, expiredLimit: number): Promise<{ active: StoredSilence[]; expired: StoredSilence[] }> {
    const active = await this.db.query<Row>(`SELECT ${COLUMNS} FROM api_silences WHERE ends_at > $1 ORDER BY starts_at, id`, [iso(sinceMs)]);
    const expired = await this.db.query<Row>(`SELECT ${COLUMNS} FROM api_silences WHERE ends_at <= $1 ORDER BY ends_at DESC, id LIMIT $2`, [iso(sinceMs), expiredLimit]);
    return { active: active.map(toSilence), expired: expired.map(toSilence) };
  }

  async get(id: string): Promise<StoredSilence | null> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM api_silences WHERE id = $1`, [id]);
    return rows[0] ? toSilence(rows[0]) : null;
  }

  /** Ends a silence now (kept, listed as expired). Null when there is no such silence. */
  async expire(id: string, nowMs: number): Promise<StoredSilence | null> {
    const rows = await this.db.query<Row>(
      `UPDATE api_silences SET ends_at = least(ends_at, $2), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, iso(nowMs)],
    );
    return rows[0] ? toSilence(rows[0]) : null;
  }
}

const COLUMNS = 'id, matchers, starts_at, ends_at, author, comment, created_at';

interface Row {
  id: string;
  matchers: unknown;
  starts_at: Date;
  ends_at: Date;
  author: string;
  comment: string;
  created_at: Date;
}

function toSilence(r: Row): StoredSilence {
  return {
    id: r.id,
    matchers: (typeof r.matchers === 'string' ? JSON.parse(r.matchers) : r.matchers) as SilenceMatchers,
    startsAtMs: new Date(r.starts_at).getTime(),
    endsAtMs: new Date(r.ends_at).getTime(),
    author: r.author,
    comment: r.comment,
    createdAtMs: new Date(r.created_at).getTime(),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config/load.ts';
import { TokenStore } from '../../store/token-store.ts';
import type { SqlExecutor } from '../../store/sql.ts';
import type { Principal, Role } from './roles.ts';

/** Tokens start with this so a leaked one is recognisable in a secret scanner. */
const TOKEN_PREFIX = 'clio_';

/** A new random token (256 bits). Shown once to whoever asked for it; only its hash is kept. */
export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The hex SHA-256 of a token: what config and the database hold. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** How long the database's tokens are trusted before being read again (a revoke elsewhere lands within this). */
const CACHE_MS = 2000;

interface Known {
  name: string;
  role: Role;
  hash: Buffer;
}

/**
 * Resolves bearer tokens to principals: the configured hashes plus the database's live tokens.
 * The presented token is hashed and compared with every known hash in constant time, so neither
 * the answer's timing nor an early exit says how close a guess came.
 */
export class TokenVerifier {
  readonly store: TokenStore<Role>;
  readonly #configured: Known[];
  #cached: { atMs: number; tokens: Known[] } | null = null;

  constructor(db: SqlExecutor, configured: Config['api']['tokens']) {
    this.store = new TokenStore<Role>(db);
    this.#configured = configured.map((t) => ({ name: t.name, role: t.role, hash: Buffer.from(t.sha256, 'hex') }));
  }

  async verify(token: string): Promise<Principal | null> {
    const presented = Buffer.from(hashToken(token), 'hex');
    let found: Known | null = null;
    for (const known of [...this.#configured, ...(await this.#stored())]) {
      // No early exit: every candidate is compared.
      if (timingSafeEqual(known.hash, presented) && found === null) found = known;
    }
    return found ? { name: found.name, role: found.role } : null;
  }

  /** Forget the cached database tokens (after a create or revoke in this process). */
  invalidate(): void {
    this.#cached = null;
  }

  async #stored(): Promise<Known[]> {
    const now = Date.now();
    if (this.#cached && now - this.#cached.atMs < CACHE_MS) return this.#cached.tokens;
    const tokens = (await this.store.active()).map((t) => ({ name: t.name, role: t.role, hash: Buffer.from(t.sha256, 'hex') }));
    this.#cached = { atMs: now, tokens };
    return tokens;
  }
}

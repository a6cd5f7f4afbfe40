import type { Config } from '../../config/load.ts';
import { UsageError } from '../../errors.ts';
import { openDatabase } from '../../store/open.ts';
import { TokenStore } from '../../store/token-store.ts';
import { isRole, ROLES } from './roles.ts';
import { hashToken, newToken } from './tokens.ts';

/** Token names: short labels for people or systems, safe to print in the access log. */
export const TOKEN_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

type Out = (line: string) => void;

/** `clio-stream tokens create`: stores the hash of a new token and prints the token (stdout), once. */
export async function createTokenCommand(config: Readonly<Config>, o: { name: string; role: string }, out: Out, note: Out): Promise<void> {
  if (!TOKEN_NAME.test(o.name)) throw new UsageError(`--name must be 1-64 letters, digits, ".", "_", "@" or "-", got "${o.name}"`);
  if (!isRole(o.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${o.role}"`);
  if (config.api.tokens.some((t) => t.name === o.name)) throw new UsageError(`a token named "${o.name}" is configured in api.tokens; pick another name`);
  await withTokens(config, async (tokens) => {
    const token = newToken();
    if (!(await tokens.create(o.name, o.role as (typeof ROLES)[number], hashToken(token)))) {
      throw new UsageError(`a live token is already named "${o.name}"; revoke it first (clio-stream tokens revoke --name ${o.name})`);
    }
    out(token);
    note(`created token "${o.name}" (${o.role}); it is shown only now — only its SHA-256 is stored`);
  });
}

/** `clio-stream tokens list`: names, roles and dates; never a token or hash. */
export async function listTokensCommand(config: Readonly<Config>, out: Out): Promise<void> {
  for (const t of config.api.tokens) out(`${t.name}\t${t.role}\tconfigured`);
  await withTokens(config, async (tokens) => {
    for (const t of await tokens.list()) {
      const state = t.revokedAtMs === null ? 'live' : `revoked ${new Date(t.revokedAtMs).toISOString()}`;
      out(`${t.name}\t${t.role}\tcreated ${new Date(t.createdAtMs).toISOString()}\t${state}`);
    }
  });
}

/** `clio-stream tokens revoke`: the token stops working within seconds on every instance. */
export async function revokeTokenCommand(config: Readonly<Config>, o: { name: string }, note: Out): Promise<void> {
  await withTokens(config, async (tokens) => {
    if (!(await tokens.revoke(o.name))) {
      const configured = config.api.tokens.some((t) => t.name === o.name);
      throw new UsageError(configured ? `"${o.name}" is configured in api.tokens: remove it there` : `no live token is named "${o.name}"`);
    }
    note(`revoked token "${o.name}"`);
  });
}

async function withTokens(config: Readonly<Config>, work: (tokens: TokenStore) => Promise<void>): Promise<void> {
  const db = await openDatabase(config.store);
  try {
    await work(new TokenStore(db));
  } finally {
    await db.close();
  }
}

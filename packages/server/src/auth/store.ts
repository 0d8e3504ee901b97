import { and, desc, eq, gt, isNull, type SQL } from 'drizzle-orm';
import { TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, type ApiTokenInfo, type CreatedToken, type Role } from '@shuzhi/schema';
import { errors } from '../errors.ts';
import type { Db } from '../db/client.ts';
import { apiTokens, sessions, users } from '../db/schema.ts';
import { newId, newSecret } from '../ids.ts';
import { LookupCache } from './lookup-cache.ts';
import { hashPassword, sha256, verifyPassword } from './passwords.ts';
import type { Principal } from './principal.ts';

const SESSION_MS = 12 * 3600_000;
/**
 * How long a looked-up API token or session is believed without asking the database again (one in use
 * is looked up again in the background before then: lookup-cache.ts).
 */
export const TOKEN_CACHE_MS = 10_000;

type UserRow = typeof users.$inferSelect;
const toPrincipal = (u: UserRow, via: Principal['via']): Principal => ({
  userId: u.id,
  username: u.username,
  displayName: u.displayName,
  role: u.role as Role,
  tenantId: u.tenantId,
  department: u.department,
  via,
});

export class AuthStore {
  constructor(private readonly db: Db) {}

  async createUser(u: {
    username: string;
    password: string;
    role: Role;
    displayName?: string;
    tenantId?: string | null;
    department?: string | null;
  }): Promise<string> {
    const id = newId('usr');
    await this.db.insert(users).values({
      id,
      username: u.username,
      displayName: u.displayName ?? u.username,
      passwordHash: await hashPassword(u.password),
      role: u.role,
      tenantId: u.tenantId ?? null,
      department: u.department ?? null,
    });
    return id;
  }

  async login(username: string, password: string): Promise<{ principal: Principal; session: string } | null> {
    const [u] = await this.db.select().from(users).where(eq(users.username, username));
    // Hash anyway when the user is unknown, so response time does not reveal which usernames exist.
    const ok = await verifyPassword(password, u?.passwordHash ?? 'scrypt$16384$8$1$AAAA$AAAA');
    if (!u || !ok) return null;
    const session = newSecret();
    await this.db
      .insert(sessions)
      .values({ tokenHash: sha256(session), userId: u.id, expiresAt: new Date(Date.now() + SESSION_MS) });
    return { principal: toPrincipal(u, 'session'), session };
  }

  async logout(session: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.tokenHash, sha256(session)));
    this.sessionCache.drop((_, key) => key === session);
  }

  /**
   * Sessions seen in the last few seconds, as tokens: a signed-in operator's page polls the farm's
   * overview, and on PGlite a look-up per call waited for the render farm's batch writer. Logging out
   * here ends the session at once; another replica's cache keeps it for at most TOKEN_CACHE_MS.
   */
  private readonly sessionCache = new LookupCache<Principal>(async (session) => {
    const [row] = await this.db
      .select({ u: users, expiresAt: sessions.expiresAt })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, sha256(session)), gt(sessions.expiresAt, new Date())));
    return row ? { value: toPrincipal(row.u, 'session'), expiresAt: row.expiresAt.getTime() } : null;
  }, TOKEN_CACHE_MS);

  bySession(session: string): Promise<Principal | null> {
    return this.sessionCache.get(session);
  }

  /**
   * Tokens seen in the last few seconds: render nodes and agents poll many times a second in all, and
   * a database round trip per poll would cap the farm. Revocation clears the entry here at once;
   * another replica's cache keeps a revoked token for at most TOKEN_CACHE_MS.
   */
  private readonly tokenCache = new LookupCache<{ p: Principal; tokenId: string }>(async (token) => {
    const found = await this.byTokenUncached(token);
    return found && { value: { p: found.p, tokenId: found.tokenId }, expiresAt: found.expiresAt.getTime() };
  }, TOKEN_CACHE_MS);

  async byToken(token: string): Promise<Principal | null> {
    return (await this.tokenCache.get(token))?.p ?? null;
  }

  private async byTokenUncached(token: string): Promise<{ p: Principal; tokenId: string; expiresAt: Date } | null> {
    const now = new Date();
    const [row] = await this.db
      .select({ u: users, id: apiTokens.id, expiresAt: apiTokens.expiresAt })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(and(eq(apiTokens.tokenHash, sha256(token)), isNull(apiTokens.siteId), gt(apiTokens.expiresAt, now)));
    if (!row) return null;
    // Once per cache period, not per call: cheap, and close enough to say which tokens are in use.
    await this.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
    return { p: toPrincipal(row.u, 'token'), tokenId: row.id, expiresAt: row.expiresAt };
  }

  /** Creates a token; `secret` lets the bootstrap token and the demo use a known value. */
  async createToken(userId: string, name: string, secret = newSecret(), expiresInDays = TOKEN_DEFAULT_DAYS): Promise<CreatedToken> {
    if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > TOKEN_MAX_DAYS) {
      throw errors.validation([{ path: 'expiresInDays', message: `between 1 and ${TOKEN_MAX_DAYS} days` }]);
    }
    const id = newId('tok');
    const expiresAt = new Date(Date.now() + expiresInDays * 86_400_000);
    await this.db.insert(apiTokens).values({ id, tokenHash: sha256(secret), userId, name, expiresAt });
    return { id, name, token: secret, expiresAt: expiresAt.toISOString() };
  }

  /** A user's tokens (or, with `userId` null, everyone's), newest first; expired ones are left out. */
  async listTokens(userId: string | null): Promise<ApiTokenInfo[]> {
    const live = and(isNull(apiTokens.siteId), gt(apiTokens.expiresAt, new Date()));
    return this.tokenRows(userId ? and(live, eq(apiTokens.userId, userId)) : live);
  }

  /**
   * Revokes a token: its owner, or an operator for anyone's. Takes effect at once on this server (the
   * cache entry goes with the row). Someone else's token answers 404, as if it did not exist.
   */
  async revokeToken(by: Principal, id: string): Promise<ApiTokenInfo> {
    const [t] = await this.tokenRows(and(eq(apiTokens.id, id), isNull(apiTokens.siteId)));
    if (!t || (t.userId !== by.userId && by.role !== 'operator')) throw errors.notFound('token', id);
    await this.db.delete(apiTokens).where(eq(apiTokens.id, id));
    this.tokenCache.drop((hit) => hit.tokenId === id);
    return t;
  }

  private async tokenRows(where: SQL | undefined): Promise<ApiTokenInfo[]> {
    const rows = await this.db
      .select({ t: apiTokens, username: users.username })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(where)
      .orderBy(desc(apiTokens.createdAt));
    return rows.map(({ t, username }) => ({
      id: t.id,
      name: t.name,
      userId: t.userId,
      username,
      createdAt: t.createdAt.toISOString(),
      expiresAt: t.expiresAt.toISOString(),
      lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    }));
  }

  async userIdByName(username: string): Promise<string | null> {
    const [u] = await this.db.select({ id: users.id }).from(users).where(eq(users.username, username));
    return u?.id ?? null;
  }

  /** The demo's operator, for work the platform submits on its own behalf. */
  async byOperatorName(username = 'operator'): Promise<Principal | null> {
    const [u] = await this.db.select().from(users).where(eq(users.username, username));
    return u && u.role === 'operator' ? toPrincipal(u, 'session') : null;
  }
}

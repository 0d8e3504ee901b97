import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Role } from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import { apiTokens, sessions, users } from '../db/schema.ts';
import { newId, newSecret } from '../ids.ts';
import { hashPassword, sha256, verifyPassword } from './passwords.ts';
import type { Principal } from './principal.ts';

const SESSION_MS = 12 * 3600_000;

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
  }

  async bySession(session: string): Promise<Principal | null> {
    const [row] = await this.db
      .select({ u: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, sha256(session)), gt(sessions.expiresAt, new Date())));
    return row ? toPrincipal(row.u, 'session') : null;
  }

  /**
   * Tokens seen in the last few seconds: render nodes and agents poll many times a second in all, and
   * a database round trip per poll would cap the farm. Nothing revokes tokens yet; when something
   * does, it must clear this map.
   */
  private readonly tokenCache = new Map<string, { p: Principal; until: number }>();

  async byToken(token: string): Promise<Principal | null> {
    const hit = this.tokenCache.get(token);
    if (hit && hit.until > Date.now()) return hit.p;
    const p = await this.byTokenUncached(token);
    if (p) {
      if (this.tokenCache.size > 50_000) this.tokenCache.clear();
      this.tokenCache.set(token, { p, until: Date.now() + 10_000 });
    }
    return p;
  }

  private async byTokenUncached(token: string): Promise<Principal | null> {
    const [row] = await this.db
      .select({ u: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(and(eq(apiTokens.tokenHash, sha256(token)), isNull(apiTokens.siteId)));
    return row ? toPrincipal(row.u, 'token') : null;
  }

  /** Creates a token; `secret` lets the bootstrap token and the demo use a known value. */
  async createToken(userId: string, name: string, secret = newSecret()) {
    const id = newId('tok');
    await this.db.insert(apiTokens).values({ id, tokenHash: sha256(secret), userId, name });
    return { id, name, token: secret };
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

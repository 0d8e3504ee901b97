/** The living demo's synthetic actors: whatever they file is marked as demo data. */
import { eq } from 'drizzle-orm';
import { govDemoUsers } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';

export async function isDemoUser(d: GovDeps, userId: string): Promise<boolean> {
  const [row] = await d.db.select({ userId: govDemoUsers.userId }).from(govDemoUsers).where(eq(govDemoUsers.userId, userId));
  return row !== undefined;
}

export async function markDemoUser(d: GovDeps, userId: string, kind: 'applicant' | 'window' | 'officer'): Promise<void> {
  await d.db.insert(govDemoUsers).values({ userId, kind }).onConflictDoNothing();
}

import { randomBytes } from 'node:crypto'
import { type Db, sql } from '#core/db/database.ts'
import { hashToken } from './sessions.ts'

export type OneTimePurpose = 'setup' | 'password_reset' | 'verify_email'

/**
 * Single-use, expiring tokens (setup link, password reset, email verification):
 * random 256 bits, stored as SHA-256 only, consumed atomically. A token issued
 * at `now` works until `now + ttlMs`.
 */
export async function issueOneTimeToken(db: Db, purpose: OneTimePurpose, userId: number | null, ttlMs: number, now: Date): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await sql`insert into one_time_tokens (purpose, user_id, token_hash, expires_at)
    values (${purpose}, ${userId}, ${hashToken(token)}, ${new Date(now.getTime() + ttlMs)})`.execute(db)
  return token
}

/** Marks the token used and returns its user id (null for setup), or undefined when unknown, used, expired at `now` or for another purpose. */
export async function consumeOneTimeToken(
  db: Db,
  purpose: OneTimePurpose,
  token: string,
  now: Date,
): Promise<{ userId: number | null } | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
  const { rows } = await sql<{ user_id: number | null }>`
    update one_time_tokens set used_at = now()
    where token_hash = ${hashToken(token)} and purpose = ${purpose} and used_at is null and expires_at > ${now}
    returning user_id`.execute(db)
  const row = rows[0]
  return row ? { userId: row.user_id === null ? null : Number(row.user_id) } : undefined
}

/** Forgets unused tokens of a purpose (and user), e.g. when a newer one replaces them. */
export const discardOneTimeTokens = (db: Db, purpose: OneTimePurpose, userId: number | null) =>
  sql`delete from one_time_tokens where purpose = ${purpose} and used_at is null
    and (user_id = ${userId} or (${userId}::bigint is null and user_id is null))`.execute(db)

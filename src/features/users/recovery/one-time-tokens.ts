import { randomBytes } from 'node:crypto'
import type { Db } from '#core/db/database.ts'
import { hashToken } from '../login/sessions.ts'
import { deleteUnusedOneTimeTokens, insertOneTimeToken, markOneTimeTokenUsed } from './one-time-tokens.queries.ts'

export type OneTimePurpose = 'setup' | 'password_reset' | 'verify_email'

/**
 * Single-use, expiring tokens (setup link, password reset, email verification):
 * random 256 bits, stored as SHA-256 only, consumed atomically. A token issued
 * at `now` works until `now + ttlMs`.
 */
export async function issueOneTimeToken(db: Db, purpose: OneTimePurpose, userId: number | null, ttlMs: number, now: Date): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await insertOneTimeToken(db, { purpose, userId, tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + ttlMs) })
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
  const row = await markOneTimeTokenUsed(db, purpose, hashToken(token), now)
  return row ? { userId: row.user_id === null ? null : Number(row.user_id) } : undefined
}

/** Forgets unused tokens of a purpose (and user), e.g. when a newer one replaces them. */
export const discardOneTimeTokens = (db: Db, purpose: OneTimePurpose, userId: number | null) =>
  deleteUnusedOneTimeTokens(db, purpose, userId)

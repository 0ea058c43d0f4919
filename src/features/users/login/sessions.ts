import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Db } from '#core/db/database.ts'
import { type SafeUser, userFromJson } from '../users.queries.ts'
import { deleteSession, findSessionWithUser, insertSession, type SessionRow, touchSession } from './sessions.queries.ts'

/**
 * Sessions (STYLE §7, after Lucia and the Copenhagen Book): a random 256-bit
 * token in an HttpOnly cookie, stored only as its SHA-256; a fresh session at
 * every login (no fixation); idle and absolute lifetimes; revocable.
 */
export const SESSION_COOKIE = 'plinth_session'
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600 * 1000
export const SESSION_IDLE_MS = 7 * 24 * 3600 * 1000
// last_seen_at is written at most this often, so that reads stay reads.
const TOUCH_EVERY_MS = 3600 * 1000

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')
const randomToken = () => randomBytes(32).toString('base64url')

export type NewSession = { token: string; csrfToken: string; expiresAt: Date }
export type SessionUser = SafeUser
export type ValidSession = { tokenHash: string; csrfToken: string; user: SessionUser }

/** Opens a session at `now`: it ends SESSION_ABSOLUTE_MS later, or after SESSION_IDLE_MS without use. */
export async function createSession(
  db: Db,
  userId: number,
  meta: { ip: string; userAgent: string | undefined },
  now: Date,
): Promise<NewSession> {
  const token = randomToken()
  const csrfToken = randomToken()
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS)
  await insertSession(db, { tokenHash: hashToken(token), userId, csrfToken, ip: meta.ip, userAgent: meta.userAgent, now, expiresAt })
  return { token, csrfToken, expiresAt }
}

/** The session for a cookie token at `now`, or null when unknown, expired (it is then deleted) or its user is disabled. */
export async function validateSession(db: Db, token: string, now: Date): Promise<ValidSession | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null
  const tokenHash = hashToken(token)
  const row = await findSessionWithUser(db, tokenHash)
  if (!row) return null
  if (isExpired(row, now.getTime())) {
    await deleteSession(db, tokenHash)
    return null
  }
  if (row.user.disabled_at) return null
  if (now.getTime() - new Date(row.last_seen_at).getTime() > TOUCH_EVERY_MS) await touchSession(db, tokenHash, now)
  return { tokenHash, csrfToken: row.csrf_token, user: userFromJson(row.user) }
}

const isExpired = (row: SessionRow, now: number) =>
  new Date(row.expires_at).getTime() <= now || new Date(row.last_seen_at).getTime() + SESSION_IDLE_MS <= now

/** Constant-time comparison of two tokens. */
export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export const revokeSession = (db: Db, tokenHash: string) => deleteSession(db, tokenHash)

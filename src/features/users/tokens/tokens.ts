import { randomBytes } from 'node:crypto'
import type { Db } from '#core/db/database.ts'
import { hashToken } from '../login/sessions.ts'
import { type SafeUser, userFromJson } from '../users.queries.ts'
import type { ApiScope } from '../users.schemas.ts'
import { findActiveApiTokenWithUser, touchApiToken } from './tokens.queries.ts'

export const API_TOKEN_PREFIX = 'plinth_'
const TOUCH_EVERY_MS = 3600 * 1000

/** A new token: shown once to its owner, stored only as a hash. */
export function generateApiToken() {
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url')
  return { token, tokenHash: hashToken(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6) }
}

/** What a scope allows: admin ⊃ write ⊃ read. */
export const scopeAllows = (scopes: readonly ApiScope[], needed: ApiScope) =>
  scopes.includes('admin') || scopes.includes(needed) || (needed === 'read' && scopes.includes('write'))

/** The token's owner and scopes at `now`, or null for an unknown, revoked or expired token or a disabled user. */
export async function validateApiToken(
  db: Db,
  token: string,
  now: Date,
): Promise<{ tokenId: number; scopes: ApiScope[]; user: SafeUser } | null> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length !== API_TOKEN_PREFIX.length + 43) return null
  const row = await findActiveApiTokenWithUser(db, hashToken(token), now)
  if (!row || row.user.disabled_at) return null
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > TOUCH_EVERY_MS) await touchApiToken(db, row.id, now)
  return { tokenId: Number(row.id), scopes: row.scopes, user: userFromJson(row.user) }
}

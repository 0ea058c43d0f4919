import type { AuditRow } from './audit.queries.ts'
import type { ApiTokenRow } from './tokens/tokens.queries.ts'
import type { UserRow } from './users.queries.ts'

/** The one place a user row becomes API output (STYLE §8): never the hash, never internal columns. */
export const presentUser = (user: Omit<UserRow, 'password_hash'>) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  email_verified: user.email_verified_at !== null,
  disabled: user.disabled_at !== null,
  created_at: user.created_at.toISOString(),
})

const iso = (date: Date | null) => (date === null ? null : date.toISOString())

export const presentApiToken = (token: ApiTokenRow) => ({
  id: token.id,
  name: token.name,
  prefix: token.prefix,
  scopes: token.scopes,
  expires_at: iso(token.expires_at),
  last_used_at: iso(token.last_used_at),
  revoked: token.revoked_at !== null,
  created_at: token.created_at.toISOString(),
})

export const presentAuditEntry = (entry: AuditRow) => ({
  id: entry.id,
  event: entry.event,
  user_id: entry.user_id,
  actor_id: entry.actor_id,
  ip: entry.ip,
  user_agent: entry.user_agent,
  details: entry.details,
  created_at: entry.created_at.toISOString(),
})

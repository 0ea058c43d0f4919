import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'

export const AUDIT_EVENTS = [
  'signup',
  'login_ok',
  'login_failed',
  'login_throttled',
  'logout',
  'password_changed',
  'email_changed',
  'profile_changed',
  'role_changed',
  'user_disabled',
  'user_enabled',
  'token_created',
  'token_revoked',
  'admin_created',
  'password_reset_requested',
  'password_reset',
  'email_verified',
  'totp_enabled',
  'totp_disabled',
] as const
export type AuditEvent = (typeof AUDIT_EVENTS)[number]

export type RequestMeta = { ip: string; userAgent: string | undefined }

/** Appends a security event. Call inside the transaction of the change it records. */
export const recordAudit = (
  db: Db,
  entry: { event: AuditEvent; userId: number | null; actorId: number | null; meta: RequestMeta; details?: Record<string, unknown> },
) =>
  sql`insert into audit_log (event, user_id, actor_id, ip, user_agent, details)
    values (${entry.event}, ${entry.userId}, ${entry.actorId}, ${entry.meta.ip}, ${entry.meta.userAgent?.slice(0, 512) ?? null},
      ${JSON.stringify(entry.details ?? {})}::text::jsonb)`.execute(db)

export type AuditRow = {
  id: number
  event: string
  user_id: number | null
  actor_id: number | null
  ip: string | null
  user_agent: string | null
  details: Record<string, unknown>
  created_at: Date
}

/** The audit list's order: newest first, by id (the primary key). */
export const AUDIT_SORT = { name: 'newest', direction: 'desc', key: null } as const satisfies Sort

/** Security events newest first, optionally for one user or one event; only the filters given are in the statement (decision 0012). */
export function listAudit(db: Db, options: { limit: number; after?: Cursor; userId?: number; event?: string }) {
  const order = keyset(AUDIT_SORT, { id: sql`id` }, options.after)
  const where = [order.after]
  if (options.userId !== undefined) where.push(sql`user_id = ${options.userId}`)
  if (options.event !== undefined) where.push(sql`event = ${options.event}`)
  return sql<AuditRow>`select id, event, user_id, actor_id, ip, user_agent, details, created_at from audit_log
    where ${sql.join(where, sql` and `)}
    order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

import { type Db, sql } from '#core/db/database.ts'

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

/** Security events newest first, optionally for one user or one event (keyset by id). */
export const listAudit = (db: Db, options: { limit: number; beforeId?: number; userId?: number; event?: string }) =>
  sql<AuditRow>`select id, event, user_id, actor_id, ip, user_agent, details, created_at from audit_log
    where (${options.beforeId ?? null}::bigint is null or id < ${options.beforeId ?? null}::bigint)
      and (${options.userId ?? null}::bigint is null or user_id = ${options.userId ?? null}::bigint)
      and (${options.event ?? null}::text is null or event = ${options.event ?? null}::text)
    order by id desc limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)

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

import type { FastifyRequest } from 'fastify'
import type { Db } from '#core/db/database.ts'
import { insertAuditEntry } from './audit.queries.ts'

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
  'credentials_revoked',
  'signup_existing_address',
  'admin_created',
  'password_reset_requested',
  'password_reset',
  'email_verified',
  'totp_enabled',
  'totp_disabled',
  'settings_changed',
  'invitation_created',
  'invitation_revoked',
  'invitation_accepted',
  'session_revoked',
  'recovery_codes_regenerated',
  'webhook_created',
  'webhook_changed',
  'webhook_deleted',
  'webhook_secret_rotated',
] as const
export type AuditEvent = (typeof AUDIT_EVENTS)[number]

export type RequestMeta = { ip: string; userAgent: string | undefined }

/** Who asked, for the audit log: the client's address (TRUST_PROXY decides it) and its user agent. */
export const requestMeta = (request: FastifyRequest): RequestMeta => ({ ip: request.ip, userAgent: request.headers['user-agent'] })

/** Appends a security event. Call inside the transaction of the change it records. */
export const recordAudit = (
  db: Db,
  entry: { event: AuditEvent; userId: number | null; actorId: number | null; meta: RequestMeta; details?: Record<string, unknown> },
) =>
  insertAuditEntry(db, {
    event: entry.event,
    userId: entry.userId,
    actorId: entry.actorId,
    ip: entry.meta.ip,
    userAgent: entry.meta.userAgent?.slice(0, 512) ?? null,
    detailsJson: JSON.stringify(entry.details ?? {}),
  })

import type { Db } from '#core/db/database.ts'
import { type RequestMeta, recordAudit } from './audit.ts'
import { deleteUserSessions } from './login/sessions.queries.ts'
import { revokeAllUserApiTokens } from './tokens/tokens.queries.ts'

/** The events that end a user's credentials (issue 9, item 1). */
export type RevocationReason = 'password_reset' | 'password_changed' | 'email_changed' | 'role_changed' | 'user_disabled'

/**
 * Ends every session and API token of the user, and records one
 * `credentials_revoked` audit event with the reason and how many ended. Call it
 * inside the transaction of the change that requires it (a password reset or
 * change, an email change, a role change, disabling the account), so the change
 * and the revocation commit together. A token stops working on its next request
 * (the Bearer check reads `revoked_at`); a session cookie likewise.
 *
 * A user who changes their own password or address from a session gets a new
 * session afterwards (the caller creates it): the old cookie dies with the others.
 */
export async function revokeCredentials(
  trx: Db,
  userId: number,
  reason: RevocationReason,
  context: { actorId: number | null; meta: RequestMeta; now: Date },
): Promise<{ sessions: number; tokens: number }> {
  const sessions = await deleteUserSessions(trx, userId)
  const tokens = await revokeAllUserApiTokens(trx, userId, context.now)
  await recordAudit(trx, {
    event: 'credentials_revoked',
    userId,
    actorId: context.actorId,
    meta: context.meta,
    details: { reason, sessions, tokens },
  })
  return { sessions, tokens }
}

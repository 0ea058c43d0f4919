import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { invalid } from '#core/http/errors.ts'
import { queueMail } from '#core/mail/mailer.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { hashPassword, refuseCommonPassword } from '../login/passwords.ts'
import { deleteUserSessions } from '../login/sessions.queries.ts'
import { findUserByEmail, markEmailVerified, updatePasswordHash } from '../users.queries.ts'
import { consumeOneTimeToken, discardOneTimeTokens, issueOneTimeToken } from './one-time-tokens.ts'
import { type LinkMailTemplate, passwordResetMail, verifyEmailMail } from './users.mail.ts'

export const RESET_TTL_MS = 3600 * 1000
export const VERIFY_TTL_MS = 48 * 3600 * 1000

type LinkMail = {
  purpose: 'verify_email' | 'password_reset'
  ttlMs: number
  path: string
  subject: string
  template: LinkMailTemplate
}

/** Issues a one-time token at `now` (replacing older ones of its purpose) and queues a mail with its link, in the caller's transaction. */
async function mailOneTimeLink(trx: Db, user: { id: number; email: string; name: string }, publicUrl: string, mail: LinkMail, now: Date) {
  await discardOneTimeTokens(trx, mail.purpose, user.id)
  const token = await issueOneTimeToken(trx, mail.purpose, user.id, mail.ttlMs, now)
  await queueMail(trx, mail.template, {
    to: user.email,
    subject: mail.subject,
    data: { name: user.name, url: `${publicUrl}${mail.path}?token=${token}` },
  })
}

/**
 * Mails a verification link for the user's address, valid 48 h from `now`. Call
 * inside the transaction that created or changed the address: the mail goes
 * only if it commits.
 */
export const sendVerificationMail = (trx: Db, user: { id: number; email: string; name: string }, publicUrl: string, now: Date) =>
  mailOneTimeLink(
    trx,
    user,
    publicUrl,
    {
      purpose: 'verify_email',
      ttlMs: VERIFY_TTL_MS,
      path: '/verify-email',
      subject: 'Confirm your email address',
      template: verifyEmailMail,
    },
    now,
  )

/**
 * Mails a single-use reset link (1 h) when the address belongs to an active
 * account. The caller answers 202 either way, so nobody learns which addresses
 * have accounts.
 */
export async function requestPasswordReset(db: Db, email: string, publicUrl: string, meta: RequestMeta, now: Date) {
  const user = await findUserByEmail(db, email)
  if (!user || user.disabled_at) return
  await db.transaction().execute(async (trx) => {
    await mailOneTimeLink(
      trx,
      user,
      publicUrl,
      {
        purpose: 'password_reset',
        ttlMs: RESET_TTL_MS,
        path: '/reset-password',
        subject: 'Reset your password',
        template: passwordResetMail,
      },
      now,
    )
    await recordAudit(trx, { event: 'password_reset_requested', userId: user.id, actorId: null, meta })
  })
}

/** Sets a new password with a reset token (unexpired at `now`), and ends every session of the account. */
export async function confirmPasswordReset(db: Db, input: { token: string; password: string }, meta: RequestMeta, now: Date) {
  await refuseCommonPassword(input.password)
  const passwordHash = await hashPassword(input.password)
  await db.transaction().execute(async (trx) => {
    const consumed = await consumeOneTimeToken(trx, 'password_reset', input.token, now)
    if (!consumed?.userId) throw invalid([{ field: 'token', in: 'body', message: 'is invalid, used or expired' }])
    await updatePasswordHash(trx, consumed.userId, passwordHash)
    await deleteUserSessions(trx, consumed.userId)
    await recordAudit(trx, { event: 'password_reset', userId: consumed.userId, actorId: consumed.userId, meta })
  })
}

export async function verifyEmail(db: Db, token: string, meta: RequestMeta, now: Date) {
  await db.transaction().execute(async (trx) => {
    const consumed = await consumeOneTimeToken(trx, 'verify_email', token, now)
    if (!consumed?.userId) throw invalid([{ field: 'token', in: 'body', message: 'is invalid, used or expired' }])
    await markEmailVerified(trx, consumed.userId)
    await recordAudit(trx, { event: 'email_verified', userId: consumed.userId, actorId: consumed.userId, meta })
    await recordChanges(trx, [tags.user(consumed.userId)])
  })
}

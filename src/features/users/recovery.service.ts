import type { Db } from '#core/db/database.ts'
import { invalid } from '#core/http/errors.ts'
import { queueMail } from '#core/mail/mailer.ts'
import { type RequestMeta, recordAudit } from './audit.ts'
import { consumeOneTimeToken, discardOneTimeTokens, issueOneTimeToken } from './one-time-tokens.ts'
import { hashPassword, isCommonPassword } from './passwords.ts'
import { deleteUserSessions } from './sessions.queries.ts'
import { findUserByEmail, markEmailVerified, updatePasswordHash } from './users.queries.ts'

export const RESET_TTL_MS = 3600 * 1000
export const VERIFY_TTL_MS = 48 * 3600 * 1000

/**
 * Mails a verification link for the user's address. Call inside the transaction
 * that created or changed the address: the mail goes only if it commits.
 */
export async function sendVerificationMail(trx: Db, user: { id: number; email: string; name: string }, publicUrl: string) {
  await discardOneTimeTokens(trx, 'verify_email', user.id)
  const token = await issueOneTimeToken(trx, 'verify_email', user.id, VERIFY_TTL_MS)
  await queueMail(trx, {
    to: user.email,
    subject: 'Confirm your email address',
    template: 'notice',
    data: {
      heading: `Hello ${user.name}`,
      paragraphs: ['Please confirm that this is your email address.'],
      action: { label: 'Confirm my address', url: `${publicUrl}/verify-email?token=${token}` },
      footnote: 'The link works once, for 48 hours. If you did not create an account, ignore this mail.',
    },
  })
}

/**
 * Mails a single-use reset link (1 h) when the address belongs to an active
 * account. The caller answers 202 either way, so nobody learns which addresses
 * have accounts.
 */
export async function requestPasswordReset(db: Db, email: string, publicUrl: string, meta: RequestMeta) {
  const user = await findUserByEmail(db, email)
  if (!user || user.disabled_at) return
  await db.transaction().execute(async (trx) => {
    await discardOneTimeTokens(trx, 'password_reset', user.id)
    const token = await issueOneTimeToken(trx, 'password_reset', user.id, RESET_TTL_MS)
    await queueMail(trx, {
      to: user.email,
      subject: 'Reset your password',
      template: 'notice',
      data: {
        heading: `Hello ${user.name}`,
        paragraphs: ['Someone (we hope you) asked to reset the password of your account.'],
        action: { label: 'Choose a new password', url: `${publicUrl}/reset-password?token=${token}` },
        footnote: 'The link works once, for one hour. If you did not ask for it, ignore this mail: your password stays as it is.',
      },
    })
    await recordAudit(trx, { event: 'password_reset_requested', userId: user.id, actorId: null, meta })
  })
}

/** Sets a new password with a reset token, and ends every session of the account. */
export async function confirmPasswordReset(db: Db, input: { token: string; password: string }, meta: RequestMeta) {
  if (isCommonPassword(input.password)) throw invalid([{ field: 'password', in: 'body', message: 'is too common' }])
  const passwordHash = await hashPassword(input.password)
  await db.transaction().execute(async (trx) => {
    const consumed = await consumeOneTimeToken(trx, 'password_reset', input.token)
    if (!consumed?.userId) throw invalid([{ field: 'token', in: 'body', message: 'is invalid, used or expired' }])
    await updatePasswordHash(trx, consumed.userId, passwordHash)
    await deleteUserSessions(trx, consumed.userId)
    await recordAudit(trx, { event: 'password_reset', userId: consumed.userId, actorId: consumed.userId, meta })
  })
}

export async function verifyEmail(db: Db, token: string, meta: RequestMeta) {
  await db.transaction().execute(async (trx) => {
    const consumed = await consumeOneTimeToken(trx, 'verify_email', token)
    if (!consumed?.userId) throw invalid([{ field: 'token', in: 'body', message: 'is invalid, used or expired' }])
    await markEmailVerified(trx, consumed.userId)
    await recordAudit(trx, { event: 'email_verified', userId: consumed.userId, actorId: consumed.userId, meta })
  })
}

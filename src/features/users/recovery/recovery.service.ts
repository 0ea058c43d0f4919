import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { invalid } from '#core/http/errors.ts'
import { queueMail } from '#core/mail/mailer.ts'
import { checkLimit, type LimitRule, takeLimit } from '#core/security/limiter.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { revokeCredentials } from '../credentials.ts'
import { hashPassword, refuseCommonPassword } from '../login/passwords.ts'
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

type MailedUser = { id: number; email: string; name: string; email_verified_at: Date | null }

/** Issues a one-time token at `now` (replacing older ones of its purpose) and queues a mail with its link, in the caller's transaction. */
async function mailOneTimeLink(trx: Db, user: MailedUser, publicUrl: string, mail: LinkMail, now: Date) {
  await discardOneTimeTokens(trx, mail.purpose, user.id)
  const token = await issueOneTimeToken(trx, mail.purpose, user.id, mail.ttlMs, now)
  // The display name only to a verified address: whoever signed up typed it (issue 9, item 4).
  const name = user.email_verified_at && mail.purpose !== 'verify_email' ? { name: user.name } : {}
  await queueMail(trx, mail.template, {
    to: user.email,
    subject: mail.subject,
    data: { ...name, url: `${publicUrl}${mail.path}?token=${token}` },
  })
}

/**
 * Mails a verification link for the user's address, valid 48 h from `now`. Call
 * inside the transaction that created or changed the address: the mail goes
 * only if it commits.
 */
export const sendVerificationMail = (trx: Db, user: MailedUser, publicUrl: string, now: Date) =>
  mailOneTimeLink(
    trx,
    user,
    publicUrl,
    {
      purpose: 'verify_email',
      ttlMs: VERIFY_TTL_MS,
      path: '/admin/verify-email',
      subject: 'Confirm your email address',
      template: verifyEmailMail,
    },
    now,
  )

/**
 * Limits on mail an anonymous caller can make the site send (reset links,
 * sign-up notices; decision 0015), counted by the core limiter: per address
 * asked for (as the lookup compares it), per caller's IP, and a cooldown per
 * account. A caller over a limit gets the same answer as everyone else; the
 * mail just is not sent.
 */
export const ANONYMOUS_MAIL_LIMITS = {
  address: { limit: 5, windowMs: 3600 * 1000, lockMs: 3600 * 1000 },
  ip: { limit: 20, windowMs: 3600 * 1000, lockMs: 3600 * 1000 },
  account: { limit: 1, windowMs: 5 * 60 * 1000, lockMs: 5 * 60 * 1000 },
} as const satisfies Record<string, LimitRule>

/**
 * Whether a mail an anonymous caller asked for may go now, counting the
 * request (also for an address without an account, so both cost the same).
 * Call before queueing; on false, answer as if it went.
 */
export async function mayMailAnonymously(db: Db, request: { email: string; ip: string; userId: number | undefined }, now: Date) {
  const hits = [
    { key: `mail:address:${request.email.trim().toLowerCase()}`, ...ANONYMOUS_MAIL_LIMITS.address },
    { key: `mail:ip:${request.ip}`, ...ANONYMOUS_MAIL_LIMITS.ip },
    ...(request.userId === undefined ? [] : [{ key: `mail:account:${request.userId}`, ...ANONYMOUS_MAIL_LIMITS.account }]),
  ]
  // A locked key refuses without counting; otherwise every key counts this request, and each decides
  // in its counting statement (takeLimit), so simultaneous requests cannot share the last allowed mail.
  if (
    (await checkLimit(
      db,
      hits.map((hit) => hit.key),
      now,
    )) > 0
  )
    return false
  let allowed = true
  for (const hit of hits) if ((await takeLimit(db, hit, now)) > 0) allowed = false
  return allowed
}

/**
 * Mails a single-use reset link (1 h) when the address belongs to an active
 * account and the anonymous-mail limits allow it. The caller answers 202
 * either way, so nobody learns which addresses have accounts.
 */
export async function requestPasswordReset(db: Db, email: string, publicUrl: string, meta: RequestMeta, now: Date) {
  const user = await findUserByEmail(db, email)
  if (!(await mayMailAnonymously(db, { email, ip: meta.ip, userId: user?.id }, now))) return
  if (!user || user.disabled_at) return
  await db.transaction().execute(async (trx) => {
    await mailOneTimeLink(
      trx,
      user,
      publicUrl,
      {
        purpose: 'password_reset',
        ttlMs: RESET_TTL_MS,
        path: '/admin/password-reset/confirm',
        subject: 'Reset your password',
        template: passwordResetMail,
      },
      now,
    )
    await recordAudit(trx, { event: 'password_reset_requested', userId: user.id, actorId: null, meta })
  })
}

/** Sets a new password with a reset token (unexpired at `now`), and ends every session and API token of the account. */
export async function confirmPasswordReset(db: Db, input: { token: string; password: string }, meta: RequestMeta, now: Date) {
  await refuseCommonPassword(input.password)
  const passwordHash = await hashPassword(input.password)
  await db.transaction().execute(async (trx) => {
    const consumed = await consumeOneTimeToken(trx, 'password_reset', input.token, now)
    if (!consumed?.userId) throw invalid([{ field: 'token', in: 'body', message: 'is invalid, used or expired' }])
    await updatePasswordHash(trx, consumed.userId, passwordHash)
    await recordAudit(trx, { event: 'password_reset', userId: consumed.userId, actorId: consumed.userId, meta })
    await revokeCredentials(trx, consumed.userId, 'password_reset', { actorId: consumed.userId, meta, now })
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

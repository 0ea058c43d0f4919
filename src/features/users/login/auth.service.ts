import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflictOnUnique, forbidden, HttpError, invalid, unauthorized } from '#core/http/errors.ts'
import { queueMail } from '#core/mail/mailer.ts'
import type { SecretBox } from '#core/security/secret-box.ts'
import { isEmailVerificationRequired, isSignupEnabled } from '../../settings/settings.service.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { revokeCredentials } from '../credentials.ts'
import { mayMailAnonymously, sendVerificationMail } from '../recovery/recovery.service.ts'
import { signupExistingMail } from '../recovery/users.mail.ts'
import { checkSecondFactor, isTotpEnabled, totpInvalid, totpRequired } from '../two-factor/two-factor.ts'
import { findUserByEmail, findUserById, insertUser, type UserRow, updatePasswordHash, updateUserProfile } from '../users.queries.ts'
import { assertDisplayName } from '../users.schemas.ts'
import { hashPassword, needsRehash, refuseCommonPassword, verifyDummyPassword, verifyPassword } from './passwords.ts'
import { createSession, type NewSession, revokeSession, type SessionUser } from './sessions.ts'
import { checkSecret, clearSecretFailures } from './throttle.ts'

const INVALID_LOGIN = 'Wrong email or password.'

/**
 * Signs a visitor up (issue 9, item 4: no account enumeration). The answer is
 * the same whether or not the address already has an account: a new address
 * gets an account and a verification mail; a known one gets no new account,
 * and its owner gets a mail saying someone tried (the visitor's password is
 * hashed either way, so both take the same work). Nothing the visitor typed
 * goes into either mail. Sign-up never signs in: the visitor signs in after,
 * as anyone does. Over the anonymous-mail limits (mayMailAnonymously) nothing
 * is made or mailed, and the answer is still the same.
 */
export async function signUp(
  db: Db,
  input: { email: string; password: string; name: string },
  meta: RequestMeta,
  publicUrl: string,
  now: Date,
): Promise<void> {
  if (!(await isSignupEnabled(db))) throw forbidden('Sign-up is turned off on this site.', 'signup_disabled')
  assertDisplayName(input.name.trim())
  await refuseCommonPassword(input.password)
  const passwordHash = await hashPassword(input.password)
  const attempt = () =>
    db.transaction().execute(async (trx) => {
      const existing = await findUserByEmail(trx, input.email.trim())
      // Over the anonymous-mail limits (per address, per IP, a cooldown per account): nothing is made
      // or mailed, and the answer is the same; the visitor may try again later.
      if (!(await mayMailAnonymously(trx, { email: input.email, ip: meta.ip, userId: existing?.id }, now))) return
      if (existing) {
        await queueMail(trx, signupExistingMail, {
          to: existing.email,
          subject: 'Someone tried to sign up with your address',
          data: { url: `${publicUrl}/` },
        })
        await recordAudit(trx, { event: 'signup_existing_address', userId: existing.id, actorId: null, meta })
        return
      }
      const user = await insertUser(trx, { email: input.email.trim(), name: input.name.trim(), passwordHash, role: 'member' })
      await recordAudit(trx, { event: 'signup', userId: user.id, actorId: user.id, meta })
      await sendVerificationMail(trx, user, publicUrl, now)
      await recordChanges(trx, [tags.user(user.id), tags.list('users')])
    })
  try {
    await attempt()
  } catch (error) {
    // Two sign-ups with one address at once: the loser finds the winner's account on a second try.
    if ((error as { code?: string }).code !== '23505') throw error
    await attempt()
  }
}

/**
 * Checks the credentials and opens a new session. Unknown email and wrong
 * password give the same 401 after the same work (a dummy hash check).
 * Limited per account, per address and per both (throttle.ts, decision 0015):
 * 429 with Retry-After. `now`
 * is the time of the attempt: the limits' windows, the TOTP step and the
 * session's expiry are counted from it.
 */
export async function logIn(
  db: Db,
  input: { email: string; password: string; totp_code?: string },
  meta: RequestMeta,
  now: Date,
  secrets: SecretBox,
): Promise<{ user: UserRow; session: NewSession }> {
  const user = await findUserByEmail(db, input.email)
  const subject = user ? { userId: user.id, ip: meta.ip } : { email: input.email, ip: meta.ip }
  let ok: boolean
  try {
    ok = await checkSecret(db, subject, now, () =>
      user ? verifyPassword(user.password_hash, input.password) : verifyDummyPassword(input.password),
    )
  } catch (error) {
    if (error instanceof HttpError && error.status === 429) {
      await recordAudit(db, {
        event: 'login_throttled',
        userId: user?.id ?? null,
        actorId: null,
        meta,
        details: { email: input.email.slice(0, 254) },
      })
    }
    throw error
  }
  if (!user || !ok) {
    await recordAudit(db, {
      event: 'login_failed',
      userId: user?.id ?? null,
      actorId: null,
      meta,
      details: { email: input.email.slice(0, 254) },
    })
    throw unauthorized(INVALID_LOGIN, 'invalid_credentials')
  }
  if (user.disabled_at) throw new HttpError(403, 'account_disabled', 'This account is disabled.')
  if (!user.email_verified_at && (await isEmailVerificationRequired(db))) {
    throw new HttpError(403, 'email_not_verified', 'Confirm your email address first: use the link we mailed you.')
  }
  if (await isTotpEnabled(db, user.id)) {
    if (input.totp_code === undefined) throw totpRequired()
    const accepted = await checkSecret(db, { userId: user.id, ip: meta.ip }, now, () =>
      db.transaction().execute((trx) => checkSecondFactor(trx, secrets, user.id, input.totp_code as string, now)),
    )
    if (!accepted) {
      await recordAudit(db, { event: 'login_failed', userId: user.id, actorId: null, meta, details: { reason: 'totp' } })
      throw totpInvalid()
    }
  }
  if (needsRehash(user.password_hash)) await updatePasswordHash(db, user.id, await hashPassword(input.password))
  await clearSecretFailures(db, { userId: user.id, ip: meta.ip })
  const session = await db.transaction().execute(async (trx) => {
    const created = await createSession(trx, user.id, meta, now)
    await recordAudit(trx, { event: 'login_ok', userId: user.id, actorId: user.id, meta })
    return created
  })
  return { user, session }
}

export async function logOut(db: Db, actor: { user: SessionUser; sessionTokenHash: string }, meta: RequestMeta) {
  await db.transaction().execute(async (trx) => {
    await revokeSession(trx, actor.sessionTokenHash)
    await recordAudit(trx, { event: 'logout', userId: actor.user.id, actorId: actor.user.id, meta })
  })
}

/**
 * Changes the caller's own name, email and/or password. Email and password
 * need the current password. A new address is unverified until its mailed link
 * is used. A new password or address ends every session and API token of the
 * account (revokeCredentials), the caller's session included: the caller gets
 * a new session in its place (`session`, for the cookie), with a new CSRF token.
 */
export async function updateOwnAccount(
  db: Db,
  actor: { user: SessionUser; sessionTokenHash: string },
  changes: { name?: string; email?: string; password?: string; current_password?: string },
  meta: RequestMeta,
  publicUrl: string,
  now: Date,
): Promise<{ user: UserRow; session?: NewSession }> {
  if (changes.name !== undefined) assertDisplayName(changes.name.trim())
  const user = await findUserById(db, actor.user.id)
  if (!user) throw unauthorized()
  const emailChanged = changes.email !== undefined && changes.email.trim().toLowerCase() !== user.email.toLowerCase()
  if (emailChanged || changes.password !== undefined) {
    if (changes.current_password === undefined) {
      throw invalid([{ field: 'current_password', in: 'body', message: 'is required to change the email or password' }])
    }
    const current = changes.current_password
    if (!(await checkSecret(db, { userId: user.id, ip: meta.ip }, now, () => verifyPassword(user.password_hash, current)))) {
      throw invalid([{ field: 'current_password', in: 'body', message: 'is wrong' }])
    }
  }
  if (changes.password !== undefined) await refuseCommonPassword(changes.password)
  const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password)
  return conflictOnUnique('email', 'An account with this email already exists.', () =>
    db.transaction().execute(async (trx) => {
      const updated = await updateUserProfile(trx, user.id, {
        name: changes.name?.trim() ?? user.name,
        email: emailChanged ? (changes.email as string).trim() : user.email,
        emailVerified: !emailChanged,
      })
      if (emailChanged) {
        await recordAudit(trx, {
          event: 'email_changed',
          userId: user.id,
          actorId: user.id,
          meta,
          details: { from: user.email, to: updated.email },
        })
        await sendVerificationMail(trx, updated, publicUrl, now)
      }
      if (passwordHash) {
        await updatePasswordHash(trx, user.id, passwordHash)
        await recordAudit(trx, { event: 'password_changed', userId: user.id, actorId: user.id, meta })
      }
      let session: NewSession | undefined
      if (passwordHash || emailChanged) {
        await revokeCredentials(trx, user.id, passwordHash ? 'password_changed' : 'email_changed', { actorId: user.id, meta, now })
        session = await createSession(trx, user.id, meta, now)
      }
      if (changes.name !== undefined && changes.name.trim() !== user.name) {
        await recordAudit(trx, { event: 'profile_changed', userId: user.id, actorId: user.id, meta })
      }
      // The name shows on the user's posts (cards, pages, the feed declare `user:<id>`).
      await recordChanges(trx, [tags.user(user.id)])
      return { user: updated, session }
    }),
  )
}

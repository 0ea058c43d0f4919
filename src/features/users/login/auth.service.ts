import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflictOnUnique, forbidden, HttpError, invalid, tooManyRequests, unauthorized } from '#core/http/errors.ts'
import { checkLimit, clearLimit, hitLimit } from '#core/security/limiter.ts'
import { isEmailVerificationRequired, isSignupEnabled } from '../../settings/settings.service.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { sendVerificationMail } from '../recovery/recovery.service.ts'
import { checkSecondFactor, isTotpEnabled, totpInvalid, totpRequired } from '../two-factor/two-factor.ts'
import { findUserByEmail, findUserById, insertUser, type UserRow, updatePasswordHash, updateUserProfile } from '../users.queries.ts'
import { hashPassword, needsRehash, refuseCommonPassword, verifyDummyPassword, verifyPassword } from './passwords.ts'
import { deleteUserSessions } from './sessions.queries.ts'
import { createSession, type NewSession, revokeSession, type SessionUser } from './sessions.ts'

const INVALID_LOGIN = 'Wrong email or password.'

/**
 * Login limits (core/security/limiter.ts), per account and per IP, so every
 * instance counts together. An account locks after 10 failures in a row (a
 * success clears them); an IP after 50 failures within 15 minutes.
 */
export const LOGIN_LIMITS = {
  account: { limit: 10, windowMs: 24 * 3600 * 1000, lockMs: 15 * 60 * 1000 },
  ip: { limit: 50, windowMs: 15 * 60 * 1000, lockMs: 15 * 60 * 1000 },
} as const
const accountKey = (email: string) => `account:${email.toLowerCase()}`
const ipKey = (ip: string) => `ip:${ip}`

export async function signUp(
  db: Db,
  input: { email: string; password: string; name: string },
  meta: RequestMeta,
  publicUrl: string,
  now: Date,
): Promise<UserRow> {
  if (!(await isSignupEnabled(db))) throw forbidden('Sign-up is turned off on this site.')
  await refuseCommonPassword(input.password)
  const passwordHash = await hashPassword(input.password)
  return conflictOnUnique('email', 'An account with this email already exists.', () =>
    db.transaction().execute(async (trx) => {
      const user = await insertUser(trx, { email: input.email.trim(), name: input.name.trim(), passwordHash, role: 'member' })
      await recordAudit(trx, { event: 'signup', userId: user.id, actorId: user.id, meta })
      await sendVerificationMail(trx, user, publicUrl, now)
      await recordChanges(trx, [tags.user(user.id), tags.list('users')])
      return user
    }),
  )
}

/**
 * Checks the credentials and opens a new session. Unknown email and wrong
 * password give the same 401 after the same work (a dummy hash check).
 * Limited per account and per IP (LOGIN_LIMITS): 429 with Retry-After. `now`
 * is the time of the attempt: the limits' windows, the TOTP step and the
 * session's expiry are counted from it.
 */
export async function logIn(
  db: Db,
  input: { email: string; password: string; totp_code?: string },
  meta: RequestMeta,
  now: Date,
): Promise<{ user: UserRow; session: NewSession }> {
  const account = accountKey(input.email)
  const ip = ipKey(meta.ip)
  const locked = await checkLimit(db, [account, ip], now)
  if (locked > 0) {
    await recordAudit(db, { event: 'login_throttled', userId: null, actorId: null, meta, details: { email: input.email.slice(0, 254) } })
    throw tooManyRequests(locked)
  }
  const user = await findUserByEmail(db, input.email)
  const ok = user ? await verifyPassword(user.password_hash, input.password) : await verifyDummyPassword(input.password)
  if (!user || !ok) {
    await hitLimit(db, { key: account, ...LOGIN_LIMITS.account }, now)
    await hitLimit(db, { key: ip, ...LOGIN_LIMITS.ip }, now)
    await recordAudit(db, {
      event: 'login_failed',
      userId: user?.id ?? null,
      actorId: null,
      meta,
      details: { email: input.email.slice(0, 254) },
    })
    throw unauthorized(INVALID_LOGIN)
  }
  if (user.disabled_at) throw new HttpError(403, 'account_disabled', 'This account is disabled.')
  if (!user.email_verified_at && (await isEmailVerificationRequired(db))) {
    throw new HttpError(403, 'email_not_verified', 'Confirm your email address first: use the link we mailed you.')
  }
  if (await isTotpEnabled(db, user.id)) {
    if (input.totp_code === undefined) throw totpRequired()
    const accepted = await db.transaction().execute((trx) => checkSecondFactor(trx, user.id, input.totp_code as string, now))
    if (!accepted) {
      await hitLimit(db, { key: account, ...LOGIN_LIMITS.account }, now)
      await recordAudit(db, { event: 'login_failed', userId: user.id, actorId: null, meta, details: { reason: 'totp' } })
      throw totpInvalid()
    }
  }
  if (needsRehash(user.password_hash)) await updatePasswordHash(db, user.id, await hashPassword(input.password))
  await clearLimit(db, account)
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
 * is used. A new password ends every other session.
 */
export async function updateOwnAccount(
  db: Db,
  actor: { user: SessionUser; sessionTokenHash: string },
  changes: { name?: string; email?: string; password?: string; current_password?: string },
  meta: RequestMeta,
  publicUrl: string,
  now: Date,
): Promise<UserRow> {
  const user = await findUserById(db, actor.user.id)
  if (!user) throw unauthorized()
  const emailChanged = changes.email !== undefined && changes.email.trim().toLowerCase() !== user.email.toLowerCase()
  if (emailChanged || changes.password !== undefined) {
    if (changes.current_password === undefined) {
      throw invalid([{ field: 'current_password', in: 'body', message: 'is required to change the email or password' }])
    }
    if (!(await verifyPassword(user.password_hash, changes.current_password))) {
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
        await deleteUserSessions(trx, user.id, actor.sessionTokenHash)
        await recordAudit(trx, { event: 'password_changed', userId: user.id, actorId: user.id, meta })
      }
      if (changes.name !== undefined && changes.name.trim() !== user.name) {
        await recordAudit(trx, { event: 'profile_changed', userId: user.id, actorId: user.id, meta })
      }
      // The name shows on the user's posts (cards, pages, the feed declare `user:<id>`).
      await recordChanges(trx, [tags.user(user.id)])
      return updated
    }),
  )
}

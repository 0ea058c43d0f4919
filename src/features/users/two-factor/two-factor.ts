import { randomBytes } from 'node:crypto'
import * as OTPAuth from 'otpauth'
import type { Db } from '#core/db/database.ts'
import { conflict, HttpError, invalid } from '#core/http/errors.ts'
import type { SecretBox } from '#core/security/secret-box.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { verifyPassword } from '../login/passwords.ts'
import { hashToken } from '../login/sessions.ts'
import { checkSecret } from '../login/throttle.ts'
import { findUserById, type SafeUser } from '../users.queries.ts'
import {
  advanceTotpStep,
  clearTotp,
  findTwoFactor,
  listStoredTotpSecrets,
  markTotpEnabled,
  replaceRecoveryCodes,
  replaceTotpSecret,
  saveTotpSecret,
  spendRecoveryCode,
} from './two-factor.queries.ts'

/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with `otpauth`, plus ten
 * single-use recovery codes. A code is accepted once: its time step must be
 * later than the last accepted one, so a code seen by someone else is useless.
 */
const totpFor = (secret: string, label = 'account') =>
  new OTPAuth.TOTP({ issuer: 'Plinth', label, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) })

/** The time step a code belongs to, or undefined when it is not valid at `now` (the clock is given, never read, issue 8). */
function stepOf(secret: string, code: string, now: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined
  const totp = totpFor(secret)
  const timestamp = now.getTime()
  const delta = totp.validate({ token: code, window: 1, timestamp })
  return delta === null ? undefined : totp.counter({ timestamp }) + delta
}

/**
 * The TOTP secret is stored sealed with SECRET_KEY (core/security/secret-box.ts,
 * decision 0007). One stored in clear (before sealing existed) or under
 * SECRET_KEY_PREVIOUS is sealed again with the current key when it is used;
 * `plinth secrets rotate` does all of them at once.
 */
async function openTotpSecret(db: Db, secrets: SecretBox, userId: number, stored: string): Promise<string> {
  const secret = secrets.open(stored)
  if (secrets.needsResealing(stored)) await replaceTotpSecret(db, userId, stored, secrets.seal(secret))
  return secret
}

/** Seals every stored TOTP secret that is in clear or under another key with the current key; answers how many it sealed again. */
export async function resealTotpSecrets(db: Db, secrets: SecretBox): Promise<{ resealed: number; total: number }> {
  const rows = await listStoredTotpSecrets(db)
  let resealed = 0
  for (const row of rows) {
    if (!secrets.needsResealing(row.totp_secret)) continue
    if (await replaceTotpSecret(db, row.id, row.totp_secret, secrets.seal(secrets.open(row.totp_secret)))) resealed++
  }
  return { resealed, total: rows.length }
}

export async function beginTotpSetup(db: Db, secrets: SecretBox, user: SafeUser) {
  const current = await findTwoFactor(db, user.id)
  if (current?.totp_enabled_at) throw conflict('Two-factor sign-in is already on; turn it off first.')
  const secret = new OTPAuth.Secret({ size: 20 }).base32
  await saveTotpSecret(db, user.id, secrets.seal(secret))
  return { secret, otpauth_uri: totpFor(secret, user.email).toString() }
}

/** Turns TOTP on with a first code, current at `now`; answers the recovery codes, shown this once. */
export async function enableTotp(db: Db, secrets: SecretBox, user: SafeUser, code: string, meta: RequestMeta, now: Date) {
  const current = await findTwoFactor(db, user.id)
  if (current?.totp_enabled_at) throw conflict('Two-factor sign-in is already on.')
  if (!current?.totp_secret) throw conflict('Start with POST /api/v1/auth/totp/setup.')
  const step = stepOf(await openTotpSecret(db, secrets, user.id, current.totp_secret), code, now)
  if (step === undefined) throw invalid([{ field: 'code', in: 'body', message: 'is not the current code of your authenticator' }])
  const recoveryCodes = newRecoveryCodes()
  await db.transaction().execute(async (trx) => {
    await markTotpEnabled(trx, user.id, step, recoveryCodes.map(hashToken))
    await recordAudit(trx, { event: 'totp_enabled', userId: user.id, actorId: user.id, meta })
  })
  return { recovery_codes: recoveryCodes }
}

/**
 * Turns TOTP off with the password and a current code, both checked under the
 * login limits (login/throttle.ts): wrong ones count, and a locked account
 * gets 429.
 */
export async function disableTotp(
  db: Db,
  secrets: SecretBox,
  user: SafeUser,
  input: { password: string; code: string },
  meta: RequestMeta,
  now: Date,
) {
  const account = await findUserById(db, user.id)
  const subject = { userId: user.id, ip: meta.ip }
  if (!account || !(await checkSecret(db, subject, now, () => verifyPassword(account.password_hash, input.password)))) {
    throw invalid([{ field: 'password', in: 'body', message: 'is wrong' }])
  }
  const disabled = await checkSecret(db, subject, now, () =>
    db.transaction().execute(async (trx) => {
      if (!(await checkSecondFactor(trx, secrets, user.id, input.code, now))) return false
      await clearTotp(trx, user.id)
      await recordAudit(trx, { event: 'totp_disabled', userId: user.id, actorId: user.id, meta })
      return true
    }),
  )
  if (!disabled) throw invalid([{ field: 'code', in: 'body', message: 'is not valid' }])
}

const newRecoveryCodes = () => Array.from({ length: 10 }, () => randomBytes(8).toString('hex'))

/** Whether two-factor sign-in is on, and how many recovery codes are left (for the profile screen). */
export async function readTwoFactorStatus(db: Db, userId: number) {
  const row = await findTwoFactor(db, userId)
  const enabled = row?.totp_enabled_at != null
  return { enabled, recovery_codes_left: enabled ? (row?.totp_recovery_hashes.length ?? 0) : 0 }
}

/**
 * Replaces the recovery codes with ten new ones (the old ones stop working),
 * with a current code (or a recovery code, which is spent), checked under the
 * login limits like disabling. Answers the new codes, shown this once.
 */
export async function regenerateRecoveryCodes(db: Db, secrets: SecretBox, user: SafeUser, code: string, meta: RequestMeta, now: Date) {
  if (!(await isTotpEnabled(db, user.id))) throw conflict('Two-factor sign-in is off: there are no recovery codes.')
  const recoveryCodes = newRecoveryCodes()
  const replaced = await checkSecret(db, { userId: user.id, ip: meta.ip }, now, () =>
    db.transaction().execute(async (trx) => {
      if (!(await checkSecondFactor(trx, secrets, user.id, code, now))) return false
      await replaceRecoveryCodes(trx, user.id, recoveryCodes.map(hashToken))
      await recordAudit(trx, { event: 'recovery_codes_regenerated', userId: user.id, actorId: user.id, meta })
      return true
    }),
  )
  if (!replaced) throw invalid([{ field: 'code', in: 'body', message: 'is not valid' }])
  return { recovery_codes: recoveryCodes }
}

export const isTotpEnabled = async (db: Db, userId: number) => (await findTwoFactor(db, userId))?.totp_enabled_at != null

/**
 * Checks a TOTP code current at `now` (not replayed) or a recovery code (then
 * spent). Records the accepted step or removes the spent recovery code. Use in
 * a transaction.
 */
export async function checkSecondFactor(db: Db, secrets: SecretBox, userId: number, code: string, now: Date): Promise<boolean> {
  const current = await findTwoFactor(db, userId)
  if (!current?.totp_enabled_at || !current.totp_secret) return false
  const step = stepOf(await openTotpSecret(db, secrets, userId, current.totp_secret), code.trim(), now)
  if (step !== undefined) return advanceTotpStep(db, userId, step)
  const hash = hashToken(code.trim().toLowerCase())
  if (!current.totp_recovery_hashes.includes(hash)) return false
  return spendRecoveryCode(db, userId, hash)
}

export const totpRequired = () => new HttpError(401, 'totp_required', 'Enter the code from your authenticator app (totp_code).')
export const totpInvalid = () => new HttpError(401, 'totp_invalid', 'The two-factor code is wrong or was already used.')

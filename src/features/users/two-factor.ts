import { randomBytes } from 'node:crypto'
import * as OTPAuth from 'otpauth'
import { type Db, sql } from '#core/db/database.ts'
import { conflict, HttpError, invalid } from '#core/http/errors.ts'
import { type RequestMeta, recordAudit } from './audit.ts'
import { verifyPassword } from './passwords.ts'
import { hashToken } from './sessions.ts'
import { findUserById, type SafeUser } from './users.queries.ts'

/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with `otpauth`, plus ten
 * single-use recovery codes. A code is accepted once: its time step must be
 * later than the last accepted one, so a code seen by someone else is useless.
 */
type TwoFactorRow = {
  totp_secret: string | null
  totp_enabled_at: Date | null
  totp_last_step: number | null
  totp_recovery_hashes: string[]
}

const readTwoFactor = (db: Db, userId: number) =>
  sql<TwoFactorRow>`select totp_secret, totp_enabled_at, totp_last_step, totp_recovery_hashes from users where id = ${userId}`
    .execute(db)
    .then((r) => r.rows[0])

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

export async function beginTotpSetup(db: Db, user: SafeUser) {
  const current = await readTwoFactor(db, user.id)
  if (current?.totp_enabled_at) throw conflict('Two-factor sign-in is already on; turn it off first.')
  const secret = new OTPAuth.Secret({ size: 20 }).base32
  await sql`update users set totp_secret = ${secret}, updated_at = now() where id = ${user.id}`.execute(db)
  return { secret, otpauth_uri: totpFor(secret, user.email).toString() }
}

/** Turns TOTP on with a first code, current at `now`; answers the recovery codes, shown this once. */
export async function enableTotp(db: Db, user: SafeUser, code: string, meta: RequestMeta, now: Date) {
  const current = await readTwoFactor(db, user.id)
  if (current?.totp_enabled_at) throw conflict('Two-factor sign-in is already on.')
  if (!current?.totp_secret) throw conflict('Start with POST /api/v1/auth/totp/setup.')
  const step = stepOf(current.totp_secret, code, now)
  if (step === undefined) throw invalid([{ field: 'code', in: 'body', message: 'is not the current code of your authenticator' }])
  const recoveryCodes = Array.from({ length: 10 }, () => randomBytes(8).toString('hex'))
  await db.transaction().execute(async (trx) => {
    await sql`update users set totp_enabled_at = now(), totp_last_step = ${step},
        totp_recovery_hashes = ${recoveryCodes.map(hashToken)}::text[], updated_at = now()
      where id = ${user.id}`.execute(trx)
    await recordAudit(trx, { event: 'totp_enabled', userId: user.id, actorId: user.id, meta })
  })
  return { recovery_codes: recoveryCodes }
}

export async function disableTotp(db: Db, user: SafeUser, input: { password: string; code: string }, meta: RequestMeta, now: Date) {
  const account = await findUserById(db, user.id)
  if (!account || !(await verifyPassword(account.password_hash, input.password))) {
    throw invalid([{ field: 'password', in: 'body', message: 'is wrong' }])
  }
  await db.transaction().execute(async (trx) => {
    if (!(await checkSecondFactor(trx, user.id, input.code, now))) throw invalid([{ field: 'code', in: 'body', message: 'is not valid' }])
    await sql`update users set totp_secret = null, totp_enabled_at = null, totp_last_step = null,
        totp_recovery_hashes = '{}', updated_at = now() where id = ${user.id}`.execute(trx)
    await recordAudit(trx, { event: 'totp_disabled', userId: user.id, actorId: user.id, meta })
  })
}

export const isTotpEnabled = async (db: Db, userId: number) => (await readTwoFactor(db, userId))?.totp_enabled_at != null

/**
 * Checks a TOTP code current at `now` (not replayed) or a recovery code (then
 * spent). Records the accepted step or removes the spent recovery code. Use in
 * a transaction.
 */
export async function checkSecondFactor(db: Db, userId: number, code: string, now: Date): Promise<boolean> {
  const current = await readTwoFactor(db, userId)
  if (!current?.totp_enabled_at || !current.totp_secret) return false
  const step = stepOf(current.totp_secret, code.trim(), now)
  if (step !== undefined) {
    const { rows } = await sql`update users set totp_last_step = ${step}
      where id = ${userId} and (totp_last_step is null or totp_last_step < ${step}) returning id`.execute(db)
    return rows.length === 1
  }
  const hash = hashToken(code.trim().toLowerCase())
  if (!current.totp_recovery_hashes.includes(hash)) return false
  const { rows } = await sql`update users set totp_recovery_hashes = array_remove(totp_recovery_hashes, ${hash})
    where id = ${userId} and ${hash} = any(totp_recovery_hashes) returning id`.execute(db)
  return rows.length === 1
}

export const totpRequired = () => new HttpError(401, 'totp_required', 'Enter the code from your authenticator app (totp_code).')
export const totpInvalid = () => new HttpError(401, 'totp_invalid', 'The two-factor code is wrong or was already used.')

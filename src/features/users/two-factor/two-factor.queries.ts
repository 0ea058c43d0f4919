import { type Db, sql } from '#core/db/database.ts'

export type TwoFactorRow = {
  totp_secret: string | null
  totp_enabled_at: Date | null
  totp_last_step: number | null
  totp_recovery_hashes: string[]
}

export const findTwoFactor = (db: Db, userId: number) =>
  sql<TwoFactorRow>`select totp_secret, totp_enabled_at, totp_last_step, totp_recovery_hashes from users where id = ${userId}`
    .execute(db)
    .then((r) => r.rows[0])

/** A secret waiting for its first code (setup), not yet enabled. */
export const saveTotpSecret = (db: Db, userId: number, secret: string) =>
  sql`update users set totp_secret = ${secret}, updated_at = now() where id = ${userId}`.execute(db)

export const markTotpEnabled = (db: Db, userId: number, firstStep: number, recoveryHashes: string[]) =>
  sql`update users set totp_enabled_at = now(), totp_last_step = ${firstStep},
        totp_recovery_hashes = ${recoveryHashes}::text[], updated_at = now()
      where id = ${userId}`.execute(db)

export const clearTotp = (db: Db, userId: number) =>
  sql`update users set totp_secret = null, totp_enabled_at = null, totp_last_step = null,
        totp_recovery_hashes = '{}', updated_at = now() where id = ${userId}`.execute(db)

/** Records an accepted time step; false when it is not later than the last one (a replayed code). */
export const advanceTotpStep = (db: Db, userId: number, step: number) =>
  sql`update users set totp_last_step = ${step}
      where id = ${userId} and (totp_last_step is null or totp_last_step < ${step}) returning id`
    .execute(db)
    .then((r) => r.rows.length === 1)

/** Removes a recovery code's hash; false when it was not there (already spent). */
export const spendRecoveryCode = (db: Db, userId: number, hash: string) =>
  sql`update users set totp_recovery_hashes = array_remove(totp_recovery_hashes, ${hash})
      where id = ${userId} and ${hash} = any(totp_recovery_hashes) returning id`
    .execute(db)
    .then((r) => r.rows.length === 1)

/** Replaces a stored secret with the same secret sealed anew (key rotation); false when it changed meanwhile. */
export const replaceTotpSecret = (db: Db, userId: number, from: string, to: string) =>
  sql`update users set totp_secret = ${to} where id = ${userId} and totp_secret = ${from} returning id`
    .execute(db)
    .then((r) => r.rows.length === 1)

export const listStoredTotpSecrets = (db: Db) =>
  sql<{ id: number; totp_secret: string }>`select id, totp_secret from users where totp_secret is not null order by id`
    .execute(db)
    .then((r) => r.rows)

/** Replaces the recovery codes of a user with two-factor on; false when it is off. */
export const replaceRecoveryCodes = (db: Db, userId: number, recoveryHashes: string[]) =>
  sql`update users set totp_recovery_hashes = ${recoveryHashes}::text[], updated_at = now()
      where id = ${userId} and totp_enabled_at is not null returning id`
    .execute(db)
    .then((r) => r.rows.length === 1)

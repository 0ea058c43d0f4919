import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflict, invalid } from '#core/http/errors.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { hashPassword, refuseCommonPassword } from '../login/passwords.ts'
import { consumeOneTimeToken, discardOneTimeTokens, issueOneTimeToken } from '../recovery/one-time-tokens.ts'
import { countOtherActiveAdmins, findUserByEmail, insertUser, markEmailVerified, type UserRow } from '../users.queries.ts'
import { assertDisplayName } from '../users.schemas.ts'

export const SETUP_TTL_MS = 24 * 3600 * 1000

const hasAdmin = async (db: Db) => (await countOtherActiveAdmins(db, 0)) > 0

/**
 * At a start with no administrator: a fresh one-time setup URL (valid 24 h
 * from `now`; earlier unused ones are discarded). Undefined once an admin
 * exists. The caller prints it in the log — never a default password.
 */
export async function prepareSetupLink(db: Db, publicUrl: string, now: Date): Promise<string | undefined> {
  if (await hasAdmin(db)) return undefined
  const token = await db.transaction().execute(async (trx) => {
    await discardOneTimeTokens(trx, 'setup', null)
    return issueOneTimeToken(trx, 'setup', null, SETUP_TTL_MS, now)
  })
  return `${publicUrl}/admin/setup?token=${token}`
}

/** Creates an administrator, verified. Used by the setup link and by `plinth admin create`. */
export async function createAdministrator(
  db: Db,
  input: { email: string; password: string; name: string },
  meta: RequestMeta,
): Promise<UserRow> {
  await refuseCommonPassword(input.password)
  const passwordHash = await hashPassword(input.password)
  return db.transaction().execute((trx) => insertAdministrator(trx, input, passwordHash, meta))
}

/**
 * POST /api/v1/setup: redeems the one-time link for the first administrator.
 * The token is consumed in the same transaction that creates the account, so a
 * failure leaves it usable.
 */
export async function completeSetup(
  db: Db,
  input: { token: string; email: string; password: string; name: string },
  meta: RequestMeta,
  now: Date,
) {
  await refuseCommonPassword(input.password)
  const passwordHash = await hashPassword(input.password)
  return db.transaction().execute(async (trx) => {
    const consumed = await consumeOneTimeToken(trx, 'setup', input.token, now)
    if (!consumed)
      throw invalid([{ field: 'token', in: 'body', message: 'is invalid, used or expired; restart Plinth for a new setup link' }])
    if (await hasAdmin(trx)) throw conflict('An administrator already exists.')
    return insertAdministrator(trx, input, passwordHash, meta)
  })
}

async function insertAdministrator(
  trx: Db,
  input: { email: string; name: string },
  passwordHash: string,
  meta: RequestMeta,
): Promise<UserRow> {
  assertDisplayName(input.name.trim()) // the CLI's --name skips the HTTP schema
  if (await findUserByEmail(trx, input.email)) throw conflict('An account with this email already exists.', 'email')
  const user = await insertUser(trx, { email: input.email.trim(), name: input.name.trim(), passwordHash, role: 'admin' })
  const emailVerifiedAt = await markEmailVerified(trx, user.id)
  await recordAudit(trx, { event: 'admin_created', userId: user.id, actorId: null, meta })
  await recordChanges(trx, [tags.user(user.id), tags.list('users')])
  return { ...user, email_verified_at: emailVerifiedAt }
}

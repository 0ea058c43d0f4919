import type { Db } from '#core/db/database.ts'
import { HttpError, invalid, notFound, unauthorized } from '#core/http/errors.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { verifyPassword } from '../login/passwords.ts'
import { findSessionCreatedAt } from '../login/sessions.queries.ts'
import { checkSecret } from '../login/throttle.ts'
import { findUserById, type SafeUser } from '../users.queries.ts'
import type { ApiScope } from '../users.schemas.ts'
import { type ApiTokenRow, insertApiToken, revokeUserApiToken } from './tokens.queries.ts'
import { generateApiToken } from './tokens.ts'

/** How recent a sign-in lets a session create a token without typing the password again (issue 9, item 1). */
export const FRESH_SIGN_IN_MS = 10 * 60 * 1000

/**
 * Creates a personal API token; the plain token is returned this once only.
 * Only for a verified address (403 `email_not_verified`): a token must not be
 * minted on an address someone else may still claim. It needs the current
 * password in `current_password`, or a session signed in within
 * FRESH_SIGN_IN_MS of `now`; the password check counts against the login
 * limits (checkSecret: 429 while the account is locked). An admin scope needs
 * an admin; an expiry must be after `now`.
 */
export async function createApiToken(
  db: Db,
  actor: { user: SafeUser; sessionTokenHash: string },
  input: { name: string; scopes: ApiScope[]; expires_at?: string; current_password?: string },
  meta: RequestMeta,
  now: Date,
): Promise<{ token: string; row: ApiTokenRow }> {
  const { user } = actor
  if (!user.email_verified_at) {
    throw new HttpError(403, 'email_not_verified', 'Confirm your email address before creating an API token: use the link we mailed you.')
  }
  await confirmIdentity(db, actor, input.current_password, meta, now)
  if (input.scopes.includes('admin') && user.role !== 'admin') {
    throw invalid([{ field: 'scopes', in: 'body', message: 'admin scope is only for administrators' }])
  }
  const expiresAt = input.expires_at === undefined ? null : new Date(input.expires_at)
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    throw invalid([{ field: 'expires_at', in: 'body', message: 'must be in the future' }])
  }
  const { token, tokenHash, prefix } = generateApiToken()
  const scopes = [...new Set(input.scopes)]
  const row = await db.transaction().execute(async (trx) => {
    const created = await insertApiToken(trx, { userId: user.id, name: input.name.trim(), tokenHash, prefix, scopes, expiresAt })
    await recordAudit(trx, { event: 'token_created', userId: user.id, actorId: user.id, meta, details: { token_id: created.id, scopes } })
    return created
  })
  return { token, row }
}

/** The password typed now, or a sign-in within FRESH_SIGN_IN_MS; 400 naming current_password otherwise. */
async function confirmIdentity(
  db: Db,
  actor: { user: SafeUser; sessionTokenHash: string },
  password: string | undefined,
  meta: RequestMeta,
  now: Date,
) {
  if (password === undefined) {
    const signedInAt = await findSessionCreatedAt(db, actor.sessionTokenHash)
    if (signedInAt && now.getTime() - new Date(signedInAt).getTime() <= FRESH_SIGN_IN_MS) return
    throw invalid([{ field: 'current_password', in: 'body', message: 'is required unless you signed in within the last 10 minutes' }])
  }
  const account = await findUserById(db, actor.user.id)
  if (!account) throw unauthorized()
  const ok = await checkSecret(db, { userId: account.id, ip: meta.ip }, now, () => verifyPassword(account.password_hash, password))
  if (!ok) throw invalid([{ field: 'current_password', in: 'body', message: 'is wrong' }])
}

export async function revokeApiToken(db: Db, user: SafeUser, tokenId: number, meta: RequestMeta) {
  await db.transaction().execute(async (trx) => {
    const revoked = await revokeUserApiToken(trx, user.id, tokenId)
    if (!revoked) throw notFound('API token', tokenId)
    await recordAudit(trx, { event: 'token_revoked', userId: user.id, actorId: user.id, meta, details: { token_id: tokenId } })
  })
}

import type { Db } from '#core/db/database.ts'
import { invalid, notFound } from '#core/http/errors.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import type { SafeUser } from '../users.queries.ts'
import type { ApiScope } from '../users.schemas.ts'
import { type ApiTokenRow, insertApiToken, revokeUserApiToken } from './tokens.queries.ts'
import { generateApiToken } from './tokens.ts'

/** Creates a personal API token; the plain token is returned this once only. An admin scope needs an admin; an expiry must be after `now`. */
export async function createApiToken(
  db: Db,
  user: SafeUser,
  input: { name: string; scopes: ApiScope[]; expires_at?: string },
  meta: RequestMeta,
  now: Date,
): Promise<{ token: string; row: ApiTokenRow }> {
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

export async function revokeApiToken(db: Db, user: SafeUser, tokenId: number, meta: RequestMeta) {
  await db.transaction().execute(async (trx) => {
    const revoked = await revokeUserApiToken(trx, user.id, tokenId)
    if (!revoked) throw notFound('API token', tokenId)
    await recordAudit(trx, { event: 'token_revoked', userId: user.id, actorId: user.id, meta, details: { token_id: tokenId } })
  })
}

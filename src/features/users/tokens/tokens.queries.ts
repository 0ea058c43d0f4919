import { type Db, sql } from '#core/db/database.ts'
import { type SafeUser, USER_AS_JSON } from '../users.queries.ts'
import type { ApiScope } from '../users.schemas.ts'

export type ApiTokenRow = {
  id: number
  user_id: number
  name: string
  prefix: string
  scopes: ApiScope[]
  expires_at: Date | null
  last_used_at: Date | null
  revoked_at: Date | null
  created_at: Date
}

const TOKEN_COLUMNS = sql`id, user_id, name, prefix, scopes, expires_at, last_used_at, revoked_at, created_at`

export const insertApiToken = (
  db: Db,
  token: { userId: number; name: string; tokenHash: string; prefix: string; scopes: ApiScope[]; expiresAt: Date | null },
) =>
  sql<ApiTokenRow>`insert into api_tokens (user_id, name, token_hash, prefix, scopes, expires_at)
    values (${token.userId}, ${token.name}, ${token.tokenHash}, ${token.prefix}, ${token.scopes}::text[], ${token.expiresAt})
    returning ${TOKEN_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as ApiTokenRow)

/** A user's own tokens, newest first. */
export const listUserApiTokens = (db: Db, userId: number) =>
  sql<ApiTokenRow>`select ${TOKEN_COLUMNS} from api_tokens where user_id = ${userId} order by id desc limit 200`
    .execute(db)
    .then((r) => r.rows)

/** Revokes a token of this user (the owner check is in the query); undefined when it is not theirs or already revoked. */
export const revokeUserApiToken = (db: Db, userId: number, id: number) =>
  sql<{ id: number }>`update api_tokens set revoked_at = now() where id = ${id} and user_id = ${userId} and revoked_at is null returning id`
    .execute(db)
    .then((r) => r.rows[0])

/** Revokes every token of the user not yet revoked, at `now`; answers how many. */
export const revokeAllUserApiTokens = (db: Db, userId: number, now: Date) =>
  sql<{ id: number }>`update api_tokens set revoked_at = ${now} where user_id = ${userId} and revoked_at is null returning id`
    .execute(db)
    .then((r) => r.rows.length)

/** A usable token (not revoked, not expired at `now`) with its user, in one query. */
export const findActiveApiTokenWithUser = (db: Db, tokenHash: string, now: Date) =>
  sql<{ id: number; scopes: ApiScope[]; last_used_at: Date | null; user: SafeUser }>`
    select t.id, t.scopes, t.last_used_at,
      ${USER_AS_JSON} as user
    from api_tokens t join users u on u.id = t.user_id
    where t.token_hash = ${tokenHash} and t.revoked_at is null and (t.expires_at is null or t.expires_at > ${now})`
    .execute(db)
    .then((r) => r.rows[0])

// last_used_at is compared with the clock on the next use (written at most hourly), so it is the caller's time.
export const touchApiToken = (db: Db, id: number, now: Date) =>
  sql`update api_tokens set last_used_at = ${now} where id = ${id}`.execute(db)

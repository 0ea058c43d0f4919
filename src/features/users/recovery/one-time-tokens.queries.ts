import { type Db, sql } from '#core/db/database.ts'
import type { OneTimePurpose } from './one-time-tokens.ts'

export const insertOneTimeToken = (db: Db, token: { purpose: OneTimePurpose; userId: number | null; tokenHash: string; expiresAt: Date }) =>
  sql`insert into one_time_tokens (purpose, user_id, token_hash, expires_at)
    values (${token.purpose}, ${token.userId}, ${token.tokenHash}, ${token.expiresAt})`.execute(db)

/** Marks an unused token of the purpose, unexpired at `now`, used, in one statement (so only one caller gets it); undefined otherwise. */
export const markOneTimeTokenUsed = (db: Db, purpose: OneTimePurpose, tokenHash: string, now: Date) =>
  sql<{ user_id: number | null }>`
    update one_time_tokens set used_at = now()
    where token_hash = ${tokenHash} and purpose = ${purpose} and used_at is null and expires_at > ${now}
    returning user_id`
    .execute(db)
    .then((r) => r.rows[0])

export const deleteUnusedOneTimeTokens = (db: Db, purpose: OneTimePurpose, userId: number | null) =>
  sql`delete from one_time_tokens where purpose = ${purpose} and used_at is null
    and (user_id = ${userId} or (${userId}::bigint is null and user_id is null))`.execute(db)

import { type Db, sql } from '#core/db/database.ts'
import { type SafeUser, USER_AS_JSON } from '../users.queries.ts'

export type SessionRow = { token_hash: string; user_id: number; csrf_token: string; last_seen_at: Date; expires_at: Date }

export const insertSession = (
  db: Db,
  session: { tokenHash: string; userId: number; csrfToken: string; ip: string; userAgent: string | undefined; now: Date; expiresAt: Date },
) =>
  // last_seen_at is compared with the clock later (idle expiry), so it is the
  // caller's time, not the database's default now() (issue 8).
  // created_at too: a session signed in within the last minutes may create an API token without the password (issue 9).
  sql`insert into sessions (token_hash, user_id, csrf_token, ip, user_agent, created_at, last_seen_at, expires_at)
    values (${session.tokenHash}, ${session.userId}, ${session.csrfToken}, ${session.ip}, ${session.userAgent ?? null},
      ${session.now}, ${session.now}, ${session.expiresAt})`.execute(db)

/** When the session was signed in (the caller's clock), or undefined for an unknown session. */
export const findSessionCreatedAt = (db: Db, tokenHash: string) =>
  sql<{ created_at: Date }>`select created_at from sessions where token_hash = ${tokenHash}`.execute(db).then((r) => r.rows[0]?.created_at)

/** The session and its user in one query (every authenticated request runs it). */
export const findSessionWithUser = (db: Db, tokenHash: string) =>
  sql<SessionRow & { user: SafeUser }>`
    select s.token_hash, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at,
      ${USER_AS_JSON} as user
    from sessions s join users u on u.id = s.user_id
    where s.token_hash = ${tokenHash}`
    .execute(db)
    .then((r) => r.rows[0])

export const touchSession = (db: Db, tokenHash: string, now: Date) =>
  sql`update sessions set last_seen_at = ${now} where token_hash = ${tokenHash}`.execute(db)

export const deleteSession = (db: Db, tokenHash: string) => sql`delete from sessions where token_hash = ${tokenHash}`.execute(db)

/** Deletes every session of the user; answers how many. */
export const deleteUserSessions = (db: Db, userId: number) =>
  sql`delete from sessions where user_id = ${userId}`.execute(db).then((r) => Number(r.numAffectedRows ?? 0))

export type OwnSessionRow = {
  id: number
  token_hash: string
  ip: string | null
  user_agent: string | null
  created_at: Date
  last_seen_at: Date
}

/**
 * The user's sessions still usable at `now` (neither past the absolute expiry
 * nor idle for `idleMs`), most recently used first. The token hash is read to
 * mark the caller's own session and never leaves the server.
 */
export const listUserSessions = (db: Db, userId: number, now: Date, idleMs: number) =>
  sql<OwnSessionRow>`select id, token_hash, ip, user_agent, created_at, last_seen_at from sessions
    where user_id = ${userId} and expires_at > ${now} and last_seen_at > ${new Date(now.getTime() - idleMs)}
    order by last_seen_at desc, id desc limit 100`
    .execute(db)
    .then((r) => r.rows)

/** Deletes one of the user's sessions by its public id; answers whether there was one. */
export const deleteUserSessionById = (db: Db, userId: number, id: number) =>
  sql`delete from sessions where id = ${id} and user_id = ${userId}`.execute(db).then((r) => Number(r.numAffectedRows ?? 0) === 1)

import type { Db } from '#core/db/database.ts'
import { notFound } from '#core/http/errors.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { deleteUserSessionById, listUserSessions } from './sessions.queries.ts'
import { SESSION_IDLE_MS, type SessionUser } from './sessions.ts'

type Caller = { user: SessionUser; sessionTokenHash: string }

/** The caller's sessions usable at `now`, the caller's own marked `current` (issue 13: "active sessions with revoke"). */
export async function listOwnSessions(db: Db, caller: Caller, now: Date) {
  const rows = await listUserSessions(db, caller.user.id, now, SESSION_IDLE_MS)
  return rows.map(({ token_hash, ...row }) => ({ ...row, id: Number(row.id), current: token_hash === caller.sessionTokenHash }))
}

/**
 * Ends one of the caller's sessions (a browser signed in elsewhere); 404 for
 * an id that is not the caller's. Ending the caller's own session signs it out
 * (its cookie stops working); POST /api/v1/auth/logout also clears the cookie.
 */
export async function revokeOwnSession(db: Db, caller: Caller, id: number, meta: RequestMeta) {
  await db.transaction().execute(async (trx) => {
    if (!(await deleteUserSessionById(trx, caller.user.id, id))) throw notFound('session', id)
    await recordAudit(trx, { event: 'session_revoked', userId: caller.user.id, actorId: caller.user.id, meta, details: { session_id: id } })
  })
}

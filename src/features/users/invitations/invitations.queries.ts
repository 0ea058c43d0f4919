import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'
import type { Role } from '../users.schemas.ts'

export type InvitationRow = {
  id: number
  email: string
  role: Role
  invited_by: number | null
  expires_at: Date
  created_at: Date
}

const INVITATION_COLUMNS = sql`id, email, role, invited_by, expires_at, created_at`

export const insertInvitation = (
  db: Db,
  invitation: { email: string; role: Role; tokenHash: string; invitedBy: number; expiresAt: Date },
) =>
  sql<InvitationRow>`insert into invitations (email, role, token_hash, invited_by, expires_at)
    values (${invitation.email}, ${invitation.role}, ${invitation.tokenHash}, ${invitation.invitedBy}, ${invitation.expiresAt})
    returning ${INVITATION_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as InvitationRow)

/** Deletes the pending invitations of an address (a new one replaces them); answers how many. */
export const deletePendingInvitationsFor = (db: Db, email: string) =>
  sql`delete from invitations where accepted_at is null and lower(email) = lower(${email})`
    .execute(db)
    .then((r) => Number(r.numAffectedRows ?? 0))

/** Deletes one pending invitation; answers it, or undefined when there is none pending with this id. */
export const deletePendingInvitation = (db: Db, id: number) =>
  sql<InvitationRow>`delete from invitations where id = ${id} and accepted_at is null returning ${INVITATION_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

/**
 * Marks the pending, unexpired (at `now`) invitation of a token hash accepted,
 * in one statement, so only one caller gets it; undefined otherwise.
 */
export const claimInvitation = (db: Db, tokenHash: string, now: Date) =>
  sql<InvitationRow>`update invitations set accepted_at = ${now}
    where token_hash = ${tokenHash} and accepted_at is null and expires_at > ${now}
    returning ${INVITATION_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

export const setInvitationUser = (db: Db, id: number, userId: number) =>
  sql`update invitations set accepted_user_id = ${userId} where id = ${id}`.execute(db)

/** The pending list's order: newest first, by id. */
export const INVITATION_SORT = { name: 'newest', direction: 'desc', key: null } as const satisfies Sort

/** Invitations not yet accepted (expired ones included: the admin sees and removes them), newest first. */
export function listPendingInvitations(db: Db, options: { limit: number; after?: Cursor }) {
  const order = keyset(INVITATION_SORT, { id: sql`id` }, options.after)
  return sql<InvitationRow>`select ${INVITATION_COLUMNS} from invitations
    where accepted_at is null and ${order.after}
    order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

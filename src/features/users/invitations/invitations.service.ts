import { randomBytes } from 'node:crypto'
import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflict, conflictOnUnique, invalid, notFound, tooManyRequests } from '#core/http/errors.ts'
import { queueMail } from '#core/mail/mailer.ts'
import { checkLimit, hitLimit, type LimitRule } from '#core/security/limiter.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { hashPassword, refuseCommonPassword } from '../login/passwords.ts'
import { hashToken } from '../login/sessions.ts'
import { findUserByEmail, insertUser, markEmailVerified, type UserRow } from '../users.queries.ts'
import { assertDisplayName, type Role } from '../users.schemas.ts'
import { invitationMail } from './invitations.mail.ts'
import {
  claimInvitation,
  deletePendingInvitation,
  deletePendingInvitationsFor,
  type InvitationRow,
  insertInvitation,
  setInvitationUser,
} from './invitations.queries.ts'

export const INVITATION_TTL_DAYS = 7
const INVITATION_TTL_MS = INVITATION_TTL_DAYS * 24 * 3600 * 1000

/** The admin screen the link opens (admin/screens/users/accept-invitation.tsx). */
export const ACCEPT_INVITATION_PATH = '/admin/accept-invitation'

/**
 * How many invitations one administrator may send: each is a mail to an
 * address of their choosing, so a stolen admin session must not turn the site
 * into a mail cannon.
 */
export const INVITATION_LIMIT = { limit: 30, windowMs: 3600 * 1000, lockMs: 3600 * 1000 } as const satisfies LimitRule

/**
 * An administrator invites an address with a role (issue 13): a one-time link
 * (256 random bits, stored as SHA-256 only, INVITATION_TTL_DAYS days) is mailed
 * in the same transaction. A pending invitation of the same address is
 * replaced (its link stops working). An address that already has an account is
 * a 409 naming `email`. Works whether or not sign-up is on. Limited per
 * administrator (INVITATION_LIMIT: 429 with Retry-After).
 */
export async function inviteUser(
  db: Db,
  actorId: number,
  input: { email: string; role: Role },
  meta: RequestMeta,
  publicUrl: string,
  now: Date,
): Promise<InvitationRow> {
  const email = input.email.trim()
  const key = `invite:admin:${actorId}`
  const wait = await checkLimit(db, [key], now)
  if (wait > 0) throw tooManyRequests(wait)
  if (await findUserByEmail(db, email)) throw conflict('An account with this email address exists already.', 'email')
  await hitLimit(db, { key, ...INVITATION_LIMIT }, now)
  const token = randomBytes(32).toString('base64url')
  return db.transaction().execute(async (trx) => {
    const replaced = await deletePendingInvitationsFor(trx, email)
    const invitation = await insertInvitation(trx, {
      email,
      role: input.role,
      tokenHash: hashToken(token),
      invitedBy: actorId,
      expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
    })
    await queueMail(trx, invitationMail, {
      to: email,
      subject: 'You are invited',
      data: { url: `${publicUrl}${ACCEPT_INVITATION_PATH}?token=${token}`, role: input.role, days: INVITATION_TTL_DAYS },
    })
    await recordAudit(trx, {
      event: 'invitation_created',
      userId: null,
      actorId,
      meta,
      details: { invitation_id: invitation.id, email, role: input.role, replaced },
    })
    return invitation
  })
}

/** Removes a pending invitation (its link stops working); 404 when there is none pending with this id. */
export async function revokeInvitation(db: Db, actorId: number, id: number, meta: RequestMeta) {
  await db.transaction().execute(async (trx) => {
    const invitation = await deletePendingInvitation(trx, id)
    if (!invitation) throw notFound('invitation', id)
    await recordAudit(trx, {
      event: 'invitation_revoked',
      userId: null,
      actorId,
      meta,
      details: { invitation_id: id, email: invitation.email, role: invitation.role },
    })
  })
}

const badToken = () => invalid([{ field: 'token', in: 'body', message: 'is invalid, used, revoked or expired' }])

/**
 * Creates the account of an invitation: the invited address and role, the
 * name and password given here. The address counts as verified (the link was
 * mailed to it). The link works once: the invitation is claimed in the same
 * transaction. It does not sign in: the new user signs in as anyone does (and
 * their browser can offer to save the password there).
 */
export async function acceptInvitation(
  db: Db,
  input: { token: string; name: string; password: string },
  meta: RequestMeta,
  now: Date,
): Promise<UserRow> {
  const name = input.name.trim()
  assertDisplayName(name)
  if (!/^[A-Za-z0-9_-]{43}$/.test(input.token)) throw badToken()
  await refuseCommonPassword(input.password)
  const passwordHash = await hashPassword(input.password)
  return conflictOnUnique('email', 'An account with this email address exists already.', () =>
    db.transaction().execute(async (trx) => {
      const invitation = await claimInvitation(trx, hashToken(input.token), now)
      if (!invitation) throw badToken()
      const user = await insertUser(trx, { email: invitation.email, name, passwordHash, role: invitation.role })
      const verifiedAt = await markEmailVerified(trx, user.id)
      await setInvitationUser(trx, invitation.id, user.id)
      await recordAudit(trx, {
        event: 'invitation_accepted',
        userId: user.id,
        actorId: user.id,
        meta,
        details: { invitation_id: invitation.id, role: invitation.role, invited_by: invitation.invited_by },
      })
      await recordChanges(trx, [tags.user(user.id), tags.list('users')])
      return { ...user, email_verified_at: verifiedAt }
    }),
  )
}

import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflict, notFound } from '#core/http/errors.ts'
import { type RequestMeta, recordAudit } from '../audit.ts'
import { revokeCredentials } from '../credentials.ts'
import { countOtherActiveAdmins, findUserById, type UserRow, updateUserAccess } from '../users.queries.ts'
import type { Role } from '../users.schemas.ts'

/**
 * An administrator changes a user's role or disables the account. Either ends
 * the user's sessions and API tokens (revokeCredentials), so the new rights
 * apply from a fresh login and a fresh token (rotation on privilege change). The last active admin cannot be demoted or
 * disabled.
 */
export async function changeUserAccess(
  db: Db,
  actorId: number,
  userId: number,
  changes: { role?: Role; disabled?: boolean },
  meta: RequestMeta,
  now: Date,
): Promise<UserRow> {
  return db.transaction().execute(async (trx) => {
    const user = await findUserById(trx, userId)
    if (!user) throw notFound('user', userId)
    const role = changes.role ?? user.role
    const disabled = changes.disabled ?? user.disabled_at !== null
    const losesAdmin = user.role === 'admin' && user.disabled_at === null && (role !== 'admin' || disabled)
    if (losesAdmin && (await countOtherActiveAdmins(trx, user.id)) === 0) {
      throw conflict('This is the last active administrator; make another user an admin first.')
    }
    const updated = await updateUserAccess(trx, user.id, { role, disabled })
    if (role !== user.role) {
      await recordAudit(trx, { event: 'role_changed', userId: user.id, actorId, meta, details: { from: user.role, to: role } })
    }
    if (disabled !== (user.disabled_at !== null)) {
      await recordAudit(trx, { event: disabled ? 'user_disabled' : 'user_enabled', userId: user.id, actorId, meta })
    }
    // A new role or a disabled account ends every session and API token (issue 9, item 1):
    // a token minted before a promotion must not gain the new role.
    const becomesDisabled = disabled && user.disabled_at === null
    if (becomesDisabled || role !== user.role) {
      await revokeCredentials(trx, user.id, becomesDisabled ? 'user_disabled' : 'role_changed', { actorId, meta, now })
    }
    // list:users: who is an admin decides whether the empty home page welcomes a new owner.
    await recordChanges(trx, [tags.user(user.id), tags.list('users')])
    return updated
  })
}

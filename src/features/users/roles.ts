import type { FastifyReply, FastifyRequest } from 'fastify'
import { forbidden, unauthorized } from '#core/http/errors.ts'
import type { Role } from './users.queries.ts'

/**
 * The one authorisation module (issue 3 §7). Routes declare who may call them
 * with these preHandlers; handlers never check roles themselves.
 */
const RANK: Record<Role, number> = { member: 0, author: 1, editor: 2, admin: 3 }

export const hasRole = (role: Role, atLeast: Role) => RANK[role] >= RANK[atLeast]

/** preHandler: any signed-in user. */
export async function requireUser(request: FastifyRequest, _reply: FastifyReply) {
  if (!request.actor) throw unauthorized()
}

/** preHandler factory: a signed-in user with at least `role`. */
export const requireRole = (role: Role) =>
  async function requireRoleHandler(request: FastifyRequest, _reply: FastifyReply) {
    if (!request.actor) throw unauthorized()
    if (!hasRole(request.actor.user.role, role)) throw forbidden()
  }

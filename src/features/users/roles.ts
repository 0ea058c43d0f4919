import type { FastifyReply, FastifyRequest } from 'fastify'
import { forbidden, unauthorized } from '#core/http/errors.ts'
import { describeAuth } from '#core/http/openapi.ts'
import { scopeAllows } from './tokens/tokens.ts'
import type { Role } from './users.schemas.ts'

/**
 * The one authorisation module (issue 3 §7). Routes declare who may call them
 * with these as `onRequest` hooks (after the auth hook has set request.actor),
 * so a caller without the right gets 401/403 before the body is parsed or the
 * schema is checked: no validation detail of a route reaches someone who may
 * not call it (issue 9, item 8). Handlers never check roles themselves.
 */
const RANK: Record<Role, number> = { member: 0, author: 1, editor: 2, admin: 3 }

export const hasRole = (role: Role, atLeast: Role) => RANK[role] >= RANK[atLeast]

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/** An API token acts for its owner only within its scopes: read for reads, write for changes, admin for admin routes. */
function checkScope(request: FastifyRequest, adminRoute: boolean) {
  const actor = request.actor
  if (actor?.via !== 'token') return
  const needed = adminRoute ? 'admin' : SAFE.has(request.method) ? 'read' : 'write'
  if (!scopeAllows(actor.scopes, needed)) throw forbidden(`This API token lacks the "${needed}" scope.`, 'scope_required')
}

// Each hook carries what it requires for the OpenAPI document (core/http/openapi.ts: security and 401/403 codes).

/** onRequest: any signed-in user (session or API token). */
export const requireUser = describeAuth(
  async function requireUser(request: FastifyRequest, _reply: FastifyReply) {
    if (!request.actor) throw unauthorized()
    checkScope(request, false)
  },
  { schemes: ['session', 'bearer'], codes: ['authentication_required', 'scope_required'], who: 'a signed-in user (session or API token)' },
)

/** onRequest: a browser session (account changes and token management are not done with a token). */
export const requireSession = describeAuth(
  async function requireSession(request: FastifyRequest, _reply: FastifyReply) {
    if (!request.actor) throw unauthorized()
    if (request.actor.via !== 'session') throw forbidden('This needs a signed-in browser session, not an API token.', 'session_required')
  },
  { schemes: ['session'], codes: ['authentication_required', 'session_required'], who: 'a signed-in browser session (not an API token)' },
)

/** onRequest factory: a signed-in user with at least `role`. */
export const requireRole = (role: Role) =>
  describeAuth(
    async function requireRoleHandler(request: FastifyRequest, _reply: FastifyReply) {
      if (!request.actor) throw unauthorized()
      if (!hasRole(request.actor.user.role, role)) throw forbidden(`This needs the ${role} role or higher.`, 'role_required')
      checkScope(request, role === 'admin')
    },
    {
      schemes: ['session', 'bearer'],
      codes: ['authentication_required', 'role_required', 'scope_required'],
      who: role === 'admin' ? 'the admin role (an API token also needs the admin scope)' : `the ${role} role or higher`,
    },
  )

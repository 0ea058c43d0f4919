import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { decodeCursor, toPage } from '#core/http/pagination.ts'
import { type AppInstance, IdParams, NoContent, named, Page, problems } from '#core/http/schemas.ts'
import type { Deps } from '../../../deps.ts'
import { AUDIT_SORT, listAudit } from '../audit.queries.ts'
import { requestMeta } from '../audit.ts'
import type { Actor, SessionActor } from '../login/auth.hooks.ts'
import { User } from '../login/auth.schemas.ts'
import { requireRole, requireSession } from '../roles.ts'
import { listUserApiTokens } from '../tokens/tokens.queries.ts'
import { createApiToken, revokeApiToken } from '../tokens/tokens.service.ts'
import { presentApiToken, presentAuditEntry, presentUser } from '../users.present.ts'
import { listUsers, USER_SORT } from '../users.queries.ts'
import { ApiToken, ApiTokenBody, AuditEntry, AuditQuery, UserAccessBody, UserListQuery } from '../users.schemas.ts'
import { changeUserAccess } from './admin.service.ts'

const actor = (request: FastifyRequest) => request.actor as Actor

/** Personal API tokens (own, session only) and the admin's users and audit log. */
export function usersRoutes(app: AppInstance, deps: Pick<Deps, 'db' | 'clock'>) {
  const { db } = deps

  app.get(
    '/api/v1/tokens',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'listApiTokens',
        tags: ['tokens'],
        summary: 'Your API tokens',
        response: { 200: Type.Object({ data: Type.Array(ApiToken) }) },
      },
    },
    async (request) => ({ data: (await listUserApiTokens(db, actor(request).user.id)).map(presentApiToken) }),
  )

  app.post(
    '/api/v1/tokens',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'createApiToken',
        tags: ['tokens'],
        summary: 'Create an API token',
        description:
          'The token is in this answer only. Needs a verified address, and current_password unless you signed in within the last 10 minutes.',
        body: ApiTokenBody,
        response: {
          201: named('NewApiToken', Type.Intersect([ApiToken, Type.Object({ token: Type.String() })])),
          ...problems('email_not_verified'),
        },
      },
    },
    async (request, reply) => {
      const { token, row } = await createApiToken(db, request.actor as SessionActor, request.body, requestMeta(request), deps.clock())
      return reply.code(201).send({ ...presentApiToken(row), token })
    },
  )

  app.delete(
    '/api/v1/tokens/:id',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'revokeApiToken',
        tags: ['tokens'],
        summary: 'Revoke one of your API tokens',
        params: IdParams,
        response: { 204: NoContent('The token is revoked'), ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await revokeApiToken(db, actor(request).user, request.params.id, requestMeta(request))
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/v1/users',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'listUsers',
        tags: ['users'],
        summary: 'Users, newest first (admin)',
        querystring: UserListQuery,
        response: { 200: Page(User) },
      },
    },
    async (request) => {
      const { query } = request
      const rows = await listUsers(db, {
        limit: query.limit,
        after: decodeCursor(USER_SORT, query.cursor),
        q: query.q,
        role: query.role,
      })
      return toPage(rows, query.limit, presentUser, USER_SORT)
    },
  )

  app.patch(
    '/api/v1/users/:id',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'updateUserAccess',
        tags: ['users'],
        summary: "Change a user's role or disable the account (admin)",
        params: IdParams,
        body: UserAccessBody,
        response: { 200: User, ...problems('not_found', 'conflict') },
      },
    },
    async (request) => {
      return presentUser(
        await changeUserAccess(db, actor(request).user.id, request.params.id, request.body, requestMeta(request), deps.clock()),
      )
    },
  )

  app.get(
    '/api/v1/audit',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'listAuditEvents',
        tags: ['audit'],
        summary: 'Security events, newest first (admin)',
        querystring: AuditQuery,
        response: { 200: Page(AuditEntry) },
      },
    },
    async (request) => {
      const { query } = request
      const rows = await listAudit(db, {
        limit: query.limit,
        after: decodeCursor(AUDIT_SORT, query.cursor),
        userId: query.user_id,
        event: query.event,
      })
      return toPage(rows, query.limit, presentAuditEntry, AUDIT_SORT)
    },
  )
}

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Db } from '#core/db/database.ts'
import { decodeCursor, PageQuery, toPage } from '#core/http/pagination.ts'
import { changeUserAccess } from './admin.service.ts'
import { AUDIT_EVENTS, listAudit, type RequestMeta } from './audit.ts'
import type { Actor } from './auth.hooks.ts'
import { User } from './auth.schemas.ts'
import { requireRole, requireSession } from './roles.ts'
import { listUserApiTokens } from './tokens.queries.ts'
import { createApiToken, revokeApiToken } from './tokens.service.ts'
import { presentApiToken, presentAuditEntry, presentUser } from './users.present.ts'
import { listUsers, type Role } from './users.queries.ts'

const meta = (request: FastifyRequest): RequestMeta => ({ ip: request.ip, userAgent: request.headers['user-agent'] })
const actor = (request: FastifyRequest) => request.actor as Actor

const Scope = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')])
const ApiToken = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    prefix: Type.String({ description: 'the first characters, to recognise a token' }),
    scopes: Type.Array(Scope),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revoked: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
)
const AuditEntry = Type.Object({
  id: Type.Integer(),
  event: Type.String(),
  user_id: Type.Union([Type.Integer(), Type.Null()]),
  actor_id: Type.Union([Type.Integer(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String({ format: 'date-time' }),
})
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) })
const page = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ data: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) })

/** Personal API tokens (own, session only) and the admin's users and audit log. */
export function usersRoutes(app: FastifyInstance, deps: { db: Db }) {
  const { db } = deps

  app.get(
    '/api/v1/tokens',
    {
      preHandler: requireSession,
      schema: { tags: ['tokens'], summary: 'Your API tokens', response: { 200: Type.Object({ data: Type.Array(ApiToken) }) } },
    },
    async (request) => ({ data: (await listUserApiTokens(db, actor(request).user.id)).map(presentApiToken) }),
  )

  app.post(
    '/api/v1/tokens',
    {
      preHandler: requireSession,
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token (the token is in this answer only)',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
            scopes: Type.Array(Scope, { minItems: 1, maxItems: 3 }),
            expires_at: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([ApiToken, Type.Object({ token: Type.String() })]) },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; scopes: ('read' | 'write' | 'admin')[]; expires_at?: string }
      const { token, row } = await createApiToken(db, actor(request).user, body, meta(request))
      return reply.code(201).send({ ...presentApiToken(row), token })
    },
  )

  app.delete(
    '/api/v1/tokens/:id',
    { preHandler: requireSession, schema: { tags: ['tokens'], summary: 'Revoke one of your API tokens', params: IdParams } },
    async (request, reply) => {
      await revokeApiToken(db, actor(request).user, (request.params as { id: number }).id, meta(request))
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/users',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['users'],
        summary: 'Users, newest first (admin)',
        querystring: Type.Object(
          { ...PageQuery, q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: page(User) },
      },
    },
    async (request) => {
      const query = request.query as { limit: number; cursor?: string; q?: string }
      const rows = await listUsers(db, { limit: query.limit, beforeId: decodeCursor(query.cursor), q: query.q })
      return toPage(rows, query.limit, presentUser)
    },
  )

  app.patch(
    '/api/v1/users/:id',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['users'],
        summary: "Change a user's role or disable the account (admin)",
        params: IdParams,
        body: Type.Object(
          {
            role: Type.Optional(
              Type.Union([Type.Literal('admin'), Type.Literal('editor'), Type.Literal('author'), Type.Literal('member')]),
            ),
            disabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: User },
      },
    },
    async (request) => {
      const body = request.body as { role?: Role; disabled?: boolean }
      return presentUser(await changeUserAccess(db, actor(request).user.id, (request.params as { id: number }).id, body, meta(request)))
    },
  )

  app.get(
    '/api/v1/audit',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['audit'],
        summary: 'Security events, newest first (admin)',
        querystring: Type.Object(
          {
            ...PageQuery,
            user_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
            event: Type.Optional(Type.Union(AUDIT_EVENTS.map((e) => Type.Literal(e)))),
          },
          { additionalProperties: false },
        ),
        response: { 200: page(AuditEntry) },
      },
    },
    async (request) => {
      const query = request.query as { limit: number; cursor?: string; user_id?: number; event?: string }
      const rows = await listAudit(db, {
        limit: query.limit,
        beforeId: decodeCursor(query.cursor),
        userId: query.user_id,
        event: query.event,
      })
      return toPage(rows, query.limit, presentAuditEntry)
    },
  )
}

import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { type AppInstance, IdParams, NoContent, named, problems } from '#core/http/schemas.ts'
import type { Deps } from '../../../deps.ts'
import { requestMeta } from '../audit.ts'
import { requireSession } from '../roles.ts'
import type { SessionActor } from './auth.hooks.ts'
import { listOwnSessions, revokeOwnSession } from './sessions.service.ts'

const inSession = (request: FastifyRequest) => request.actor as SessionActor

const Session = named(
  'Session',
  Type.Object(
    {
      id: Type.Integer(),
      current: Type.Boolean({ description: 'the session of this request' }),
      ip: Type.Union([Type.String(), Type.Null()], { description: 'the address it signed in from' }),
      user_agent: Type.Union([Type.String(), Type.Null()]),
      created_at: Type.String({ format: 'date-time', description: 'when it signed in' }),
      last_seen_at: Type.String({ format: 'date-time', description: 'last used (updated at most hourly)' }),
    },
    { additionalProperties: false },
  ),
)

/** Your own browser sessions: list and revoke (issue 13). */
export function sessionsRoutes(app: AppInstance, deps: Pick<Deps, 'db' | 'clock'>) {
  const { db } = deps

  app.get(
    '/api/v1/auth/sessions',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'listSessions',
        tags: ['auth'],
        summary: 'Your active sessions',
        description: 'Most recently used first (at most 100).',
        response: { 200: Type.Object({ data: Type.Array(Session) }) },
      },
    },
    async (request) => {
      const sessions = await listOwnSessions(db, inSession(request), deps.clock())
      return {
        data: sessions.map((s) => ({ ...s, created_at: s.created_at.toISOString(), last_seen_at: s.last_seen_at.toISOString() })),
      }
    },
  )

  app.delete(
    '/api/v1/auth/sessions/:id',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'revokeSession',
        tags: ['auth'],
        summary: 'End one of your sessions',
        description: 'Signs that browser out. To sign out here, POST /api/v1/auth/logout (it also clears the cookie).',
        params: IdParams,
        response: { 204: NoContent('The session is ended'), ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await revokeOwnSession(db, inSession(request), request.params.id, requestMeta(request))
      return reply.code(204).send(null)
    },
  )
}

import type { FastifyRequest } from 'fastify'
import { decodeCursor, toPage } from '#core/http/pagination.ts'
import { type AppInstance, IdParams, NoContent, Page, problems } from '#core/http/schemas.ts'
import type { Deps } from '../../../deps.ts'
import { requestMeta } from '../audit.ts'
import type { Actor } from '../login/auth.hooks.ts'
import { User } from '../login/auth.schemas.ts'
import { requireRole } from '../roles.ts'
import { presentUser } from '../users.present.ts'
import { INVITATION_SORT, type InvitationRow, listPendingInvitations } from './invitations.queries.ts'
import { AcceptInvitationBody, Invitation, InvitationBody, InvitationListQuery } from './invitations.schemas.ts'
import { acceptInvitation, inviteUser, revokeInvitation } from './invitations.service.ts'

const actorId = (request: FastifyRequest) => (request.actor as Actor).user.id
const tags = ['invitations']

const presentInvitation = (now: Date) => (row: InvitationRow) => ({
  id: row.id,
  email: row.email,
  role: row.role,
  invited_by: row.invited_by === null ? null : Number(row.invited_by),
  expires_at: row.expires_at.toISOString(),
  expired: row.expires_at.getTime() <= now.getTime(),
  created_at: row.created_at.toISOString(),
})

/** Invitations (issue 13): administrators invite by e-mail; the invited person accepts with the mailed token. */
export function invitationsRoutes(app: AppInstance, deps: Pick<Deps, 'db' | 'clock' | 'config'>) {
  const { db } = deps

  app.post(
    '/api/v1/invitations',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'createInvitation',
        tags,
        summary: 'Invite someone by e-mail (admin)',
        description:
          'Mails a one-time link to /admin/accept-invitation (valid 7 days); a pending invitation of the same address is replaced. Works with sign-up off.',
        body: InvitationBody,
        response: { 201: Invitation, ...problems('conflict') },
      },
    },
    async (request, reply) => {
      const now = deps.clock()
      const row = await inviteUser(db, actorId(request), request.body, requestMeta(request), deps.config.publicUrl, now)
      return reply.code(201).send(presentInvitation(now)(row))
    },
  )

  app.get(
    '/api/v1/invitations',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'listInvitations',
        tags,
        summary: 'Invitations not yet accepted, newest first (admin)',
        querystring: InvitationListQuery,
        response: { 200: Page(Invitation) },
      },
    },
    async (request) => {
      const { query } = request
      const rows = await listPendingInvitations(db, { limit: query.limit, after: decodeCursor(INVITATION_SORT, query.cursor) })
      return toPage(rows, query.limit, presentInvitation(deps.clock()), INVITATION_SORT)
    },
  )

  app.delete(
    '/api/v1/invitations/:id',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'revokeInvitation',
        tags,
        summary: 'Revoke a pending invitation (admin)',
        params: IdParams,
        response: { 204: NoContent('The invitation is revoked; its link no longer works'), ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await revokeInvitation(db, actorId(request), request.params.id, requestMeta(request))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/v1/invitations/accept',
    {
      config: { checkOrigin: true },
      schema: {
        operationId: 'acceptInvitation',
        tags,
        summary: 'Create the invited account with the mailed token',
        description:
          'The account gets the invited address (verified) and role, and the name and password given. It does not sign in: sign in with POST /api/v1/auth/login.',
        body: AcceptInvitationBody,
        response: { 201: User, ...problems('conflict') },
      },
    },
    async (request, reply) => {
      return reply.code(201).send(presentUser(await acceptInvitation(db, request.body, requestMeta(request), deps.clock())))
    },
  )
}

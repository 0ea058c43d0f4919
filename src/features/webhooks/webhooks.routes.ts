import { Type } from 'typebox'
import { decodeCursor, toPage } from '#core/http/pagination.ts'
import { type AppInstance, IdParams, Page, problems } from '#core/http/schemas.ts'
import { requestMeta } from '../users/audit.ts'
import type { Actor } from '../users/login/auth.hooks.ts'
import { requireRole } from '../users/roles.ts'
import {
  presentDelivery,
  presentDeliveryDetail,
  presentDeliveryListItem,
  presentWebhook,
  presentWebhookListItem,
  presentWebhookWithSecret,
} from './webhooks.present.ts'
import { DELIVERY_SORT, WEBHOOK_SORT } from './webhooks.queries.ts'
import {
  CreateWebhookBody,
  Delivery,
  DeliveryDetail,
  DeliveryListItem,
  DeliveryListQuery,
  DeliveryParams,
  UpdateWebhookBody,
  WEBHOOK_EVENTS,
  Webhook,
  WebhookListItem,
  WebhookListQuery,
  WebhookWithSecret,
} from './webhooks.schemas.ts'
import {
  createWebhook,
  deleteWebhook,
  getDelivery,
  getWebhook,
  listDeliveries,
  listWebhooks,
  pingWebhook,
  redeliver,
  rotateWebhookSecret,
  updateWebhook,
  type WebhookDeps,
} from './webhooks.service.ts'

const tags = ['webhooks']
const actorId = (request: { actor: Actor | null }) => (request.actor as Actor).user.id

/**
 * Webhooks (issue 12, item 6; decision 0022), admins only: subscriptions under
 * /api/v1/webhooks, their delivery log, redelivery and a test ping. The events
 * themselves are queued by the features' writes (webhooks.events.ts) and sent
 * by the `webhooks.deliver` job (webhooks.jobs.ts).
 */
export function webhooksRoutes(app: AppInstance, deps: WebhookDeps) {
  const { db } = deps
  const admin = requireRole('admin')

  app.get(
    '/api/v1/webhooks',
    {
      onRequest: admin,
      schema: {
        operationId: 'listWebhooks',
        tags,
        summary: 'List webhook subscriptions, newest first, each with its newest delivery’s state (admins)',
        querystring: WebhookListQuery,
        response: { 200: Page(WebhookListItem) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query
      const rows = await listWebhooks(db, { limit, after: decodeCursor(WEBHOOK_SORT, cursor) })
      return toPage(rows, limit, presentWebhookListItem, WEBHOOK_SORT)
    },
  )

  app.post(
    '/api/v1/webhooks',
    {
      onRequest: admin,
      schema: {
        operationId: 'createWebhook',
        tags,
        summary: 'Subscribe a URL to events (admins); the answer shows the signing secret, this once',
        description: `Events: ${WEBHOOK_EVENTS.join(', ')}. Each delivery is a POST signed with \`Plinth-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">\` (README, Webhooks). At most 50 subscriptions (409).`,
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecret, ...problems('conflict') },
      },
    },
    async (request, reply) =>
      reply.code(201).send(presentWebhookWithSecret(await createWebhook(deps, actorId(request), request.body, requestMeta(request)))),
  )

  app.get(
    '/api/v1/webhooks/:id',
    {
      onRequest: admin,
      schema: {
        operationId: 'getWebhook',
        tags,
        summary: 'One webhook subscription, without its secret (admins)',
        params: IdParams,
        response: { 200: Webhook, ...problems('not_found') },
      },
    },
    async (request) => presentWebhook(await getWebhook(db, request.params.id)),
  )

  app.patch(
    '/api/v1/webhooks/:id',
    {
      onRequest: admin,
      schema: {
        operationId: 'updateWebhook',
        tags,
        summary: 'Change a webhook’s URL, events, status or description (admins)',
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...problems('not_found') },
      },
    },
    async (request) => presentWebhook(await updateWebhook(deps, actorId(request), request.params.id, request.body, requestMeta(request))),
  )

  app.delete(
    '/api/v1/webhooks/:id',
    {
      onRequest: admin,
      schema: {
        operationId: 'deleteWebhook',
        tags,
        summary: 'Delete a webhook with its delivery log (admins)',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await deleteWebhook(db, actorId(request), request.params.id, requestMeta(request))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/v1/webhooks/:id/rotate-secret',
    {
      onRequest: admin,
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'Replace the signing secret (admins); the answer shows the new one, this once',
        params: IdParams,
        response: { 200: WebhookWithSecret, ...problems('not_found') },
      },
    },
    async (request) => presentWebhookWithSecret(await rotateWebhookSecret(deps, actorId(request), request.params.id, requestMeta(request))),
  )

  app.post(
    '/api/v1/webhooks/:id/ping',
    {
      onRequest: admin,
      schema: {
        operationId: 'pingWebhook',
        tags,
        summary: 'Send a webhook.ping event to this subscription (admins); answers the queued delivery',
        params: IdParams,
        response: { 202: Delivery, ...problems('not_found') },
      },
    },
    async (request, reply) => reply.code(202).send(presentDelivery(await pingWebhook(deps, request.params.id))),
  )

  app.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      onRequest: admin,
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: 'A webhook’s deliveries, newest first, each with its newest attempt; filter by status (admins)',
        params: IdParams,
        querystring: DeliveryListQuery,
        response: { 200: Page(DeliveryListItem), ...problems('not_found') },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query
      const rows = await listDeliveries(db, request.params.id, { limit, after: decodeCursor(DELIVERY_SORT, cursor), status })
      return toPage(rows, limit, presentDeliveryListItem, DELIVERY_SORT)
    },
  )

  app.get(
    '/api/v1/webhooks/:id/deliveries/:deliveryId',
    {
      onRequest: admin,
      schema: {
        operationId: 'getWebhookDelivery',
        tags,
        summary: 'One delivery with its body and every attempt (status, duration, response excerpt) (admins)',
        params: DeliveryParams,
        response: { 200: DeliveryDetail, ...problems('not_found') },
      },
    },
    async (request) => presentDeliveryDetail(await getDelivery(db, request.params.id, request.params.deliveryId)),
  )

  app.post(
    '/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      onRequest: admin,
      schema: {
        operationId: 'redeliverWebhookDelivery',
        tags,
        summary: 'Send the same event again as a new delivery (admins)',
        params: DeliveryParams,
        response: { 202: Delivery, ...problems('not_found') },
      },
    },
    async (request, reply) => reply.code(202).send(presentDelivery(await redeliver(deps, request.params.id, request.params.deliveryId))),
  )
}

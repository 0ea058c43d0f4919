import { randomBytes, randomUUID } from 'node:crypto'
import type { Db } from '#core/db/database.ts'
import { conflict, type FieldError, invalid, notFound } from '#core/http/errors.ts'
import type { Cursor } from '#core/http/pagination.ts'
import type { Deps } from '../../deps.ts'
import { isWebhooksPrivateAllowed } from '../settings/settings.service.ts'
import { type RequestMeta, recordAudit } from '../users/audit.ts'
import { refusedLiteralHost } from './webhooks.address.ts'
import { queueAttempt } from './webhooks.events.ts'
import {
  countSubscriptions,
  type DeliveryRow,
  deleteSubscriptionRow,
  findDelivery,
  findSubscription,
  insertDelivery,
  insertSubscription,
  listAttempts,
  listDeliveryRows,
  listSubscriptionRows,
  lockSubscriptionCount,
  type SubscriptionRow,
  updateSubscriptionRow,
} from './webhooks.queries.ts'
import { type CreateWebhookBody, MAX_SUBSCRIPTIONS, MAX_URL_LENGTH, PING_EVENT, type UpdateWebhookBody } from './webhooks.schemas.ts'

export type WebhookDeps = Pick<Deps, 'db' | 'clock' | 'secrets'>

/** A new signing secret: 32 random bytes, base64url, with a prefix that says what it is. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`

/**
 * The URL as stored (what `URL` makes of it), or a 400 naming `url`: http or
 * https, a host, no user name or password (they would be sent to the receiver
 * and shown in the API), no fragment, and no literal IP address that is
 * loopback, private or reserved unless the setting allows them. A name is
 * checked when connecting (webhooks.address.ts), where DNS cannot fool the check.
 */
function checkUrl(url: string, allowPrivate: boolean): string {
  const fail = (message: string): never => {
    throw invalid([{ field: 'url', in: 'body', message } satisfies FieldError])
  }
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {}
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return fail('must be an absolute http or https URL')
  if (parsed.username !== '' || parsed.password !== '') return fail('must not carry a user name or password')
  if (parsed.hash !== '' || url.includes('#')) return fail('must not have a #fragment')
  if (parsed.hostname === '') return fail('must name a host')
  const refused = allowPrivate ? undefined : refusedLiteralHost(parsed.hostname)
  if (refused !== undefined)
    return fail(`points to ${parsed.hostname}, which ${refused} (the setting webhooks_allow_private allows private addresses)`)
  if (parsed.href.length > MAX_URL_LENGTH) return fail(`must be at most ${MAX_URL_LENGTH} characters`)
  return parsed.href
}

const auditDetails = (row: Pick<SubscriptionRow, 'id' | 'url'> & { events?: string[]; status?: string }) => ({
  webhook_id: Number(row.id),
  url: row.url,
  ...(row.events ? { events: row.events } : {}),
  ...(row.status ? { status: row.status } : {}),
})

export const listWebhooks = (db: Db, options: { limit: number; after: Cursor | undefined }) => listSubscriptionRows(db, options)

export async function getWebhook(db: Db, id: number): Promise<SubscriptionRow> {
  const row = await findSubscription(db, id)
  if (!row) throw notFound('webhook', id)
  return row
}

/**
 * Admins: a subscription, with the secret given or a new one, sealed at rest.
 * Answers the row and the secret in clear: the one time it is shown. 409 past
 * MAX_SUBSCRIPTIONS. Audited (`webhook_created`).
 */
export async function createWebhook(deps: WebhookDeps, actorId: number, input: CreateWebhookBody, meta: RequestMeta) {
  const url = checkUrl(input.url, await isWebhooksPrivateAllowed(deps.db))
  const secret = input.secret ?? newSecret()
  const row = await deps.db.transaction().execute(async (trx) => {
    await lockSubscriptionCount(trx)
    if ((await countSubscriptions(trx)) >= MAX_SUBSCRIPTIONS)
      throw conflict(`A site keeps at most ${MAX_SUBSCRIPTIONS} webhooks; delete one first.`)
    const created = await insertSubscription(trx, {
      url,
      events: input.events,
      status: input.status ?? 'active',
      secret_sealed: deps.secrets.seal(secret),
      description: input.description ?? '',
      now: deps.clock(),
    })
    await recordAudit(trx, { event: 'webhook_created', userId: null, actorId, meta, details: auditDetails(created) })
    return created
  })
  return { row, secret }
}

/** Admins: changes the fields sent. Audited (`webhook_changed`, with the fields changed). */
export async function updateWebhook(deps: WebhookDeps, actorId: number, id: number, input: UpdateWebhookBody, meta: RequestMeta) {
  const url = input.url === undefined ? undefined : checkUrl(input.url, await isWebhooksPrivateAllowed(deps.db))
  return deps.db.transaction().execute(async (trx) => {
    const row = await updateSubscriptionRow(trx, id, { ...input, url, now: deps.clock() })
    if (!row) throw notFound('webhook', id)
    await recordAudit(trx, {
      event: 'webhook_changed',
      userId: null,
      actorId,
      meta,
      details: { ...auditDetails(row), fields: Object.keys(input) },
    })
    return row
  })
}

/** Admins: deletes the subscription with its delivery log; its queued attempts find nothing and stop. Audited. */
export function deleteWebhook(db: Db, actorId: number, id: number, meta: RequestMeta) {
  return db.transaction().execute(async (trx) => {
    const row = await deleteSubscriptionRow(trx, id)
    if (!row) throw notFound('webhook', id)
    await recordAudit(trx, { event: 'webhook_deleted', userId: null, actorId, meta, details: auditDetails(row) })
  })
}

/** Admins: a new secret replaces the old at once (deliveries from now on are signed with it). Answers it, once. Audited. */
export async function rotateWebhookSecret(deps: WebhookDeps, actorId: number, id: number, meta: RequestMeta) {
  const secret = newSecret()
  const row = await deps.db.transaction().execute(async (trx) => {
    const updated = await updateSubscriptionRow(trx, id, { secret_sealed: deps.secrets.seal(secret), now: deps.clock() })
    if (!updated) throw notFound('webhook', id)
    await recordAudit(trx, { event: 'webhook_secret_rotated', userId: null, actorId, meta, details: auditDetails(updated) })
    return updated
  })
  return { row, secret }
}

export async function listDeliveries(
  db: Db,
  id: number,
  options: { limit: number; after: Cursor | undefined; status: DeliveryRow['status'] | undefined },
) {
  await getWebhook(db, id)
  return listDeliveryRows(db, id, options)
}

/** A delivery of webhook `id` with its attempts; 404 when either does not exist. */
export async function getDelivery(db: Db, id: number, deliveryId: number) {
  const delivery = await findDelivery(db, id, deliveryId)
  if (!delivery) throw notFound('delivery', deliveryId)
  return { delivery, attempts: await listAttempts(db, deliveryId) }
}

/**
 * A new delivery of the same event (same id, type, time and data: a receiver
 * that deduplicates by event id sees a repeat), to the subscription's URL and
 * secret as they are now, with its own attempts; sent even when paused.
 */
export async function redeliver(deps: WebhookDeps, id: number, deliveryId: number): Promise<DeliveryRow> {
  const now = deps.clock()
  return deps.db.transaction().execute(async (trx) => {
    const original = await findDelivery(trx, id, deliveryId)
    if (!original) throw notFound('delivery', deliveryId)
    const event = { id: original.event_id, type: original.event_type, createdAt: original.event_created_at, data: original.data }
    const row = await insertDelivery(trx, id, event, Number(original.id), now)
    await queueAttempt(trx, Number(row.id), 1, now)
    return row
  })
}

/** A `webhook.ping` event to this subscription alone (active or paused), to test the receiver. */
export async function pingWebhook(deps: WebhookDeps, id: number): Promise<DeliveryRow> {
  const now = deps.clock()
  return deps.db.transaction().execute(async (trx) => {
    const subscription = await findSubscription(trx, id)
    if (!subscription) throw notFound('webhook', id)
    const event = { id: randomUUID(), type: PING_EVENT, createdAt: now, data: { webhook_id: Number(subscription.id) } }
    const row = await insertDelivery(trx, id, event, null, now)
    await queueAttempt(trx, Number(row.id), 1, now)
    return row
  })
}

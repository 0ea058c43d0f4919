import { randomUUID } from 'node:crypto'
import type { RawBuilder } from 'kysely'
import type { Db } from '#core/db/database.ts'
import { enqueueJob, enqueueJobsFrom } from '#core/jobs/queue.ts'
import { deliveriesForEvent, eventData, eventDeliveryCtes } from './webhooks.queries.ts'
import type { WebhookEvent } from './webhooks.schemas.ts'

/** The job that makes one attempt at one delivery (webhooks.jobs.ts). */
export const DELIVER_JOB = 'webhooks.deliver'
export type DeliverPayload = { delivery_id: number; attempt: number }

/**
 * Queues `type` with `data` for every active subscription that asked for it:
 * one delivery row and one job each. Call it inside the transaction of the
 * write that caused the event (decision 0022): the deliveries commit with the
 * write or not at all, so an instance stopped right after answering loses no
 * event (the next worker sends it). Without subscribers it costs one indexed
 * read and writes nothing. `now` is the caller's clock (deps.clock); a write
 * without one leaves the time to the database.
 */
export async function enqueueWebhookEvent(trx: Db, type: WebhookEvent, data: Record<string, unknown>, now?: Date): Promise<void> {
  // The deliveries and their first attempts' jobs in one statement (due at the event's time).
  await enqueueJobsFrom(trx, deliveriesForEvent({ id: randomUUID(), type, createdAt: now, data: eventData(data) }), { name: DELIVER_JOB })
}

/** Queues attempt `attempt` of a delivery at `runAt`. */
export const queueAttempt = (db: Db, deliveryId: number, attempt: number, runAt: Date | undefined) =>
  enqueueJob(db, { name: DELIVER_JOB, payload: { delivery_id: deliveryId, attempt } satisfies DeliverPayload, runAt })

type ContentItem = { type: 'post' | 'page'; id: number; status: string; title?: string; slug?: string; published_at?: Date | null }

/**
 * The event of a content write, from the item's status before and after it
 * (decision 0022): published when it goes public, updated when a public item is
 * saved, unpublished when it leaves (an unpublish or archive action on an item
 * published before: `before` may be unknown there), deleted when a public item
 * is deleted (`after` undefined). Drafts make no event.
 */
export async function queueContentEvent(trx: Db, before: { status: string } | undefined, after: ContentItem, deleted = false) {
  const wasPublic = before?.status === 'published'
  let event: `${'post' | 'page'}.${'published' | 'updated' | 'unpublished' | 'deleted'}` | undefined
  if (deleted) event = wasPublic ? `${after.type}.deleted` : undefined
  else if (after.status === 'published') event = wasPublic ? `${after.type}.updated` : `${after.type}.published`
  else if (wasPublic || (before === undefined && after.published_at)) event = `${after.type}.unpublished`
  if (event === undefined) return
  await enqueueWebhookEvent(trx, event, {
    id: Number(after.id),
    type: after.type,
    ...(deleted
      ? {}
      : { title: after.title, slug: after.slug, status: after.status, published_at: after.published_at?.toISOString() ?? null }),
  })
}

type ProductItem = {
  id: number
  sku?: string
  name?: string
  slug?: string
  status?: string
  price_minor?: number | string
  stock?: number | null
}

/** product.created, product.updated or product.deleted, with the product's main fields (its id only when deleted). */
export async function queueProductEvent(trx: Db, event: 'product.created' | 'product.updated' | 'product.deleted', product: ProductItem) {
  const data =
    event === 'product.deleted'
      ? { id: Number(product.id) }
      : {
          id: Number(product.id),
          sku: product.sku,
          name: product.name,
          slug: product.slug,
          status: product.status,
          price_minor: product.price_minor === undefined ? undefined : Number(product.price_minor),
          stock: product.stock,
        }
  await enqueueWebhookEvent(trx, event, data)
}

/**
 * form.submitted for an accepted (non-spam) submission: the form, and the values sent (file fields as
 * their file names). As CTEs of the statement that stores the submission (forms.queries.ts,
 * storeSubmission), for the row of `accepted` (the name of its CTE: the stored row when it is not spam),
 * so a submission, its mails and this event are one round trip; the submission's id is set there.
 */
export const formSubmittedEvent = (
  form: { id: number; slug: string; name: string },
  submission: { form_version: number; data: unknown; created_at: Date },
  accepted: RawBuilder<unknown>,
) =>
  eventDeliveryCtes(
    {
      id: randomUUID(),
      type: 'form.submitted' satisfies WebhookEvent,
      createdAt: submission.created_at,
      data: {
        form: { id: Number(form.id), slug: form.slug, name: form.name },
        submission: {
          id: null,
          form_version: submission.form_version,
          data: submission.data,
          created_at: submission.created_at.toISOString(),
        },
      },
      idPath: ['submission', 'id'],
    },
    accepted,
    DELIVER_JOB,
  )

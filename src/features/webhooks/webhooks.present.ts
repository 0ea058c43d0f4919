import type { AttemptRow, DeliveryListRow, DeliveryRow, SubscriptionListRow, SubscriptionRow } from './webhooks.queries.ts'
import type { WebhookEvent } from './webhooks.schemas.ts'

/** A subscription as the API shows it: never its secret (the one place a row becomes output, STYLE §8). */
export const presentWebhook = (row: SubscriptionRow) => ({
  id: Number(row.id),
  url: row.url,
  events: row.events as WebhookEvent[],
  status: row.status,
  description: row.description,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
})

/** A subscription in the list: with its newest delivery's state (null before the first). */
export const presentWebhookListItem = (row: SubscriptionListRow) => ({
  ...presentWebhook(row),
  last_delivery:
    row.last_delivery_status === null || row.last_delivery_created_at === null
      ? null
      : {
          status: row.last_delivery_status,
          event_type: row.last_delivery_event_type ?? '',
          created_at: row.last_delivery_created_at.toISOString(),
        },
})

/** The answer to a create or a rotation: the secret in clear, this once. */
export const presentWebhookWithSecret = ({ row, secret }: { row: SubscriptionRow; secret: string }) => ({
  ...presentWebhook(row),
  secret,
})

export const presentDelivery = (row: DeliveryRow) => ({
  id: Number(row.id),
  webhook_id: Number(row.subscription_id),
  event_id: row.event_id,
  event_type: row.event_type,
  status: row.status,
  attempts: row.attempts,
  next_attempt_at: row.status === 'pending' && row.next_attempt_at ? row.next_attempt_at.toISOString() : null,
  redelivery_of: row.redelivery_of === null ? null : Number(row.redelivery_of),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
})

/** A delivery in the log: with its newest attempt's outcome, HTTP status, duration and answer (null before the first). */
export const presentDeliveryListItem = (row: DeliveryListRow) => ({
  ...presentDelivery(row),
  last_attempt:
    row.last_outcome === null
      ? null
      : {
          outcome: row.last_outcome,
          status_code: row.last_status_code,
          duration_ms: row.last_duration_ms ?? 0,
          error: row.last_error,
          response_excerpt: row.last_response_excerpt,
        },
})

export const presentAttempt = (row: AttemptRow) => ({
  number: row.number,
  started_at: row.started_at.toISOString(),
  duration_ms: row.duration_ms,
  outcome: row.outcome,
  status_code: row.status_code,
  error: row.error,
  response_excerpt: row.response_excerpt,
})

/** A delivery with the body it sends and every attempt so far. */
export const presentDeliveryDetail = ({ delivery, attempts }: { delivery: DeliveryRow; attempts: AttemptRow[] }) => ({
  ...presentDelivery(delivery),
  payload: {
    id: delivery.event_id,
    type: delivery.event_type,
    created_at: delivery.event_created_at.toISOString(),
    data: delivery.data,
  },
  attempt_log: attempts.map(presentAttempt),
})

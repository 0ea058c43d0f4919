import { type Static, type TLiteral, type TUnion, Type } from 'typebox'
import { Id, named, PageQuery, QueryString } from '#core/http/schemas.ts'

/**
 * The events a subscription may ask for (issue 12, item 6; decision 0022),
 * defined here only. Content and product events are about what the public sees:
 * `*.published` when an item goes public, `*.updated` when a public item is
 * saved, `*.unpublished` when it leaves the site (unpublished or archived),
 * `*.deleted` when a public item is deleted.
 */
export const WEBHOOK_EVENTS = [
  'form.submitted',
  'post.published',
  'post.updated',
  'post.unpublished',
  'post.deleted',
  'page.published',
  'page.updated',
  'page.unpublished',
  'page.deleted',
  'product.created',
  'product.updated',
  'product.deleted',
] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/** The test event POST /webhooks/{id}/ping sends; no subscription asks for it. */
export const PING_EVENT = 'webhook.ping'
export type DeliveredEvent = WebhookEvent | typeof PING_EVENT

export const SUBSCRIPTION_STATUSES = ['active', 'paused'] as const
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const
export const ATTEMPT_OUTCOMES = ['succeeded', 'http_error', 'timeout', 'network_error', 'refused'] as const

const literals = <const T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  ) as unknown as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>

export const MAX_URL_LENGTH = 2000
/** The most subscriptions a site keeps (each event makes a delivery per subscription). */
export const MAX_SUBSCRIPTIONS = 50

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: MAX_URL_LENGTH,
  description:
    'http or https, without user name or password; a host that is (or resolves to) a loopback, private, link-local or metadata address is refused unless the setting webhooks_allow_private is on',
  examples: ['https://hooks.example.com/plinth'],
})
const Events = Type.Array(literals(WEBHOOK_EVENTS), {
  minItems: 1,
  maxItems: WEBHOOK_EVENTS.length,
  uniqueItems: true,
  description: `The events to send: ${WEBHOOK_EVENTS.join(', ')}`,
})
const Secret = Type.String({
  minLength: 16,
  maxLength: 200,
  pattern: '^[\\x21-\\x7e]+$',
  description: 'The signing secret (16-200 printable ASCII characters); generated when left out',
})
const Description = Type.String({ maxLength: 500 })
const Status = literals(SUBSCRIPTION_STATUSES, { description: 'paused: no new deliveries' })

export const CreateWebhookBody = Type.Object(
  {
    url: WebhookUrl,
    events: Events,
    status: Type.Optional(Status),
    description: Type.Optional(Description),
    secret: Type.Optional(Secret),
  },
  { additionalProperties: false },
)
export type CreateWebhookBody = Static<typeof CreateWebhookBody>

export const UpdateWebhookBody = Type.Object(
  { url: Type.Optional(WebhookUrl), events: Type.Optional(Events), status: Type.Optional(Status), description: Type.Optional(Description) },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>

const webhookFields = {
  id: Id,
  url: Type.String(),
  events: Type.Array(literals(WEBHOOK_EVENTS)),
  status: literals(SUBSCRIPTION_STATUSES),
  description: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
}

/** A subscription as every read shows it: never its secret. */
export const Webhook = named('Webhook', Type.Object(webhookFields))

/** A subscription in the list (GET /webhooks): with its newest delivery's state, for the admin's list. */
export const WebhookListItem = named(
  'WebhookListItem',
  Type.Object({
    ...webhookFields,
    last_delivery: Type.Union(
      [
        Type.Object({
          status: literals(DELIVERY_STATUSES),
          event_type: Type.String(),
          created_at: Type.String({ format: 'date-time' }),
        }),
        Type.Null(),
      ],
      { description: 'The newest delivery (status, event, when); null before the first' },
    ),
  }),
)

/** The answer to a create or a secret rotation: the only times the secret is shown. */
export const WebhookWithSecret = named(
  'WebhookWithSecret',
  Type.Object({ ...webhookFields, secret: Type.String({ description: 'Shown this once; store it to verify signatures' }) }),
)

export const WebhookListQuery = QueryString({ ...PageQuery })

export const DeliveryListQuery = QueryString({
  ...PageQuery,
  status: Type.Optional(literals(DELIVERY_STATUSES)),
})

export const DeliveryParams = Type.Object({ id: Id, deliveryId: Id })

const deliveryFields = {
  id: Id,
  webhook_id: Id,
  event_id: Type.String({ format: 'uuid' }),
  event_type: Type.String(),
  status: literals(DELIVERY_STATUSES, { description: 'pending: not yet delivered (retries remain); failed: every attempt failed' }),
  attempts: Type.Integer({ minimum: 0 }),
  next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  redelivery_of: Type.Union([Id, Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
}

export const Delivery = named('WebhookDelivery', Type.Object(deliveryFields))

export const Attempt = named(
  'WebhookAttempt',
  Type.Object({
    number: Type.Integer({ minimum: 1 }),
    started_at: Type.String({ format: 'date-time' }),
    duration_ms: Type.Integer({ minimum: 0 }),
    outcome: literals(ATTEMPT_OUTCOMES, { description: 'refused: the address is not allowed (private, loopback…)' }),
    status_code: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    response_excerpt: Type.Union([Type.String(), Type.Null()], { description: 'The first 1 KiB of the answer' }),
  }),
)

/** A delivery in the log (GET /webhooks/{id}/deliveries): with its newest attempt, for the admin's delivery log. */
export const DeliveryListItem = named(
  'WebhookDeliveryListItem',
  Type.Object({
    ...deliveryFields,
    last_attempt: Type.Union(
      [
        Type.Object({
          outcome: literals(ATTEMPT_OUTCOMES),
          status_code: Type.Union([Type.Integer(), Type.Null()]),
          duration_ms: Type.Integer({ minimum: 0 }),
          error: Type.Union([Type.String(), Type.Null()]),
          response_excerpt: Type.Union([Type.String(), Type.Null()], { description: 'The first 1 KiB of the answer' }),
        }),
        Type.Null(),
      ],
      { description: 'The newest attempt; null before the first' },
    ),
  }),
)

export const DeliveryDetail = named(
  'WebhookDeliveryDetail',
  Type.Object({
    ...deliveryFields,
    payload: Type.Unknown({ description: 'The body sent: {id, type, created_at, data}' }),
    attempt_log: Type.Array(Attempt),
  }),
)

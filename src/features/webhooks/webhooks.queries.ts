import type { RawBuilder } from 'kysely'
import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'
import { jobsFrom } from '#core/jobs/queue.ts'

export type SubscriptionRow = {
  id: number
  url: string
  events: string[]
  status: 'active' | 'paused'
  secret_sealed: string
  description: string
  created_at: Date
  updated_at: Date
}

const SUBSCRIPTION_COLUMNS = sql`id, url, events, status, secret_sealed, description, created_at, updated_at`

export const WEBHOOK_SORT: Sort = { name: 'webhooks', direction: 'desc', key: null }
export const DELIVERY_SORT: Sort = { name: 'webhook-deliveries', direction: 'desc', key: null }

/** A subscription in the list, with its newest delivery (null before the first): what the admin's list shows. */
export type SubscriptionListRow = SubscriptionRow & {
  last_delivery_status: 'pending' | 'succeeded' | 'failed' | null
  last_delivery_event_type: string | null
  last_delivery_created_at: Date | null
}

export const listSubscriptionRows = (db: Db, options: { limit: number; after: Cursor | undefined }) => {
  const page = keyset(WEBHOOK_SORT, { id: sql`s.id` }, options.after)
  // The newest delivery per listed subscription: one index probe each on (subscription_id, id).
  return sql<SubscriptionListRow & { cursor_key: null }>`select s.id, s.url, s.events, s.status, s.secret_sealed, s.description,
        s.created_at, s.updated_at, last.status as last_delivery_status, last.event_type as last_delivery_event_type,
        last.created_at as last_delivery_created_at, ${page.cursorKey}
      from webhook_subscriptions s
      left join lateral (select d.status, d.event_type, d.created_at from webhook_deliveries d
                          where d.subscription_id = s.id order by d.id desc limit 1) last on true
     where ${page.after} order by ${page.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

export const findSubscription = (db: Db, id: number) =>
  sql<SubscriptionRow>`select ${SUBSCRIPTION_COLUMNS} from webhook_subscriptions where id = ${id}`.execute(db).then((r) => r.rows[0])

/**
 * Serialises creations (a transaction-level advisory lock, released at commit)
 * so that two at once cannot both pass the count below the limit.
 */
export const lockSubscriptionCount = (db: Db) => sql`select pg_advisory_xact_lock(hashtext('plinth:webhook_subscriptions'))`.execute(db)

export const countSubscriptions = (db: Db) =>
  sql<{ n: number }>`select count(*)::int as n from webhook_subscriptions`.execute(db).then((r) => Number(r.rows[0]?.n ?? 0))

export const insertSubscription = (
  db: Db,
  row: Pick<SubscriptionRow, 'url' | 'events' | 'status' | 'secret_sealed' | 'description'> & { now: Date },
) =>
  sql<SubscriptionRow>`insert into webhook_subscriptions (url, events, status, secret_sealed, description, created_at, updated_at)
    values (${row.url}, ${row.events}::text[], ${row.status}, ${row.secret_sealed}, ${row.description}, ${row.now}, ${row.now})
    returning ${SUBSCRIPTION_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as SubscriptionRow)

export const updateSubscriptionRow = (
  db: Db,
  id: number,
  change: Partial<Pick<SubscriptionRow, 'url' | 'events' | 'status' | 'description' | 'secret_sealed'>> & { now: Date },
) =>
  sql<SubscriptionRow>`update webhook_subscriptions
       set url = coalesce(${change.url ?? null}, url),
           events = coalesce(${change.events ?? null}::text[], events),
           status = coalesce(${change.status ?? null}, status),
           description = coalesce(${change.description ?? null}, description),
           secret_sealed = coalesce(${change.secret_sealed ?? null}, secret_sealed),
           updated_at = ${change.now}
     where id = ${id}
    returning ${SUBSCRIPTION_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

export const deleteSubscriptionRow = (db: Db, id: number) =>
  sql<Pick<SubscriptionRow, 'id' | 'url'>>`delete from webhook_subscriptions where id = ${id} returning id, url`
    .execute(db)
    .then((r) => r.rows[0])

// --- deliveries ------------------------------------------------------------

export type DeliveryRow = {
  id: number
  subscription_id: number
  event_id: string
  event_type: string
  event_created_at: Date
  data: unknown
  status: 'pending' | 'succeeded' | 'failed'
  attempts: number
  next_attempt_at: Date | null
  redelivery_of: number | null
  created_at: Date
  updated_at: Date
}

const DELIVERY_COLUMNS = sql`id, subscription_id, event_id, event_type, event_created_at, data, status, attempts, next_attempt_at,
  redelivery_of, created_at, updated_at`

export type NewEvent = { id: string; type: string; createdAt: Date; data: unknown }

/**
 * The delivery rows of an event, one per active subscription that asked for it (and per row of `source`,
 * a relation the statement has: one row by default), as a statement whose rows are the first attempt's
 * job: `payload` (DeliverPayload) and `run_at` (enqueueJobsFrom). `data` is a jsonb expression, which may
 * read `source`'s columns; `createdAt` undefined: the transaction's time (`now()`), without a round trip
 * to ask for it.
 */
export const deliveriesForEvent = (
  event: Omit<NewEvent, 'createdAt' | 'data'> & { createdAt: Date | undefined; data: RawBuilder<unknown> },
  source: RawBuilder<unknown> = sql`(select 1)`,
) =>
  sql`insert into webhook_deliveries (subscription_id, event_id, event_type, event_created_at, data, next_attempt_at, created_at)
    select s.id, ${event.id}::uuid, ${event.type}, at.now, ${event.data}, at.now, at.now
      from webhook_subscriptions s, ${source} as source, (select coalesce(${event.createdAt ?? null}::timestamptz, now()) as now) at
     where s.status = 'active' and ${event.type} = any(s.events)
    returning jsonb_build_object('delivery_id', id, 'attempt', 1) as payload, next_attempt_at as run_at`

/** An event's data, sent as text and cast on the server (decision 0002). */
export const eventData = (data: unknown) => sql`${JSON.stringify(data)}::text::jsonb`

/**
 * An event's deliveries and their first attempts' jobs (`jobName`) as two CTEs of a caller's statement,
 * for each row of `source` (a CTE's name): a write, its event and more in one round trip. Each row's `id`
 * (which the statement itself draws) is set into the event's data at `idPath`.
 */
export const eventDeliveryCtes = (event: NewEvent & { idPath: readonly string[] }, source: RawBuilder<unknown>, jobName: string) =>
  sql`event_deliveries as (${deliveriesForEvent(
    { ...event, data: sql`jsonb_set(${eventData(event.data)}, ${event.idPath}::text[], to_jsonb(source.id))` },
    source,
  )}),
    event_jobs as (${jobsFrom(sql`event_deliveries`, { name: jobName })})`

/** One pending delivery to one subscription (a ping, a redelivery), whatever its status and events. */
export const insertDelivery = (db: Db, subscriptionId: number, event: NewEvent, redeliveryOf: number | null, now: Date) =>
  sql<DeliveryRow>`insert into webhook_deliveries
      (subscription_id, event_id, event_type, event_created_at, data, next_attempt_at, redelivery_of, created_at, updated_at)
    values (${subscriptionId}, ${event.id}::uuid, ${event.type}, ${event.createdAt}, ${eventData(event.data)}, ${now},
            ${redeliveryOf}, ${now}, ${now})
    returning ${DELIVERY_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as DeliveryRow)

/** A delivery in the log, with its newest attempt (null before the first): what the admin's delivery log shows. */
export type DeliveryListRow = DeliveryRow & {
  last_outcome: AttemptRow['outcome'] | null
  last_status_code: number | null
  last_duration_ms: number | null
  last_error: string | null
  last_response_excerpt: string | null
}

export const listDeliveryRows = (
  db: Db,
  subscriptionId: number,
  options: { limit: number; after: Cursor | undefined; status: DeliveryRow['status'] | undefined },
) => {
  // The filter is in the statement only when given (decision 0013).
  const page = keyset(DELIVERY_SORT, { id: sql`d.id` }, options.after)
  // The newest attempt per listed delivery: one probe each of the (delivery_id, number) primary key.
  return sql<DeliveryListRow & { cursor_key: null }>`select d.id, d.subscription_id, d.event_id, d.event_type, d.event_created_at,
        d.data, d.status, d.attempts, d.next_attempt_at, d.redelivery_of, d.created_at, d.updated_at,
        a.outcome as last_outcome, a.status_code as last_status_code, a.duration_ms as last_duration_ms, a.error as last_error,
        a.response_excerpt as last_response_excerpt, ${page.cursorKey}
      from webhook_deliveries d
      left join lateral (select outcome, status_code, duration_ms, error, response_excerpt from webhook_attempts
                          where delivery_id = d.id order by number desc limit 1) a on true
     where d.subscription_id = ${subscriptionId} ${options.status ? sql`and d.status = ${options.status}` : sql``} and ${page.after}
     order by ${page.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

/** A delivery of one subscription (the subscription is part of the key, so another's delivery is not found). */
export const findDelivery = (db: Db, subscriptionId: number, id: number) =>
  sql<DeliveryRow>`select ${DELIVERY_COLUMNS} from webhook_deliveries where id = ${id} and subscription_id = ${subscriptionId}`
    .execute(db)
    .then((r) => r.rows[0])

/** What the delivery job needs: the delivery and its subscription's URL and sealed secret. */
export const findDeliveryToSend = (db: Db, id: number) =>
  sql<DeliveryRow & Pick<SubscriptionRow, 'url' | 'secret_sealed'>>`
    select d.id, d.subscription_id, d.event_id, d.event_type, d.event_created_at, d.data, d.status, d.attempts, d.next_attempt_at,
           d.redelivery_of, d.created_at, d.updated_at, s.url, s.secret_sealed
      from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id
     where d.id = ${id}`
    .execute(db)
    .then((r) => r.rows[0])

export type AttemptRow = {
  delivery_id: number
  number: number
  started_at: Date
  duration_ms: number
  outcome: 'succeeded' | 'http_error' | 'timeout' | 'network_error' | 'refused'
  status_code: number | null
  error: string | null
  response_excerpt: string | null
}

export const listAttempts = (db: Db, deliveryId: number) =>
  sql<AttemptRow>`select delivery_id, number, started_at, duration_ms, outcome, status_code, error, response_excerpt
      from webhook_attempts where delivery_id = ${deliveryId} order by number`
    .execute(db)
    .then((r) => r.rows)

export const insertAttempt = (db: Db, attempt: AttemptRow) =>
  sql`insert into webhook_attempts (delivery_id, number, started_at, duration_ms, outcome, status_code, error, response_excerpt)
    values (${attempt.delivery_id}, ${attempt.number}, ${attempt.started_at}, ${attempt.duration_ms}, ${attempt.outcome},
            ${attempt.status_code}, ${attempt.error}, ${attempt.response_excerpt})`.execute(db)

/**
 * Records the outcome of attempt `number` on a pending delivery that has had
 * `number - 1` attempts; false when another run recorded it first (the job ran twice).
 */
export const recordDeliveryOutcome = (
  db: Db,
  id: number,
  number: number,
  outcome: { status: DeliveryRow['status']; nextAttemptAt: Date | null },
) =>
  sql`update webhook_deliveries set status = ${outcome.status}, attempts = ${number}, next_attempt_at = ${outcome.nextAttemptAt},
        updated_at = now()
      where id = ${id} and status = 'pending' and attempts = ${number - 1}`
    .execute(db)
    .then((r) => r.numAffectedRows === 1n)

/** Deletes up to `limit` deliveries (with their attempts) created before `before`, oldest first; answers how many. */
export const deleteDeliveriesBefore = (db: Db, before: Date, limit: number) =>
  sql`delete from webhook_deliveries
       where id in (select id from webhook_deliveries where created_at < ${before} order by created_at limit ${limit})`
    .execute(db)
    .then((r) => Number(r.numAffectedRows ?? 0))

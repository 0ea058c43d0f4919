import type { RawBuilder } from 'kysely'
import { type Db, sql } from '#core/db/database.ts'

// The limiter's counters live in `login_throttle` (migration 0007): the table
// kept its first user's name when the limiter moved to core (issue 8); any
// caller's keys live there, prefixed by what they count.

/** The latest end of a lock among `keys` that is still in force at `now`, or undefined. */
export const findLockedUntil = (db: Db, keys: readonly string[], now: Date) =>
  sql<{ locked_until: Date | null }>`select max(locked_until) as locked_until
    from login_throttle where key = any(${keys}::text[]) and locked_until > ${now}`
    .execute(db)
    .then((r) => r.rows[0]?.locked_until ?? undefined)

/** One hit on a key: the count starts again at 1 when the key's window began at or before `windowStartedBefore`. */
export type Hit = { key: string; windowStartedBefore: Date }

/**
 * The upsert that counts `hit` at `now` when `when` holds: returns the count after this hit and the end of
 * the key's lock when one is in force at `now` (null otherwise), read in the same statement (so under the
 * row's lock: concurrent hits on one key see each other).
 */
const countHitStatement = (hit: Hit, now: Date, when: RawBuilder<unknown>) =>
  sql`insert into login_throttle as t (key, failures, window_started_at) select ${hit.key}::text, 1, ${now}::timestamptz where ${when}
    on conflict (key) do update set
      failures = case when t.window_started_at <= ${hit.windowStartedBefore} then 1 else t.failures + 1 end,
      window_started_at = case when t.window_started_at <= ${hit.windowStartedBefore} then ${now} else t.window_started_at end
    returning failures as hits, case when locked_until > ${now} then locked_until end as locked_until`

type CountedRow = { hits: number; locked_until: Date | null }

const counted = (row: CountedRow | undefined) => ({ hits: Number(row?.hits ?? 0), lockedUntil: row?.locked_until ?? null })

/** Counts one hit on a key (countHitStatement). */
export const countHit = (db: Db, hit: Hit, now: Date) =>
  sql<CountedRow>`${countHitStatement(hit, now, sql`true`)}`.execute(db).then((r) => counted(r.rows[0]))

/**
 * Counts hits on several keys in one statement, in order: a key is counted only when the one before it
 * was counted and allowed (not locked, and its count after the hit within `limit`). Returns the counts
 * made and the locks in force, in order: fewer than `hits` when one was refused. The keys must differ.
 */
export const countHitsInOrder = (db: Db, hits: readonly (Hit & { limit: number })[], now: Date) => {
  const step = (i: number) => sql.id(`hit_${i}`)
  const steps = hits.map((hit, i) => {
    const before = hits[i - 1]
    const when = before ? sql`coalesce((select locked_until is null and hits <= ${before.limit} from ${step(i - 1)}), false)` : sql`true`
    return sql`${step(i)} as (${countHitStatement(hit, now, when)})`
  })
  const results = hits.map((_, i) => sql`select ${i}::int as i, hits, locked_until from ${step(i)}`)
  return sql<CountedRow & { i: number }>`with ${sql.join(steps)} ${sql.join(results, sql` union all `)} order by i`
    .execute(db)
    .then((r) => r.rows.map(counted))
}

/** Locks `key` until `lockedUntil` and starts a new window at `now` with no hits. */
export const lockKey = (db: Db, key: string, now: Date, lockedUntil: Date) =>
  sql`update login_throttle set locked_until = ${lockedUntil}, failures = 0, window_started_at = ${now} where key = ${key}`.execute(db)

export const deleteLimitKey = (db: Db, key: string) => sql`delete from login_throttle where key = ${key}`.execute(db)

/** The rows of `keys` as they stand: hits in the window that began at `window_started_at`, and the lock's end. */
export const findLimitRows = (db: Db, keys: readonly string[]) =>
  sql<{ key: string; failures: number; window_started_at: Date; locked_until: Date | null }>`
    select key, failures, window_started_at, locked_until from login_throttle where key = any(${keys}::text[])`
    .execute(db)
    .then((r) => r.rows)

/**
 * Forgets the keys whose window began before `windowStartedBefore` and which are
 * not locked at `now` (every rule's window is shorter: limiter.ts, LIMIT_KEPT_MS).
 * Returns how many went.
 */
export const deleteIdleLimitKeys = (db: Db, windowStartedBefore: Date, now: Date) =>
  sql`delete from login_throttle where window_started_at < ${windowStartedBefore}
    and (locked_until is null or locked_until <= ${now})`
    .execute(db)
    .then((r) => Number(r.numAffectedRows ?? 0))

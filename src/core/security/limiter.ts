import type { Db } from '#core/db/database.ts'
import {
  countHit,
  countHitsInOrder,
  deleteIdleLimitKeys,
  deleteLimitKey,
  findLimitRows,
  findLockedUntil,
  lockKey,
} from './limiter.queries.ts'

/**
 * A general limiter for anything a caller can repeat (failed logins today;
 * form posts, reset mails and sign-ups next), kept in the database so that
 * every instance counts together (issue 8, moved here from the login's
 * throttle). A key allows `limit` hits within `windowMs` of its first one; the
 * hit that reaches the limit locks the key for `lockMs` and starts it afresh.
 * So a caller checks before the attempt and counts it after:
 *
 *   const wait = await checkLimit(db, [key], now)
 *   if (wait > 0) throw tooManyRequests(wait)
 *   … the attempt …
 *   await hitLimit(db, { key, ...RULE }, now)
 *
 * The time is always given (`now`), never read here, so a test sets it.
 * A key names what it counts: `account:rosa@example.com`, `ip:192.0.2.1`, …
 */
export type LimitRule = { limit: number; windowMs: number; lockMs: number }

/**
 * How long a key is kept after its window began (when it is not locked): the
 * job worker's prune (core/jobs/prune.ts) forgets older keys, so one row per
 * address that ever failed a login does not stay forever. No rule's window may
 * be longer; hitLimit refuses such a rule.
 */
export const LIMIT_KEPT_MS = 7 * 24 * 60 * 60 * 1000

/** Deletes the keys that no rule can still count at `now` (their window began over LIMIT_KEPT_MS ago, no lock in force). */
export const pruneIdleLimits = (db: Db, now: Date) => deleteIdleLimitKeys(db, new Date(now.getTime() - LIMIT_KEPT_MS), now)

/** Whole seconds until the longest lock among `keys` ends, or 0 when none is locked at `now`. */
export async function checkLimit(db: Db, keys: readonly string[], now: Date): Promise<number> {
  return secondsLeft(now, await findLockedUntil(db, keys, now))
}

/**
 * Counts one hit on `key` at `now`. Returns the seconds the key is now locked
 * for: 0 unless this hit reached the limit. Call it inside the caller's
 * transaction or outside one: each statement stands alone.
 */
export async function hitLimit(db: Db, hit: LimitRule & { key: string }, now: Date): Promise<number> {
  checkWindow(hit)
  const { hits } = await countHit(db, { key: hit.key, windowStartedBefore: windowStart(hit, now) }, now)
  return lockIfReached(db, hit, hits, now)
}

/**
 * Counts one hit on `key` and answers 0 when it is allowed (the key was not
 * locked and this hit is within `limit`); when it is refused, the whole
 * seconds left of the key's lock (at least 1), for a 429's Retry-After:
 *
 *   const wait = await takeLimit(db, { key, ...RULE }, now)
 *   if (wait > 0) throw tooManyRequests(wait)
 *
 * Decided by the counting statement itself, so two callers at the same moment
 * cannot both take the last hit (a check, then a count, lets both through).
 * For "may this happen now" limits such as mails an anonymous caller can
 * trigger. Refused hits count too: one that reaches `limit` again locks the
 * key afresh, and its answer is that new lock's length.
 */
export async function takeLimit(db: Db, hit: LimitRule & { key: string }, now: Date): Promise<number> {
  return (await takeLimits(db, [hit], now))?.lockedSeconds ?? 0
}

/**
 * takeLimit on several keys in order, in one statement, stopping at the first
 * refusal: the keys after a refused one are not counted. Returns the refused
 * hit with the whole seconds its key's lock has left (as takeLimit), or
 * undefined when every one was allowed. Order them from the narrowest to the
 * widest (per address, then per form): one caller who is refused then never
 * uses up the budget everyone shares. The keys must differ.
 */
export async function takeLimits<H extends LimitRule & { key: string }>(
  db: Db,
  hits: readonly H[],
  now: Date,
): Promise<{ hit: H; lockedSeconds: number } | undefined> {
  if (hits.length === 0) return undefined
  for (const hit of hits) checkWindow(hit)
  if (new Set(hits.map((hit) => hit.key)).size !== hits.length) throw new Error('takeLimits needs different keys')
  const counts = await countHitsInOrder(
    db,
    hits.map((hit) => ({ key: hit.key, windowStartedBefore: windowStart(hit, now), limit: hit.limit })),
    now,
  )
  // The counts stop at the refused hit, if any: the last one counted. Its lock is the one in force when
  // it was counted, or the one it sets itself (a hit past the limit always reaches it); at least 1 s, so
  // that a refusal is never read as 0 (allowed), even under a rule without a lock.
  let refused: { hit: H; lockedSeconds: number } | undefined
  for (const [i, { hits: count, lockedUntil }] of counts.entries()) {
    const hit = hits[i] as H
    const lockedNow = await lockIfReached(db, hit, count, now)
    const left = secondsLeft(now, lockedUntil)
    if (left > 0 || count > hit.limit) refused = { hit, lockedSeconds: Math.max(1, lockedNow || left) }
  }
  return refused
}

function checkWindow(hit: LimitRule & { key: string }) {
  if (hit.windowMs > LIMIT_KEPT_MS)
    throw new Error(`A limit's window may not exceed ${LIMIT_KEPT_MS} ms (the pruned keys' age): ${hit.key}`)
}

const windowStart = (hit: LimitRule, now: Date) => new Date(now.getTime() - hit.windowMs)

/** The hit that reaches the limit locks the key for lockMs and starts it afresh; answers the seconds locked (0: not reached). */
async function lockIfReached(db: Db, hit: LimitRule & { key: string }, hits: number, now: Date): Promise<number> {
  if (hits < hit.limit) return 0
  const lockedUntil = new Date(now.getTime() + hit.lockMs)
  await lockKey(db, hit.key, now, lockedUntil)
  return secondsLeft(now, lockedUntil)
}

/**
 * How each of `rules`' keys stands at `now`: its hits within its rule's
 * window (0 once the window has passed) and the seconds its lock has left (0
 * when not locked). For callers whose decision depends on more than "locked or
 * not" (the login's limits, decision 0015).
 */
export async function readLimits(
  db: Db,
  rules: readonly (LimitRule & { key: string })[],
  now: Date,
): Promise<Map<string, { hits: number; lockedSeconds: number }>> {
  const rows = new Map(
    (
      await findLimitRows(
        db,
        rules.map((rule) => rule.key),
      )
    ).map((row) => [row.key, row]),
  )
  const states = new Map<string, { hits: number; lockedSeconds: number }>()
  for (const rule of rules) {
    const row = rows.get(rule.key)
    const inWindow = row !== undefined && new Date(row.window_started_at).getTime() > now.getTime() - rule.windowMs
    states.set(rule.key, { hits: inWindow ? Number(row.failures) : 0, lockedSeconds: secondsLeft(now, row?.locked_until) })
  }
  return states
}

/** Forgets a key's hits and lock (a successful login clears its account's failures). */
export const clearLimit = (db: Db, key: string) => deleteLimitKey(db, key)

/**
 * The whole seconds from `now` until a lock that ends at `lockedUntil` ends, rounded up (so at least 1 while
 * it is in force); 0 when there is no lock or it has ended. Every answer of the limiter in seconds is this.
 */
const secondsLeft = (now: Date, lockedUntil: Date | null | undefined) =>
  lockedUntil ? Math.max(0, Math.ceil((new Date(lockedUntil).getTime() - now.getTime()) / 1000)) : 0

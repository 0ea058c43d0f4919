import type { Clock } from '#core/clock.ts'
import { type Db, sql } from '#core/db/database.ts'

type Entry = { windowEnds: number; shared: number; pending: number }

/**
 * The API rate limit's counts in the `rate_limits` table (migration 0026),
 * shared by every instance without a database statement per request: each
 * instance counts locally and adds its counts to the table in one statement
 * a second (`flushMs`), learning the others' counts in return. A client past
 * half the limit is counted in the table at once, on every request, so the
 * limit itself is exact; below it an instance may be up to a second behind
 * the others (decision 0015).
 */
export class SharedCounts {
  private readonly entries = new Map<string, Entry>()
  private timer: NodeJS.Timeout | undefined
  private flushes = 0

  private readonly db: Db
  private readonly clock: Clock
  private readonly onError: (error: unknown) => void
  private readonly flushMs: number

  constructor(db: Db, clock: Clock, onError: (error: unknown) => void, flushMs = 1000) {
    this.db = db
    this.clock = clock
    this.onError = onError
    this.flushMs = flushMs
  }

  /** Counts one request of `key`; answers the count in its window and the milliseconds the window has left. */
  async count(key: string, windowMs: number, max: number): Promise<{ current: number; ttl: number }> {
    const now = this.clock().getTime()
    let entry = this.entries.get(key)
    if (!entry || entry.windowEnds <= now) {
      entry = { windowEnds: now + windowMs, shared: 0, pending: 0 }
      this.entries.set(key, entry)
    }
    entry.pending += 1
    if (entry.shared + entry.pending > max / 2) await this.flush([key])
    else this.schedule()
    return { current: entry.shared + entry.pending, ttl: Math.max(0, entry.windowEnds - now) }
  }

  /** Adds the pending counts of `keys` (all by default) to the table and takes the totals back. */
  async flush(keys: Iterable<string> = this.entries.keys()): Promise<void> {
    const now = this.clock()
    const batch: [string, Entry, number][] = []
    for (const key of keys) {
      const entry = this.entries.get(key)
      if (entry && entry.pending > 0) {
        // In flight from here: a request counted while this statement runs stays pending for the next flush,
        // so two flushes at once (two requests of one client, or a request and the timer) never send a count twice.
        batch.push([key, entry, entry.pending])
        entry.pending = 0
      }
    }
    if (batch.length > 0) {
      const sending = sql<{ key: string; hits: number; window_ends_at: Date }>`
        insert into rate_limits as r (key, hits, window_ends_at)
        select * from unnest(
          ${batch.map(([key]) => key)}::text[],
          ${batch.map(([, , sent]) => sent)}::int[],
          ${batch.map(([, entry]) => new Date(entry.windowEnds).toISOString())}::text[]::timestamptz[])
        on conflict (key) do update set
          hits = case when r.window_ends_at <= ${now} then excluded.hits else r.hits + excluded.hits end,
          window_ends_at = case when r.window_ends_at <= ${now} then excluded.window_ends_at else r.window_ends_at end
        returning key, hits, window_ends_at`.execute(this.db)
      let rows: { key: string; hits: number; window_ends_at: Date }[]
      try {
        rows = (await sending).rows
      } catch (error) {
        for (const [, entry, sent] of batch) entry.pending += sent
        throw error
      }
      const totals = new Map(rows.map((row) => [row.key, row]))
      for (const [key, entry] of batch) {
        const row = totals.get(key)
        if (!row) continue
        const windowEnds = new Date(row.window_ends_at).getTime()
        // Of two answers for one window, the later count wins, whichever arrives last.
        entry.shared = windowEnds === entry.windowEnds ? Math.max(entry.shared, Number(row.hits)) : Number(row.hits)
        entry.windowEnds = windowEnds
      }
    }
    for (const [key, entry] of this.entries) if (entry.pending === 0 && entry.windowEnds <= now.getTime()) this.entries.delete(key)
    this.flushes += 1
    if (this.flushes % 60 === 0) await sql`delete from rate_limits where window_ends_at <= ${now}`.execute(this.db)
  }

  /** Stops the timer and adds what is still pending (when the app closes). */
  async close() {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.flush().catch(this.onError)
  }

  private schedule() {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flush().catch(this.onError)
    }, this.flushMs)
    this.timer.unref()
  }
}

type StoreCallback = (error: Error | null, result?: { current: number; ttl: number }) => void

/** @fastify/rate-limit's store interface over SharedCounts. */
export function sharedCountsStore(counts: SharedCounts) {
  return class SharedCountsStore {
    private readonly prefix: string
    constructor(_options?: unknown, prefix = '') {
      this.prefix = prefix
    }

    incr(key: string, callback: StoreCallback, timeWindow: number, max: number) {
      counts.count(this.prefix + key, timeWindow, max).then(
        (result) => callback(null, result),
        (error: Error) => callback(error),
      )
    }

    /** A route with a limit of its own counts apart (none has one yet). */
    child(routeOptions: { method: string | string[]; url: string }) {
      return new SharedCountsStore(undefined, `${this.prefix}${String(routeOptions.method)}${routeOptions.url}-`)
    }
  }
}

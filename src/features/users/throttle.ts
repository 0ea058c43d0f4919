import { type Db, sql } from '#core/db/database.ts'

/**
 * Login throttling, per account and per IP, in the database so every instance
 * counts together. An account locks after 10 failures in a row (a success
 * resets it); an IP after 50 failures within 15 minutes.
 */
export const THROTTLE = {
  account: { limit: 10, windowMs: 24 * 3600 * 1000, lockMs: 15 * 60 * 1000 },
  ip: { limit: 50, windowMs: 15 * 60 * 1000, lockMs: 15 * 60 * 1000 },
} as const

export const accountKey = (email: string) => `account:${email.toLowerCase()}`
export const ipKey = (ip: string) => `ip:${ip}`

/** Seconds until the longest lock among `keys` ends, or 0 when none is locked. */
export async function lockedForSeconds(db: Db, keys: string[]): Promise<number> {
  const { rows } = await sql<{ seconds: number | null }>`
    select ceil(extract(epoch from max(locked_until) - now()))::int as seconds
    from login_throttle where key = any(${keys}) and locked_until > now()`.execute(db)
  return Math.max(0, rows[0]?.seconds ?? 0)
}

export async function recordLoginFailure(db: Db, key: string, rule: { limit: number; windowMs: number; lockMs: number }) {
  await sql`
    insert into login_throttle as t (key, failures, window_started_at) values (${key}, 1, now())
    on conflict (key) do update set
      failures = case when t.window_started_at < now() - make_interval(secs => ${rule.windowMs / 1000}) then 1 else t.failures + 1 end,
      window_started_at = case when t.window_started_at < now() - make_interval(secs => ${rule.windowMs / 1000}) then now() else t.window_started_at end`.execute(
    db,
  )
  await sql`
    update login_throttle set locked_until = now() + make_interval(secs => ${rule.lockMs / 1000}), failures = 0, window_started_at = now()
    where key = ${key} and failures >= ${rule.limit}`.execute(db)
}

export const clearLoginFailures = (db: Db, key: string) => sql`delete from login_throttle where key = ${key}`.execute(db)

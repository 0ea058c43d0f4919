import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'
import type { AuditEvent } from './audit.ts'

export const insertAuditEntry = (
  db: Db,
  entry: { event: AuditEvent; userId: number | null; actorId: number | null; ip: string; userAgent: string | null; detailsJson: string },
) =>
  sql`insert into audit_log (event, user_id, actor_id, ip, user_agent, details)
    values (${entry.event}, ${entry.userId}, ${entry.actorId}, ${entry.ip}, ${entry.userAgent}, ${entry.detailsJson}::text::jsonb)`.execute(
    db,
  )

export type AuditRow = {
  id: number
  event: string
  user_id: number | null
  actor_id: number | null
  ip: string | null
  user_agent: string | null
  details: Record<string, unknown>
  created_at: Date
}

/** The audit list's order: newest first, by id (the primary key). */
export const AUDIT_SORT = { name: 'newest', direction: 'desc', key: null } as const satisfies Sort

/** Security events newest first, optionally for one user or one event; only the filters given are in the statement (decision 0013). */
export function listAudit(db: Db, options: { limit: number; after?: Cursor; userId?: number; event?: string }) {
  const order = keyset(AUDIT_SORT, { id: sql`id` }, options.after)
  const where = [order.after]
  if (options.userId !== undefined) where.push(sql`user_id = ${options.userId}`)
  if (options.event !== undefined) where.push(sql`event = ${options.event}`)
  return sql<AuditRow>`select id, event, user_id, actor_id, ip, user_agent, details, created_at from audit_log
    where ${sql.join(where, sql` and `)}
    order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

/** Whether the user has signed in from `ip` before (a `login_ok` event from it): an account lock lets such an address through (decision 0015). */
export const hasSignedInFrom = (db: Db, userId: number, ip: string) =>
  sql<{ one: number }>`select 1 as one from audit_log where user_id = ${userId} and event = 'login_ok' and ip = ${ip} limit 1`
    .execute(db)
    .then((r) => r.rows.length > 0)

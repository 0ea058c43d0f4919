import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'

export type OutboxStatus = 'sent' | 'kept' | 'failed'

/** One row per mail job: a retry of the same job updates its row. */
export const saveOutboxMessage = (
  db: Db,
  message: { jobId: number; to: string; subject: string; text: string; html: string; status: OutboxStatus; error: string | null },
) =>
  sql`insert into mail_outbox (job_id, to_address, subject, text, html, status, error, sent_at)
      values (${message.jobId}, ${message.to}, ${message.subject}, ${message.text}, ${message.html}, ${message.status},
              ${message.error}, case when ${message.status} = 'sent' then now() end)
      on conflict (job_id) do update
        set to_address = excluded.to_address, subject = excluded.subject, text = excluded.text, html = excluded.html,
            status = excluded.status, error = excluded.error, sent_at = excluded.sent_at, updated_at = now()`.execute(db)

/** Deletes the rows of mail sent before `before`; answers how many. */
export const deleteSentOutboxMessages = (db: Db, before: Date) =>
  sql`delete from mail_outbox where status = 'sent' and sent_at < ${before}`.execute(db).then((r) => Number(r.numAffectedRows ?? 0))

export type OutboxRow = {
  id: number
  job_id: number
  to_address: string
  subject: string
  status: OutboxStatus
  error: string | null
  created_at: Date
  sent_at: Date | null
}

const OUTBOX_COLUMNS = sql`id, job_id, to_address, subject, status, error, created_at, sent_at`

/** The list's order: newest first, by id. */
export const OUTBOX_SORT = { name: 'newest', direction: 'desc', key: null } as const satisfies Sort

/** The outbox newest first (by id), optionally of one status; without the bodies (the admin's list; issue 13). */
export function listOutboxMessages(db: Db, options: { limit: number; after?: Cursor; status?: OutboxStatus }) {
  const order = keyset(OUTBOX_SORT, { id: sql`id` }, options.after)
  const where = [order.after]
  if (options.status !== undefined) where.push(sql`status = ${options.status}`)
  return sql<OutboxRow>`select ${OUTBOX_COLUMNS} from mail_outbox where ${sql.join(where, sql` and `)}
    order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

/** One message with its text body, or undefined. */
export const findOutboxMessage = (db: Db, id: number) =>
  sql<OutboxRow & { text: string }>`select ${OUTBOX_COLUMNS}, text from mail_outbox where id = ${id}`.execute(db).then((r) => r.rows[0])

import { type Db, sql } from '#core/db/database.ts'

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

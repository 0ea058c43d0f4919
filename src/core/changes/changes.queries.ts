import { type Db, sql } from '#core/db/database.ts'
import type { ChangeTag } from './tags.ts'

export type ChangeRow = { id: number; tags: ChangeTag[]; created_at: Date }

/**
 * Held from here to the end of the writer's transaction: ids are then handed
 * out in commit order, so a reader that has seen id N never sees a smaller id
 * commit later (with plain sequence order, a slow transaction could).
 */
export const lockChangeOrder = (db: Db) => sql`select pg_advisory_xact_lock(hashtextextended('plinth:changes', 0))`.execute(db)

export const insertChange = (db: Db, tags: readonly ChangeTag[]) =>
  sql<{ id: number }>`insert into changes (tags) values (${tags}::text[]) returning id`
    .execute(db)
    .then((r) => (r.rows[0] as { id: number }).id)

/** Wakes listeners (LISTEN plinth_changes) when the transaction commits; nothing is sent on rollback. */
export const notifyChange = (db: Db, channel: string, id: number) => sql`select pg_notify(${channel}, ${String(id)})`.execute(db)

export const listChangesAfter = (db: Db, afterId: number, limit: number) =>
  sql<ChangeRow>`select id, tags, created_at from changes where id > ${afterId} order by id limit ${limit}`.execute(db).then((r) => r.rows)

export const findLatestChangeId = (db: Db) =>
  sql<{ id: number | null }>`select max(id) as id from changes`.execute(db).then((r) => r.rows[0]?.id ?? 0)

export const deleteChangesBefore = (db: Db, before: Date) =>
  sql`delete from changes where created_at < ${before}`.execute(db).then((r) => Number(r.numAffectedRows ?? 0))

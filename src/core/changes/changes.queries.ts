import type { RawBuilder } from 'kysely'
import { type Db, sql } from '#core/db/database.ts'
import type { ChangeTag } from './tags.ts'

export type ChangeRow = { id: number; tags: ChangeTag[]; created_at: Date }

/**
 * Records a change in one statement (a write pays one round trip for it, not three):
 * - takes the change-order lock, held to the end of the writer's transaction, before
 *   the row's id is drawn (the insert reads its row from the lock's CTE), so ids are
 *   handed out in commit order: a reader that has seen id N never sees a smaller id
 *   commit later (with plain sequence order, a slow transaction could);
 * - inserts the change;
 * - notifies listeners (LISTEN plinth_changes), which PostgreSQL delivers when the
 *   transaction commits and never on rollback.
 */
export const insertChange = (db: Db, channel: string, tags: readonly ChangeTag[]) =>
  sql<{ id: number }>`with ordered as (select pg_advisory_xact_lock(hashtextextended('plinth:changes', 0))),
      inserted as (insert into changes (tags) select ${tags}::text[] from ordered returning id)
    select id, pg_notify(${channel}, id::text) from inserted`
    .execute(db)
    .then((r) => Number((r.rows[0] as { id: number }).id))

/**
 * The change record of a write made by the same statement, as one of its CTEs: when `written` (the
 * write's CTE) has a row, takes the change-order lock after the write's rows, then inserts the change
 * and notifies (in `returning`; a data-modifying CTE always runs to its end), as insertChange does.
 */
export const changeAfter = (channel: string, written: RawBuilder<unknown>, tags: readonly ChangeTag[]) =>
  sql`insert into changes (tags)
    select ${tags}::text[] from (select pg_advisory_xact_lock(hashtextextended('plinth:changes', 0)) from (select 1 from ${written} limit 1) w) ordered
    returning id, pg_notify(${channel}, id::text)`

/**
 * `write` (an `insert`/`update`/`delete … returning`) and, when it returned a row, its change record,
 * in one statement (its own transaction when `db` is not one). Returns the write's rows.
 */
export const writeWithChange = <Row>(db: Db, channel: string, write: RawBuilder<Row>, tags: readonly ChangeTag[]) =>
  sql<Row>`with written as (${write}), change as (${changeAfter(channel, sql`written`, tags)}) select written.* from written`
    .execute(db)
    .then((r) => r.rows)

export const listChangesAfter = (db: Db, afterId: number, limit: number) =>
  sql<ChangeRow>`select id, tags, created_at from changes where id > ${afterId} order by id limit ${limit}`.execute(db).then((r) => r.rows)

export const findLatestChangeId = (db: Db) =>
  sql<{ id: number | null }>`select max(id) as id from changes`.execute(db).then((r) => r.rows[0]?.id ?? 0)

export const deleteChangesBefore = (db: Db, before: Date) =>
  sql`delete from changes where created_at < ${before}`.execute(db).then((r) => Number(r.numAffectedRows ?? 0))

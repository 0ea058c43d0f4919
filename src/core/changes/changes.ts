import type { RawBuilder } from 'kysely'
import type { Database, Db } from '#core/db/database.ts'
import { type ChangeRow, changeAfter, findLatestChangeId, insertChange, listChangesAfter, writeWithChange } from './changes.queries.ts'
import type { ChangeTag } from './tags.ts'

export type { ChangeRow as Change } from './changes.queries.ts'
export { type ChangeTag, isChangeTag, type ListName, tags } from './tags.ts'

/** The channel NOTIFY wakes listeners on; the payload is the new change's id. */
export const CHANGES_CHANNEL = 'plinth_changes'

/**
 * Records that this transaction changed the records `changed` names (issue 8,
 * part 4; decision 0011): one row in `changes`, and a NOTIFY sent when the
 * transaction commits. The row commits with the write or not at all.
 *
 * Call it inside the write's transaction, as its last statement: it takes the
 * lock that orders change ids (held until commit), so work done after it
 * would hold up every other writer. Throws when `trx` is not a transaction.
 * Returns the change id, or undefined when `changed` is empty.
 */
export async function recordChanges(trx: Db, changed: Iterable<ChangeTag>): Promise<number | undefined> {
  if (!trx.isTransaction) throw new Error('recordChanges must run in the transaction of the write it records')
  const unique = [...new Set(changed)].sort()
  if (unique.length === 0) return undefined
  return insertChange(trx, CHANGES_CHANNEL, unique)
}

/**
 * A write that is one statement, and its change record, as one statement: for a hot path that would
 * otherwise pay begin, the write, recordChanges and commit as four round trips (a stock decrement).
 * The record is made only when the write returns a row; `changed` must not depend on what it returns.
 * Returns the write's rows.
 */
export function writeRecordingChanges<Row>(db: Db, write: RawBuilder<Row>, changed: Iterable<ChangeTag>): Promise<Row[]> {
  return writeWithChange(db, CHANGES_CHANNEL, write, someTags(changed, 'writeRecordingChanges'))
}

/**
 * writeRecordingChanges for a statement the caller composes itself (a write with more CTEs than one):
 * the `insert` of the change record, to be a CTE after the write's, made when `written` (the name of the
 * write's CTE) has a row. The statement is its own transaction, or the last one of the caller's.
 */
export function changeRecordAfter(written: RawBuilder<unknown>, changed: Iterable<ChangeTag>): RawBuilder<unknown> {
  return changeAfter(CHANGES_CHANNEL, written, someTags(changed, 'changeRecordAfter'))
}

function someTags(changed: Iterable<ChangeTag>, caller: string) {
  const unique = [...new Set(changed)].sort()
  if (unique.length === 0) throw new Error(`${caller} needs at least one tag`)
  return unique
}

/** Up to `limit` changes committed after change `afterId`, oldest first (a reader's catch-up; 0 for all kept). */
export const readChangesAfter = (db: Db, afterId: number, limit = 1000) => listChangesAfter(db, afterId, limit)

/** The id of the newest change (0 when none): where a reader that needs no history starts. */
export const latestChangeId = (db: Db) => findLatestChangeId(db)

export type ChangeListener = (change: ChangeRow) => void | Promise<void>

export type Subscription = {
  /** Start after this change id; by default after the newest change at subscription time. */
  afterId?: number
  /**
   * A listener's error (or a failed read): the change is delivered again at the
   * next wake-up, so nothing is lost; by default the error is dropped.
   */
  onError?: (error: unknown) => void
}

/**
 * The app's change feed, one object in Deps. A listener receives every change
 * committed after it subscribed, once each, in id order (which is commit order).
 * NOTIFY is only the wake-up: the listener then reads the rows after the last id
 * it saw, so a lost notification (a dropped LISTEN connection) costs only delay,
 * and a poll every `pollMs` catches that up.
 */
export type ChangeFeed = {
  /** Resolves, once listening, to the function that stops it (and waits for a delivery in progress). */
  onChange(listener: ChangeListener, subscription?: Subscription): Promise<() => Promise<void>>
}

export function createChangeFeed(database: Pick<Database, 'db' | 'listen'>, options: { pollMs?: number } = {}): ChangeFeed {
  const { db } = database
  const pollMs = options.pollMs ?? 5000
  return {
    async onChange(listener, subscription = {}) {
      let lastId = subscription.afterId ?? (await latestChangeId(db))
      let running: Promise<void> | undefined
      let again = false
      let stopped = false

      async function deliver() {
        for (;;) {
          const rows = await readChangesAfter(db, lastId, 500)
          for (const row of rows) {
            if (stopped) return
            await listener(row)
            lastId = row.id
          }
          if (rows.length < 500) return
        }
      }
      // One delivery at a time; a wake-up during one runs it once more afterwards.
      function wake() {
        if (stopped) return
        if (running) {
          again = true
          return
        }
        running = deliver()
          .catch((error: unknown) => subscription.onError?.(error))
          .finally(() => {
            running = undefined
            if (again) {
              again = false
              wake()
            }
          })
      }

      const unlisten = await database.listen(CHANGES_CHANNEL, wake)
      const timer = setInterval(wake, pollMs)
      timer.unref()
      // Changes committed between reading the latest id and LISTEN taking effect.
      wake()
      return async () => {
        stopped = true
        clearInterval(timer)
        await unlisten()
        await running
      }
    },
  }
}

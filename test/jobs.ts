import { type Db, sql } from '../src/core/db/database.ts'
import type { JobRow } from '../src/core/jobs/jobs.queries.ts'

/** A job's whole row, or undefined: for tests that check what the queue recorded (the app itself never reads a job by id). */
export const findJob = (db: Db, id: number) =>
  sql<JobRow>`select id, queue, name, payload, status, attempts, max_attempts, run_at, locked_at, locked_by, last_error,
                     created_at, updated_at, finished_at
                from jobs where id = ${id}`
    .execute(db)
    .then((r) => r.rows[0])

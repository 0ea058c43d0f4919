import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { type Db, sql } from './database.ts'

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../migrations')

export type MigrationFile = { name: string; checksum: string; sql: string }
export type AppliedMigration = { name: string; checksum: string; applied_at: Date }
export type MigrationStatus = {
  applied: AppliedMigration[]
  pending: MigrationFile[]
  /** applied, but the file has changed since */
  changed: MigrationFile[]
  /** applied, but no longer (or not yet) in this version's files */
  unknown: AppliedMigration[]
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MigrationError'
  }
}

const FILE_NAME = /^\d{4}_[a-z0-9_]+\.sql$/
// One fixed advisory-lock key for every Plinth instance sharing the database
// ("plinth migrate" as bytes). Held per transaction, so it is released by the
// commit or rollback, even when the connection is lost.
const MIGRATION_LOCK = sql`select pg_advisory_xact_lock(8093025283297371507)`

/** Reads `NNNN_verb_object.sql` files in order. Line endings are normalised before hashing. */
export function readMigrationFiles(dir = MIGRATIONS_DIR): MigrationFile[] {
  const names = fs.readdirSync(dir).filter((name) => name.endsWith('.sql'))
  for (const name of names) {
    if (!FILE_NAME.test(name)) throw new MigrationError(`migration file name ${name} is not NNNN_verb_object.sql`)
  }
  names.sort()
  const numbers = names.map((name) => name.slice(0, 4))
  const duplicate = numbers.find((n, i) => numbers.indexOf(n) !== i)
  if (duplicate) throw new MigrationError(`two migration files share the number ${duplicate}`)
  return names.map((name) => {
    const text = fs.readFileSync(path.join(dir, name), 'utf8').replace(/\r\n/g, '\n')
    return { name, sql: text, checksum: createHash('sha256').update(text).digest('hex') }
  })
}

async function lockAndReadApplied(trx: Db): Promise<AppliedMigration[]> {
  await MIGRATION_LOCK.execute(trx)
  await sql`create table if not exists schema_migrations (
    name text primary key,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`.execute(trx)
  const { rows } = await sql<AppliedMigration>`
    select name, checksum, applied_at from schema_migrations order by name`.execute(trx)
  return rows
}

function compare(files: MigrationFile[], applied: AppliedMigration[]): MigrationStatus {
  const byName = new Map(applied.map((row) => [row.name, row]))
  const known = new Set(files.map((file) => file.name))
  return {
    applied,
    pending: files.filter((file) => !byName.has(file.name)),
    changed: files.filter((file) => {
      const row = byName.get(file.name)
      return row !== undefined && row.checksum !== file.checksum
    }),
    unknown: applied.filter((row) => !known.has(row.name)),
  }
}

export async function migrationStatus(db: Db, files = readMigrationFiles()): Promise<MigrationStatus> {
  const applied = await db.transaction().execute((trx) => lockAndReadApplied(trx))
  return compare(files, applied)
}

/**
 * Applies every pending migration, each in its own transaction under the
 * advisory lock, so that many instances starting at once apply each exactly
 * once. Refuses to run when an applied migration's file has changed.
 * Returns the names it applied.
 */
export async function migrateUp(db: Db, files = readMigrationFiles()): Promise<string[]> {
  const status = await migrationStatus(db, files)
  if (status.changed.length > 0) {
    throw new MigrationError(
      `applied migration${status.changed.length > 1 ? 's' : ''} ${status.changed.map((f) => f.name).join(', ')} ` +
        'changed after being applied (checksum differs). Applied migrations must never be edited: ' +
        'restore the original file and put the change in a new migration.',
    )
  }
  const appliedNow: string[] = []
  for (const file of status.pending) {
    const applied = await db.transaction().execute(async (trx) => {
      const rows = await lockAndReadApplied(trx)
      // Another instance may have applied it while we waited for the lock.
      if (rows.some((row) => row.name === file.name)) return false
      await sql.raw(file.sql).execute(trx)
      await sql`insert into schema_migrations (name, checksum) values (${file.name}, ${file.checksum})`.execute(trx)
      return true
    })
    if (applied) appliedNow.push(file.name)
  }
  return appliedNow
}

import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, type TestContext, test } from 'node:test'
import { createEmptyPostgresDatabase, testDatabaseKind } from '../../../test/db.ts'
import { type Database, openPglite, openPostgres, sql } from './database.ts'
import { MigrationError, migrateUp, migrationStatus, readMigrationFiles } from './migrate.ts'
import { loadPgliteImage } from './pglite-image.ts'

/** An empty (unmigrated) database of the kind under test, opened `instances` times — like that many servers sharing it. */
async function emptyDatabase(t: TestContext, instances = 1): Promise<Database[]> {
  if (testDatabaseKind() === 'postgres') {
    const url = await createEmptyPostgresDatabase(t)
    const databases = Array.from({ length: instances }, () => openPostgres(url, { max: 2 }))
    t.after(() => Promise.all(databases.map((d) => d.close())))
    return databases
  }
  // PGlite is one process: "instances" share the one embedded database.
  const database = await openPglite({ loadDataDir: await loadPgliteImage() })
  t.after(() => database.close())
  return Array.from({ length: instances }, () => database)
}

function migrationsDir(t: TestContext, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-migrations-'))
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text)
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const count = async (database: Database, table: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(database.db)).rows[0]?.n

describe('migrations', () => {
  test('the project migrations apply on an empty database, and a second run applies nothing', async (t) => {
    const [database] = (await emptyDatabase(t)) as [Database]
    const files = readMigrationFiles()
    assert.deepEqual(
      await migrateUp(database.db),
      files.map((f) => f.name),
    )
    assert.deepEqual(await migrateUp(database.db), [])
    const status = await migrationStatus(database.db)
    assert.deepEqual(
      status.applied.map((row) => row.name),
      files.map((f) => f.name),
    )
    assert.deepEqual([status.pending, status.changed, status.unknown], [[], [], []])
    assert.deepEqual(
      status.applied.map((row) => row.checksum),
      files.map((f) => f.checksum),
    )
  })

  test('instances migrating one database at the same moment apply each migration exactly once', async (t) => {
    const dir = migrationsDir(t, {
      '0001_create_marks.sql': 'create table marks (migration text not null);',
      '0002_slow_mark.sql': "select pg_sleep(0.3);\ninsert into marks values ('0002');",
      '0003_mark.sql': "insert into marks values ('0003');",
    })
    const instances = await emptyDatabase(t, 4)
    const files = readMigrationFiles(dir)
    const results = await Promise.all(instances.map((database) => migrateUp(database.db, files)))
    assert.deepEqual(results.flat().sort(), ['0001_create_marks.sql', '0002_slow_mark.sql', '0003_mark.sql'])
    const [first] = instances as [Database]
    const marks = await sql<{ migration: string }>`select migration from marks order by migration`.execute(first.db)
    assert.deepEqual(marks.rows, [{ migration: '0002' }, { migration: '0003' }])
    assert.equal(await count(first, 'schema_migrations'), 3)
  })

  test('a migration whose file changed after it was applied stops the migration with a clear message', async (t) => {
    const dir = migrationsDir(t, {
      '0001_create_notes.sql': 'create table notes (body text);',
      '0002_create_tags.sql': 'create table tags (name text);',
    })
    const [database] = (await emptyDatabase(t)) as [Database]
    await migrateUp(database.db, readMigrationFiles(dir).slice(0, 1))
    fs.writeFileSync(path.join(dir, '0001_create_notes.sql'), 'create table notes (body text not null);')
    await assert.rejects(
      migrateUp(database.db, readMigrationFiles(dir)),
      (error: unknown) =>
        error instanceof MigrationError &&
        /0001_create_notes\.sql changed after being applied/.test(error.message) &&
        /new migration/.test(error.message),
    )
    const status = await migrationStatus(database.db, readMigrationFiles(dir))
    assert.deepEqual(
      status.changed.map((f) => f.name),
      ['0001_create_notes.sql'],
    )
    assert.deepEqual(
      status.pending.map((f) => f.name),
      ['0002_create_tags.sql'],
      'nothing after the drift was applied',
    )
  })

  test('a line-ending change alone is not drift', async (t) => {
    const dir = migrationsDir(t, { '0001_create_notes.sql': 'create table notes (body text);\n' })
    const [database] = (await emptyDatabase(t)) as [Database]
    await migrateUp(database.db, readMigrationFiles(dir))
    fs.writeFileSync(path.join(dir, '0001_create_notes.sql'), 'create table notes (body text);\r\n')
    assert.deepEqual(await migrateUp(database.db, readMigrationFiles(dir)), [])
  })

  test('a failing migration leaves nothing half-written and is not recorded', async (t) => {
    const dir = migrationsDir(t, {
      '0001_create_notes.sql': 'create table notes (body text);',
      '0002_broken.sql': "insert into notes values ('written');\ncreate table notes (again text);",
    })
    const [database] = (await emptyDatabase(t)) as [Database]
    await assert.rejects(migrateUp(database.db, readMigrationFiles(dir)), /already exists/)
    assert.equal(await count(database, 'notes'), 0, 'the insert before the error was rolled back')
    const status = await migrationStatus(database.db, readMigrationFiles(dir))
    assert.deepEqual(
      status.applied.map((row) => row.name),
      ['0001_create_notes.sql'],
    )
    assert.deepEqual(
      status.pending.map((f) => f.name),
      ['0002_broken.sql'],
    )
  })

  test('an applied migration missing from the files is reported as unknown, not an error', async (t) => {
    const dir = migrationsDir(t, { '0001_create_notes.sql': 'create table notes (body text);' })
    const [database] = (await emptyDatabase(t)) as [Database]
    await migrateUp(database.db, readMigrationFiles(dir))
    const status = await migrationStatus(database.db, [])
    assert.deepEqual(
      status.unknown.map((row) => row.name),
      ['0001_create_notes.sql'],
    )
    assert.deepEqual(await migrateUp(database.db, []), [])
  })

  const badNames: [string, Record<string, string>, RegExp][] = [
    ['a name without a number', { 'create_notes.sql': '' }, /create_notes\.sql is not NNNN_verb_object\.sql/],
    ['an upper-case name', { '0001_Create.sql': '' }, /0001_Create\.sql is not NNNN_verb_object\.sql/],
    ['two files with one number', { '0001_a.sql': '', '0001_b.sql': '' }, /share the number 0001/],
  ]
  for (const [name, files, message] of badNames) {
    test(`a migrations folder with ${name} is refused`, (t) => {
      assert.throws(() => readMigrationFiles(migrationsDir(t, files)), message)
    })
  }
})

// Runs once per `node --test` run, before any test file (--test-global-setup).
// Migrates one template database; each test file then gets a copy of it
// (STYLE §10): PGlite loads a dumped data directory, PostgreSQL uses
// `create database … template`. The env vars set here reach the test processes.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { openPglite, openPostgres } from '../src/core/db/database.ts'
import { migrateUp } from '../src/core/db/migrate.ts'
import { buildPgliteImage, loadPgliteImage } from '../src/core/db/pglite-image.ts'
import { databaseUrlFor, testDatabaseKind } from './db.ts'

let cleanup: () => Promise<void> = async () => {}

export async function globalSetup() {
  const runId = `plinth_test_${randomBytes(4).toString('hex')}`
  process.env.PLINTH_TEST_RUN = runId
  if (testDatabaseKind() === 'postgres') {
    const serverUrl = process.env.TEST_DATABASE_URL as string
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
    const template = `${runId}_template`
    await admin.unsafe(`create database ${template}`)
    const database = openPostgres(databaseUrlFor(serverUrl, template), { max: 1 })
    await migrateUp(database.db)
    await database.close()
    process.env.PLINTH_TEST_TEMPLATE = template
    cleanup = async () => {
      // Drop the template and any database a crashed test file left behind.
      const leftovers = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`${runId}%`}`
      for (const { datname } of leftovers) await admin.unsafe(`drop database if exists ${datname} with (force)`)
      await admin.end()
    }
  } else {
    const image = (await loadPgliteImage()) ?? (await buildPgliteImage())
    const database = await openPglite({ loadDataDir: image })
    await migrateUp(database.db)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-test-'))
    const file = path.join(dir, 'template.tar.gz')
    const dump = await (database.dumpDataDir as () => Promise<Blob>)()
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()))
    await database.close()
    process.env.PLINTH_TEST_TEMPLATE = file
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true })
  }
}

export async function globalTeardown() {
  await cleanup()
}

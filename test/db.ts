import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import type { TestContext } from 'node:test'
import postgres from 'postgres'
import { type Database, openPglite, openPostgres } from '../src/core/db/database.ts'

/** `TEST_DB=postgres` (set by scripts/test.ts when TEST_DATABASE_URL is given) or PGlite. */
export const testDatabaseKind = (): 'pglite' | 'postgres' => (process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite')

export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/**
 * Creates an empty, randomly named PostgreSQL database for a test that needs
 * one unmigrated (migration tests), and drops it after the test.
 */
export async function createEmptyPostgresDatabase(t: Pick<TestContext, 'after'>): Promise<string> {
  const serverUrl = process.env.TEST_DATABASE_URL as string
  const name = `${process.env.PLINTH_TEST_RUN ?? 'plinth_test'}_${randomBytes(4).toString('hex')}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  t.after(async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`)
    await admin.end()
  })
  return databaseUrlFor(serverUrl, name)
}

let shared: Promise<{ database: Database; url?: string; drop: () => Promise<void> }> | undefined

/**
 * The migrated database that the tests of one file share (each test file runs
 * in its own process). Tests keep apart by creating their own records
 * (STYLE §10). test/setup.ts drops it when the file's tests are done.
 */
export function sharedTestDatabase(): Promise<{ database: Database; url?: string }> {
  shared ??= copyTemplate()
  return shared
}

export async function dropSharedTestDatabase() {
  if (shared) await (await shared).drop()
  shared = undefined
}

/**
 * A migrated database of the kind under test, private to the caller and gone
 * after the test: a copy of the run's template (see global-setup.ts). For tests
 * that break or close their database.
 */
export async function createTestDatabase(t: Pick<TestContext, 'after'>): Promise<{ database: Database; url?: string }> {
  const copy = await copyTemplate()
  t.after(() => copy.drop())
  return copy
}

async function copyTemplate(): Promise<{ database: Database; url?: string; drop: () => Promise<void> }> {
  const template = process.env.PLINTH_TEST_TEMPLATE
  if (!template) throw new Error('PLINTH_TEST_TEMPLATE is not set: run tests through `npm test` (global setup makes the template)')
  if (testDatabaseKind() === 'pglite') {
    const database = await openPglite({ loadDataDir: new Blob([fs.readFileSync(template)]) })
    return { database, drop: () => database.close() }
  }
  const serverUrl = process.env.TEST_DATABASE_URL as string
  const name = `${process.env.PLINTH_TEST_RUN}_${randomBytes(4).toString('hex')}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  // Copying a template fails if another session is connected to it at that moment; retry briefly.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.unsafe(`create database ${name} template ${template}`)
      break
    } catch (error) {
      if (attempt >= 5) throw error
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
    }
  }
  const url = databaseUrlFor(serverUrl, name)
  const database = openPostgres(url, { max: 4 })
  await admin.end()
  const drop = async () => {
    await database.close()
    const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} })
    await dropper.unsafe(`drop database if exists ${name} with (force)`)
    await dropper.end()
  }
  return { database, url, drop }
}

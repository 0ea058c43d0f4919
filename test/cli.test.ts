// `npm run plinth -- admin create` as a real process, on an empty site of the kind under test.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import { openPglite, openPostgres, sql } from '../src/core/db/database.ts'
import { createEmptyPostgresDatabase, testDatabaseKind } from './db.ts'

const ROOT = path.resolve(import.meta.dirname, '..')

type Site = { DATA_DIR: string; DATABASE_URL?: string }

async function emptySite(t: TestContext): Promise<Site> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-cli-'))
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  return testDatabaseKind() === 'postgres'
    ? { DATA_DIR: dataDir, DATABASE_URL: await createEmptyPostgresDatabase(t) }
    : { DATA_DIR: dataDir }
}

function plinth(site: Site, args: string[], stdin: string) {
  return spawnSync(process.execPath, ['src/cli.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...site },
    input: stdin,
    encoding: 'utf8',
    timeout: 60_000,
  })
}

test('admin create makes a verified administrator on a new site; bad input exits 2, a taken email 1', { timeout: 120_000 }, async (t) => {
  const site = await emptySite(t)
  const created = plinth(site, ['admin', 'create', '--email', 'boss@example.com', '--name', 'Boss'], 'a long admin passphrase\n')
  assert.equal(created.status, 0, created.stderr)
  assert.match(created.stdout, /^created administrator boss@example.com \(id \d+\)$/m)

  const cases: [string[], string, number, RegExp][] = [
    [['admin', 'create', '--email', 'boss@example.com'], 'another long passphrase\n', 1, /already exists/],
    [['admin', 'create', '--email', 'not-an-email'], 'a long admin passphrase\n', 2, /valid address/],
    [['admin', 'create'], 'a long admin passphrase\n', 2, /needs --email/],
    [['admin', 'create', '--email', 'b2@example.com'], 'short\n', 2, /8 to 256 characters/],
    [['admin', 'create', '--email', 'b3@example.com'], 'password123\n', 1, /too common/],
  ]
  for (const [args, stdin, status, message] of cases) {
    const result = plinth(site, args, stdin)
    assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`)
    assert.match(result.stderr, message)
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one line, no stack trace')
  }

  const database = site.DATABASE_URL ? openPostgres(site.DATABASE_URL, { max: 1 }) : await openPglite({ dataDir: site.DATA_DIR })
  try {
    const { rows } = await sql<{ email: string; role: string; verified: boolean }>`
      select email, role, email_verified_at is not null as verified from users order by id`.execute(database.db)
    assert.deepEqual(rows, [{ email: 'boss@example.com', role: 'admin', verified: true }])
  } finally {
    await database.close()
  }
})

test('seed demo fills a new site once: a second run says so and exits 0; a bad --posts exits 2', { timeout: 120_000 }, async (t) => {
  const site = await emptySite(t)
  const bad = plinth(site, ['seed', 'demo', '--posts', '0'], '')
  assert.equal(bad.status, 2, bad.stderr)
  assert.match(bad.stderr, /--posts must be a whole number/)

  // A few posts keep this quick; the command's default is the whole demo site.
  const seeded = plinth(site, ['seed', 'demo', '--posts', '2'], '')
  assert.equal(seeded.status, 0, seeded.stderr)
  assert.match(seeded.stdout, /^seeded the demo site in [\d.]+ s: 2 published posts, 2 drafts, 1 scheduled, 6 pages, 3 authors/m)
  const again = plinth(site, ['seed', 'demo'], '')
  assert.equal(again.status, 0, again.stderr)
  assert.match(again.stdout, /the demo content is already here \(seeded [^)]+\): nothing to do/)

  const database = site.DATABASE_URL ? openPostgres(site.DATABASE_URL, { max: 1 }) : await openPglite({ dataDir: site.DATA_DIR })
  try {
    const { rows } = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from posts where type = 'post' group by status order by status`.execute(database.db)
    assert.deepEqual(rows, [
      { status: 'draft', n: 2 },
      { status: 'published', n: 2 },
      { status: 'scheduled', n: 1 },
    ])
    // Six images, each in AVIF, WebP and its own format at 320, 640 and its own width; every file on disk.
    const files = await sql<{ sha256: string; extension: string }>`
      select sha256, extension from media union select sha256, format from media_variants`.execute(database.db)
    const variants = await sql<{ n: number }>`select count(*)::int as n from media_variants`.execute(database.db)
    assert.equal(variants.rows[0]?.n, 6 * 9)
    const stored = new Set(
      fs.readdirSync(path.join(site.DATA_DIR, 'media'), { recursive: true }).map((name) => path.basename(String(name))),
    )
    for (const file of files.rows) assert.ok(stored.has(`${file.sha256}.${file.extension}`), `${file.sha256}.${file.extension} stored`)
  } finally {
    await database.close()
  }
})

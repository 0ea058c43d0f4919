// `npm run plinth -- admin create` as a real process, on an empty site of the kind under test.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import { openPglite, openPostgres, sql } from '../src/core/db/database.ts'
import { TEST_SECRET_KEY } from './app.ts'
import { createEmptyPostgresDatabase, testDatabaseKind } from './db.ts'

const ROOT = path.resolve(import.meta.dirname, '..')

type Site = { DATA_DIR: string; DATABASE_URL?: string; SECRET_KEY?: string; SECRET_KEY_PREVIOUS?: string }

async function emptySite(t: TestContext): Promise<Site> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-cli-'))
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  return testDatabaseKind() === 'postgres'
    ? { DATA_DIR: dataDir, DATABASE_URL: await createEmptyPostgresDatabase(t), SECRET_KEY: TEST_SECRET_KEY }
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

test('secrets rotate seals TOTP secrets kept in clear, then again under a new key; an unknown key exits 1 with one line', {
  timeout: 120_000,
}, async (t) => {
  const site = await emptySite(t)
  assert.equal(plinth(site, ['admin', 'create', '--email', 'otp@example.com'], 'a long admin passphrase\n').status, 0)
  const storedSecret = async () => {
    const database = site.DATABASE_URL ? openPostgres(site.DATABASE_URL, { max: 1 }) : await openPglite({ dataDir: site.DATA_DIR })
    try {
      return (await sql<{ totp_secret: string }>`select totp_secret from users`.execute(database.db)).rows[0]?.totp_secret
    } finally {
      await database.close()
    }
  }
  {
    const database = site.DATABASE_URL ? openPostgres(site.DATABASE_URL, { max: 1 }) : await openPglite({ dataDir: site.DATA_DIR })
    await sql`update users set totp_secret = 'JBSWY3DPEHPK3PXP'`.execute(database.db)
    await database.close()
  }
  // PGlite without SECRET_KEY: the key made in DATA_DIR on first use.
  const firstKey = site.SECRET_KEY ?? fs.readFileSync(path.join(site.DATA_DIR, 'secret.key'), 'utf8').trim()
  const sealed = plinth(site, ['secrets', 'rotate'], '')
  assert.equal(sealed.status, 0, sealed.stderr)
  assert.match(sealed.stdout, /^sealed 1 of 1 stored TOTP secret\(s\) again with key [0-9a-f]{8}/m)
  const first = await storedSecret()
  assert.match(first ?? '', /^v1:[0-9a-f]{8}:/)
  assert.ok(!first?.includes('JBSWY3DPEHPK3PXP'))

  const newKey = 'c0ffee00'.repeat(8)
  const rotated = plinth({ ...site, SECRET_KEY: newKey, SECRET_KEY_PREVIOUS: firstKey }, ['secrets', 'rotate'], '')
  assert.equal(rotated.status, 0, rotated.stderr)
  assert.match(rotated.stdout, /^sealed 1 of 1 /m)
  const second = await storedSecret()
  assert.notEqual(second, first)
  assert.equal(
    plinth({ ...site, SECRET_KEY: newKey }, ['secrets', 'rotate'], '')
      .stdout.trim()
      .split('\n')
      .at(-1)
      ?.startsWith('sealed 0 of 1'),
    true,
  )

  const lost = plinth({ ...site, SECRET_KEY: 'badc0de0'.repeat(8) }, ['secrets', 'rotate'], '')
  assert.equal(lost.status, 1)
  assert.match(
    lost.stderr,
    /^plinth: secrets rotate failed: a stored secret was sealed with key [0-9a-f]{8}, which this server does not have .*SECRET_KEY_PREVIOUS/,
  )
  assert.equal(lost.stderr.trim().split('\n').length, 1)
  assert.equal(await storedSecret(), second)
})

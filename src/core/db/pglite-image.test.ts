import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import { openPglite, sql } from './database.ts'
import { readMigrationFiles } from './migrate.ts'
import { copyMigratedImage, type MigratedImageManifest, migratedImageDir } from './pglite-image.ts'

const files = readMigrationFiles()

function tempDir(t: TestContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-image-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** An image directory of our own (the real one is shared by every process of this machine). */
function fakeImage(t: TestContext, migrations: MigratedImageManifest['migrations']) {
  const dir = tempDir(t)
  fs.mkdirSync(path.join(dir, 'pgdata', 'base'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'pgdata', 'PG_VERSION'), '18\n')
  fs.writeFileSync(path.join(dir, 'migrations.json'), JSON.stringify({ migrations }))
  return dir
}

test('a new data directory copies the migrated image only when every migration in it is one of the current files, unchanged', async (t) => {
  const target = tempDir(t)
  const all = files.map(({ name, checksum }) => ({ name, checksum }))
  const cases: [string, MigratedImageManifest['migrations'], boolean][] = [
    ['all of them', all, true],
    ['the first ones (the rest run at start)', all.slice(0, 3), true],
    ['none', [], true],
    ['one edited since', all.map((m, i) => (i === 1 ? { ...m, checksum: 'x'.repeat(64) } : m)), false],
    ['one no longer in the files', [...all, { name: '9999_gone.sql', checksum: 'y'.repeat(64) }], false],
  ]
  for (const [what, migrations, copies] of cases) {
    const pgdata = path.join(target, what.replace(/\W+/g, '-'), 'pgdata')
    fs.mkdirSync(path.dirname(pgdata), { recursive: true })
    assert.equal(await copyMigratedImage(pgdata, fakeImage(t, migrations)), copies, what)
    assert.equal(fs.existsSync(path.join(pgdata, 'PG_VERSION')), copies, what)
    assert.deepEqual(
      fs.readdirSync(path.dirname(pgdata)).filter((name) => name.endsWith('.tmp')),
      [],
      `${what}: no temporary copy left`,
    )
  }

  const missing = path.join(target, 'no-image', 'pgdata')
  assert.equal(await copyMigratedImage(missing, path.join(target, 'nowhere')), false, 'no image at all')
  const occupied = path.join(target, 'occupied', 'pgdata')
  fs.mkdirSync(occupied, { recursive: true })
  assert.equal(await copyMigratedImage(occupied, fakeImage(t, all)), false, 'something is there already')
})

test('a PGlite site opened on an empty directory starts with the migrations of the installed image applied', {
  skip: !fs.existsSync(path.join(migratedImageDir, 'migrations.json')) && 'no migrated image (npm install builds it)',
}, async (t) => {
  const dataDir = tempDir(t)
  const manifest = JSON.parse(fs.readFileSync(path.join(migratedImageDir, 'migrations.json'), 'utf8')) as MigratedImageManifest
  const database = await openPglite({ dataDir })
  try {
    const { rows } = await sql<{ name: string }>`select name from schema_migrations order by name`.execute(database.db)
    assert.deepEqual(
      rows.map((row) => row.name),
      manifest.migrations.map((m) => m.name),
    )
  } finally {
    await database.close()
  }
})

// What a started server holds (decision 0014): the libraries that only some requests use are
// loaded at their first use, not at start, so the idle process does not keep them. The server
// runs as `npm start` runs it, on an empty site of the kind under test, until /readyz answers 200.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { TEST_SECRET_KEY } from './app.ts'
import { createEmptyPostgresDatabase, testDatabaseKind } from './db.ts'
import { freePort } from './free-port.ts'
import { waitFor } from './wait-for.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const kind = testDatabaseKind()

/** Packages a start must not load: each is loaded where it is first needed. */
const LOADED_ON_FIRST_USE = [
  'markdown-it', // content/markdown.ts: a write or a preview
  'markdown-it-footnote',
  'sanitize-html',
  'transliteration', // a slug
  're2js', // a form field's pattern
  'sharp', // media: an upload
  'file-type',
  'nodemailer', // a mail sent over SMTP
  '@zxcvbn-ts/language-common', // a new password
  'esbuild', // builds the admin UI at install; never in the server
]

async function startedServerLoads(t: import('node:test').TestContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-loads-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const site =
    kind === 'postgres'
      ? { DATABASE_URL: await createEmptyPostgresDatabase(t), SECRET_KEY: TEST_SECRET_KEY }
      : { DATA_DIR: path.join(dir, 'data') }
  const port = await freePort()
  const recordFile = path.join(dir, 'loads.json')
  const startFlags = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
    .split(/\s+/)
    .filter((word) => word.startsWith('--'))
  const child = spawn(process.execPath, [...startFlags, '--import', './test/fixtures/record-loads.ts', 'src/main.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      RECORD_LOADS_FILE: recordFile,
      ...site,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.after(() => child.kill('SIGKILL'))
  await waitFor(
    'the server to be ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${stderr}`)
      return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  )
  child.kill('SIGTERM')
  assert.equal(await exited, 0, stderr)
  const { urls, internal } = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as { urls: string[]; internal: string[] }
  const packages = new Set(urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name) => name !== undefined))
  return { urls, internal, packages }
}

test(`a server started on ${kind} has not loaded what only some requests use`, { timeout: 120_000 }, async (t) => {
  const { urls, internal, packages } = await startedServerLoads(t)
  // The record is real: the server's own modules and the libraries every request uses are in it.
  assert.ok(urls.some((url) => url.endsWith('/src/app.ts')))
  for (const name of ['fastify', 'kysely', 'typebox']) assert.ok(packages.has(name), `${name} is loaded`)
  for (const name of LOADED_ON_FIRST_USE) assert.ok(!packages.has(name), `${name} is not loaded at start`)
  // typebox/value: ~300 modules more than typebox, used by mail, forms' reply-to and proof of work (core/typebox-value.ts).
  assert.deepEqual(
    urls.filter((url) => /\/node_modules\/typebox\/build\/value\//.test(url)),
    [],
  )
  // Node's bundled undici (fetch, WebSocket) is loaded by an ES import of node:http; the server takes node:http as require() does.
  assert.deepEqual(
    internal.filter((name) => name.includes('undici')),
    [],
  )
  // Each database's driver alone.
  if (kind === 'postgres') assert.ok(!packages.has('@electric-sql/pglite') && packages.has('postgres'))
  else assert.ok(packages.has('@electric-sql/pglite') && !packages.has('postgres'))
})

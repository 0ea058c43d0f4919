// The server as a real child process (`node src/main.js`, or the fixture with
// test-only routes): first start on an empty database, graceful SIGTERM, writes
// surviving kill -9, the PGlite data-directory lock, and checksum drift refused
// at start. Each test gets an empty PGlite data directory or PostgreSQL database.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { describe, type TestContext, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { openPglite, openPostgres, sql } from '../src/core/db/database.ts'
import { readMigrationFiles } from '../src/core/db/migrate.ts'
import { TEST_SECRET_KEY } from './app.ts'
import { createEmptyPostgresDatabase, testDatabaseKind } from './db.ts'
import { freePort } from './free-port.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const MAIN = 'src/main.js'
const CLI = 'src/cli.ts'
const FIXTURE = 'test/fixtures/durable-server.ts'
const kind = testDatabaseKind()
const migrations = readMigrationFiles()
const LOCKED = /in use by another Plinth process \(pid (\d+)\)/

type Site = { DATA_DIR: string; DATABASE_URL?: string; SECRET_KEY?: string }
type Exit = { code: number | null; signal: NodeJS.Signals | null }
type LogLine = { level?: number; msg?: string; [field: string]: unknown }
type Proc = {
  child: ChildProcess
  exited: Promise<Exit>
  hasExited(): boolean
  stdout(): string
  stderr(): string
  /** stdout's JSON log lines */
  logs(): LogLine[]
  /** Sends `signal` and waits (bounded) for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>
}
type Server = Proc & { port: number; url(pathname: string): string }

// The children each test spawned, killed before its data directory is removed.
const spawned = new WeakMap<TestContext, Set<Proc>>()
const spawnedBy = (t: TestContext) => spawned.get(t) ?? (spawned.set(t, new Set()).get(t) as Set<Proc>)

/** An empty data directory (PGlite) or database (PostgreSQL); children are killed and the directory removed after the test. */
async function emptySite(t: TestContext): Promise<Site> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-process-'))
  t.after(async () => {
    await Promise.all([...spawnedBy(t)].map((proc) => proc.stop('SIGKILL')))
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  return kind === 'postgres'
    ? { DATA_DIR: dataDir, DATABASE_URL: await createEmptyPostgresDatabase(t), SECRET_KEY: TEST_SECRET_KEY }
    : { DATA_DIR: dataDir }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function spawnScript(t: TestContext, script: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  let done = false
  // 'close', not 'exit': the output has been read by then.
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      done = true
      resolve({ code, signal })
    })
  })
  const proc: Proc = {
    child,
    exited,
    hasExited: () => done,
    stdout: () => stdout,
    stderr: () => stderr,
    logs: () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          try {
            return JSON.parse(line) as LogLine
          } catch {
            return { msg: line, notJson: true }
          }
        }),
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal)
      return withTimeout(exited, 20_000, `${script} to exit after ${signal}`)
    },
  }
  spawnedBy(t).add(proc)
  t.after(() => proc.stop('SIGKILL'))
  return proc
}

function spawnServer(t: TestContext, site: Site, port: number, script = MAIN): Server {
  const proc = spawnScript(t, script, [], { ...site, PORT: String(port) })
  return { ...proc, port, url: (pathname) => `http://127.0.0.1:${port}${pathname}` }
}

const describeProc = (proc: Proc) => `stderr:\n${proc.stderr()}\nstdout:\n${proc.stdout()}`

/** Spawns the server and waits until it logs that it listens (another port if the chosen one was taken meanwhile). */
async function startServer(t: TestContext, site: Site, script = MAIN): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const server = spawnServer(t, site, await freePort(), script)
    const listening = `Plinth listening on http://127.0.0.1:${server.port}`
    const started = await until(
      () => `${script} to listen`,
      () => (server.logs().some((line) => line.msg === listening) ? true : server.hasExited() ? false : undefined),
    )
    if (started) return server
    if (attempt < 3 && /EADDRINUSE/.test(server.stderr() + server.stdout())) continue
    assert.fail(`${script} exited before listening (${JSON.stringify(await server.exited)})\n${describeProc(server)}`)
  }
}

async function until<T>(what: () => string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`)
    await sleep(50)
  }
}

type Reply = { status: number; body: unknown }

/** One HTTP request on a new connection (no keep-alive pool), so a refused connection shows as ECONNREFUSED. */
function request(url: string, options: { method?: string; body?: unknown; onHeaders?: (status: number) => void } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const status = res.statusCode ?? 0
        options.onHeaders?.(status)
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('error', reject)
        res.on('end', () => {
          try {
            resolve({ status, body: text === '' ? undefined : JSON.parse(text) })
          } catch {
            resolve({ status, body: text })
          }
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/** Polls `url` every 50 ms (up to 30 s) until it answers `status`; gives up at once if `server` exits. */
function waitFor(url: string, status: number, server?: Proc): Promise<Reply> {
  let last = 'no answer yet'
  return until(
    () => `${url} to answer ${status} (last: ${last})`,
    async () => {
      if (server?.hasExited()) assert.fail(`the server exited while waiting for ${url} → ${status}\n${describeProc(server)}`)
      try {
        const reply = await request(url)
        last = `${reply.status} ${JSON.stringify(reply.body)}`
        return reply.status === status ? reply : undefined
      } catch (error) {
        last = (error as NodeJS.ErrnoException).code ?? String(error)
        return undefined
      }
    },
  )
}

async function runCli(t: TestContext, site: Site, args: string[]) {
  const proc = spawnScript(t, CLI, args, site)
  const exit = await withTimeout(proc.exited, 30_000, `${CLI} ${args.join(' ')}`)
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() }
}

const lockFile = (site: Site) => path.join(site.DATA_DIR, 'plinth.lock')
const lockOwner = (site: Site) => (fs.existsSync(lockFile(site)) ? Number.parseInt(fs.readFileSync(lockFile(site), 'utf8'), 10) : undefined)
const statusSummary = `${migrations.length} applied, 0 pending, 0 changed`

// Per test: PGlite needs a few seconds for each cold start of a process.
const timeout = 60_000

describe(`the server process on ${kind}`, () => {
  test('first start on an empty database: listens, migrates, turns ready; the CLI beside it', { timeout }, async (t) => {
    const site = await emptySite(t)
    const server = await startServer(t, site)
    const listening = server.logs().find((line) => line.msg === `Plinth listening on http://127.0.0.1:${server.port}`)
    assert.equal(listening?.database, kind)

    await waitFor(server.url('/healthz'), 200, server)
    await waitFor(server.url('/readyz'), 200, server)
    const names = migrations.map((file) => file.name)
    const applied = (server.logs().find((line) => Array.isArray(line.applied))?.applied ?? []) as string[]
    if (kind === 'postgres') assert.deepEqual(applied, names)
    else {
      // A new PGlite directory is a copy of the migrated image made at npm install
      // (decision 0003): the start applies only the migrations the image lacks.
      assert.deepEqual(applied, names.slice(names.length - applied.length))
    }
    // /readyz answers 200 a moment before the 'ready' line reaches this process through the pipe.
    await until(
      () => "the 'ready' log line",
      () => (server.logs().some((line) => line.msg === 'ready') ? true : undefined),
    )

    const status = await runCli(t, site, ['migrate', 'status'])
    if (kind === 'postgres') {
      assert.equal(status.code, 0, status.stderr)
      const lines = status.stdout.trimEnd().split('\n')
      assert.equal(lines.at(-1), statusSummary)
      for (const file of migrations) assert.ok(lines.some((line) => line.startsWith(file.name) && / applied \d{4}-/.test(line)))
    } else {
      // PGlite allows one process: the CLI is refused, names the server's pid, and leaves everything as it was.
      assert.equal(status.code, 1)
      assert.equal(status.stdout, '')
      assert.equal(status.stderr.split('\n').filter(Boolean).length, 1, status.stderr)
      assert.match(status.stderr, /^plinth: cannot open the database: the data directory .* is in use by another Plinth process/)
      assert.equal(Number(LOCKED.exec(status.stderr)?.[1]), server.child.pid)
      assert.equal(lockOwner(site), server.child.pid)
    }
    assert.equal((await request(server.url('/readyz'))).status, 200)
    assert.equal((await request(server.url('/api/v1/site'))).status, 200)

    assert.deepEqual(await server.stop(), { code: 0, signal: null })
    if (kind === 'pglite') {
      assert.equal(lockOwner(site), undefined, 'a graceful stop releases the data-directory lock')
      const after = await runCli(t, site, ['migrate', 'status'])
      assert.equal(after.code, 0, after.stderr)
      assert.equal(after.stdout.trimEnd().split('\n').at(-1), statusSummary)
    }
  })

  test('SIGTERM: the in-flight request finishes, new connections are refused, exit 0', { timeout }, async (t) => {
    const site = await emptySite(t)
    const server = await startServer(t, site, FIXTURE)
    await waitFor(server.url('/readyz'), 200, server)

    const slow = request(server.url('/test/slow?ms=1500'))
    await sleep(200)
    server.child.kill('SIGTERM')
    await sleep(100)
    const probe = await request(server.url('/readyz')).then(
      (reply) => reply.status,
      (error: NodeJS.ErrnoException) => error.code,
    )
    assert.ok(!server.hasExited(), 'the server waits for the in-flight request')
    assert.ok(probe === 503 || probe === 'ECONNREFUSED', `/readyz during shutdown answered ${probe}`)
    t.diagnostic(`/readyz during shutdown: ${probe}`)

    assert.deepEqual(await slow, { status: 200, body: { done: true } })
    assert.deepEqual(await withTimeout(server.exited, 20_000, 'the exit after SIGTERM'), { code: 0, signal: null })
    const messages = server.logs().map((line) => line.msg)
    assert.ok(messages.includes('SIGTERM received: shutting down'), describeProc(server))
    assert.ok(messages.includes('shut down'), describeProc(server))
    assert.ok(!server.logs().some((line) => (line.level ?? 0) >= 50), describeProc(server))
    await assert.rejects(request(server.url('/healthz')), { code: 'ECONNREFUSED' })
  })

  test('a write answered 200 survives kill -9 right after the answer', { timeout }, async (t) => {
    const site = await emptySite(t)
    let server = await startServer(t, site, FIXTURE)
    for (let round = 1; round <= 2; round++) {
      await waitFor(server.url('/readyz'), 200, server)
      const title = `durable ${round} ${randomBytes(6).toString('hex')}`
      let killed = false
      const put = request(server.url('/test/site'), {
        method: 'PUT',
        body: { title },
        onHeaders: (status) => {
          if (status !== 200) return
          server.child.kill('SIGKILL')
          killed = true
        },
      })
      // The kill may cut off the body; the status line is what counts.
      const outcome = await put.catch((error: unknown) => error)
      assert.ok(killed, `PUT /test/site answered ${JSON.stringify(outcome)}`)
      assert.deepEqual(await withTimeout(server.exited, 10_000, 'the kill'), { code: null, signal: 'SIGKILL' })
      // PGlite: the killed process left its lock behind; the restart must take it over.
      if (kind === 'pglite') assert.equal(lockOwner(site), server.child.pid)

      server = await startServer(t, site, FIXTURE)
      await waitFor(server.url('/readyz'), 200, server)
      const info = await request(server.url('/api/v1/site'))
      assert.equal(info.status, 200)
      assert.equal((info.body as { title: string }).title, title, `round ${round}: the committed title was lost after kill -9`)
      if (kind === 'pglite') assert.equal(lockOwner(site), server.child.pid)
    }
    assert.deepEqual(await server.stop(), { code: 0, signal: null })
  })

  test('a second server on the same data directory is refused; the first keeps serving', {
    timeout,
    skip: kind !== 'pglite' && 'PGlite only',
  }, async (t) => {
    const site = await emptySite(t)
    const first = await startServer(t, site)
    await waitFor(first.url('/readyz'), 200, first)

    const second = spawnServer(t, site, await freePort())
    const exit = await withTimeout(second.exited, 30_000, 'the second server to give up')
    assert.equal(exit.code, 1)
    const lines = second.stderr().split('\n').filter(Boolean)
    assert.equal(lines.length, 1, second.stderr())
    assert.match(lines[0] as string, LOCKED)
    assert.equal(Number(LOCKED.exec(lines[0] as string)?.[1]), first.child.pid)
    assert.equal(second.stdout(), '', 'the second server never listened')

    assert.equal(lockOwner(site), first.child.pid)
    assert.equal((await request(first.url('/readyz'))).status, 200)
    assert.equal((await request(first.url('/api/v1/site'))).status, 200)
    assert.deepEqual(await first.stop(), { code: 0, signal: null })
  })

  test('a migration changed after being applied stops the start with exit 1', { timeout }, async (t) => {
    const site = await emptySite(t)
    const first = await startServer(t, site)
    await waitFor(first.url('/readyz'), 200, first)
    assert.deepEqual(await first.stop(), { code: 0, signal: null })

    const changed = migrations[0]?.name as string
    const database = site.DATABASE_URL ? openPostgres(site.DATABASE_URL, { max: 1 }) : await openPglite({ dataDir: site.DATA_DIR })
    try {
      const { rows } = await sql`update schema_migrations set checksum = 'x' where name = ${changed} returning name`.execute(database.db)
      assert.equal(rows.length, 1)
    } finally {
      await database.close()
    }

    const second = await startServer(t, site)
    const exit = await withTimeout(second.exited, 30_000, 'the refused start to exit')
    assert.deepEqual(exit, { code: 1, signal: null }, describeProc(second))
    const fatal = second.logs().find((line) => line.level === 60)
    assert.ok(fatal, describeProc(second))
    assert.match(fatal.msg ?? '', /changed after being applied/)
    assert.ok(fatal.msg?.includes(changed))
    assert.ok(!second.logs().some((line) => line.msg === 'ready'))
    if (kind === 'pglite') assert.equal(lockOwner(site), undefined, 'the refused start releases the data-directory lock')
  })

  test('two servers starting at once on one empty database both turn ready; each migration is applied once', {
    timeout,
    skip: kind !== 'postgres' && 'PostgreSQL only: PGlite allows one process',
  }, async (t) => {
    const site = await emptySite(t)
    const servers = await Promise.all([startServer(t, site), startServer(t, site)])
    await Promise.all(servers.map((server) => waitFor(server.url('/readyz'), 200, server)))
    const appliedBy = servers.map((server) => (server.logs().find((line) => Array.isArray(line.applied))?.applied ?? []) as string[])
    assert.deepEqual(
      appliedBy.flat().sort(),
      migrations.map((file) => file.name),
      'between them, the two servers applied every migration, none twice',
    )
    const database = openPostgres(site.DATABASE_URL as string, { max: 1 })
    try {
      const { rows } = await sql<{ name: string }>`select name from schema_migrations order by name`.execute(database.db)
      assert.deepEqual(
        rows.map((row) => row.name),
        migrations.map((file) => file.name),
      )
    } finally {
      await database.close()
    }
    for (const server of servers) assert.deepEqual(await server.stop(), { code: 0, signal: null })
  })
  test('a database that cannot be reached at start is retried: /healthz 200 and /readyz 503 meanwhile, ready once it answers, SIGTERM exits 0', {
    timeout,
  }, async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-process-'))
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
    // DATABASE_URL names a port nothing listens on (yet). On PostgreSQL runs, a
    // proxy opens on that port later and forwards to a real, empty database.
    const closedPort = await freePort()
    const real = kind === 'postgres' ? new URL(await createEmptyPostgresDatabase(t)) : undefined
    const url = new URL(real?.href ?? 'postgres://plinth@127.0.0.1/plinth')
    url.hostname = '127.0.0.1'
    url.port = String(closedPort)
    const server = await startServer(t, { DATA_DIR: dataDir, DATABASE_URL: url.href, SECRET_KEY: TEST_SECRET_KEY })

    await waitFor(server.url('/healthz'), 200, server)
    const retries = () => server.logs().filter((line) => /^the database cannot be reached/.test(line.msg ?? ''))
    await until(
      () => `two retries in the log\n${describeProc(server)}`,
      () => (retries().length >= 2 ? true : server.hasExited() ? assert.fail(`exited\n${describeProc(server)}`) : undefined),
    )
    assert.deepEqual(
      retries()
        .slice(0, 2)
        .map((line) => [line.level, line.attempt, line.retryInMs]),
      [
        [40, 1, 500],
        [40, 2, 1000],
      ],
      'logged at warn, with the attempt and a pause that doubles',
    )
    assert.match(retries()[0]?.msg ?? '', /ECONNREFUSED/)
    assert.deepEqual(await request(server.url('/readyz')), { status: 503, body: { status: 'starting' } })
    const api = await request(server.url('/api/v1/site'))
    assert.equal(api.status, 503)
    assert.equal((api.body as { code?: string }).code, 'service_unavailable')
    assert.ok(!server.hasExited(), 'still running, still trying')

    if (real) {
      const proxy = net.createServer((client) => {
        const upstream = net.connect(Number(real.port || 5432), real.hostname)
        client.pipe(upstream).pipe(client)
        upstream.on('error', () => client.destroy())
        client.on('error', () => upstream.destroy())
      })
      await new Promise<void>((resolve) => proxy.listen(closedPort, '127.0.0.1', resolve))
      t.after(() => new Promise<void>((resolve) => proxy.close(() => resolve())))
      await waitFor(server.url('/readyz'), 200, server)
      const applied = server.logs().find((line) => Array.isArray(line.applied))?.applied
      assert.deepEqual(
        applied,
        migrations.map((file) => file.name),
      )
      assert.equal((await request(server.url('/api/v1/site'))).status, 200)
      // Stopping closes the pool, whose connections the proxy carries: let them go first.
      proxy.unref()
    }

    assert.deepEqual(await server.stop(), { code: 0, signal: null }, describeProc(server))
    const messages = server.logs().map((line) => line.msg)
    assert.ok(messages.includes('SIGTERM received: shutting down'), describeProc(server))
    assert.ok(messages.includes('shut down'), describeProc(server))
    // Nothing went wrong but the wait: no error lines (the starting gate's 503s are warnings).
    assert.ok(!server.logs().some((line) => (line.level ?? 0) >= 50), describeProc(server))
  })

  test('a TOTP secret stored in clear is sealed with SECRET_KEY when the server starts, not only when next used', {
    timeout,
  }, async (t) => {
    const site = await emptySite(t)
    const open = async () =>
      site.DATABASE_URL ? openPostgres(site.DATABASE_URL, { max: 1 }) : await openPglite({ dataDir: site.DATA_DIR })
    // A first start migrates (and, on PGlite, makes DATA_DIR/secret.key); then a user whose secret predates sealing.
    const first = await startServer(t, site)
    await waitFor(first.url('/readyz'), 200, first)
    assert.deepEqual(await first.stop(), { code: 0, signal: null })
    {
      const database = await open()
      await sql`insert into users (email, name, password_hash, role, totp_secret)
        values ('otp@example.com', 'Otp', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA', 'admin', 'JBSWY3DPEHPK3PXP')`.execute(
        database.db,
      )
      await database.close()
    }
    const server = await startServer(t, site)
    await waitFor(server.url('/readyz'), 200, server)
    assert.ok(
      server.logs().some((line) => line.resealed === 1 && line.total === 1),
      describeProc(server),
    )
    assert.deepEqual(await server.stop(), { code: 0, signal: null })
    const database = await open()
    try {
      const { rows } = await sql<{ totp_secret: string }>`select totp_secret from users where email = 'otp@example.com'`.execute(
        database.db,
      )
      assert.match(rows[0]?.totp_secret ?? '', /^v1:[0-9a-f]{8}:/)
      assert.ok(!rows[0]?.totp_secret.includes('JBSWY3DPEHPK3PXP'))
    } finally {
      await database.close()
    }
  })
})

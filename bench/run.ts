/**
 * `npm run bench`: Plinth against a bare node:http server serving the same bytes,
 * plus start-up time and idle memory. See bench/README.md for how to read it.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import postgres from 'postgres'
import { ARGON2_OPTIONS } from '../src/features/users/passwords.ts'
import type { HashRateResult } from './hash-rate.ts'
import type { LoadResult } from './load.ts'
import { type Child, canPin, clockTicks, cpuSeconds, killAll, rssBytes, startChild, stopChild } from './proc.ts'
import { type Scenario, scenarios } from './scenarios.ts'

const root = path.resolve(import.meta.dirname, '..')
const settings = {
  seconds: positiveNumber('BENCH_SECONDS', 8),
  warmupSeconds: 2,
  connections: positiveNumber('BENCH_CONNECTIONS', 32),
  rounds: positiveNumber('BENCH_ROUNDS', 2),
  serverCpu: 0,
  loadCpu: 1,
  login: {
    /** enough logins in flight to keep libuv's 4 threads hashing */
    connections: 16,
    /** the raw hash rate's concurrency: twice the thread pool, like a queue that never runs dry */
    hashesInFlight: 8,
    /** the /healthz load alone and beside the logins */
    healthzConnections: 4,
    /** the logins start this long before the /healthz run and end this long after it */
    leadSeconds: 1,
  },
}
const databaseUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined
/** BENCH_ONLY=text: run only the scenarios whose name contains it. */
const only = process.env.BENCH_ONLY?.trim() || undefined
/** BENCH_SKIP_PGLITE=1: with BENCH_DATABASE_URL, measure PostgreSQL only (a quicker look). */
const skipPglite = process.env.BENCH_SKIP_PGLITE === '1'
/** The scenario column of the table. */
const NAME_WIDTH = 30
const POLL_MS = 25
const READY_TIMEOUT_MS = 60_000
const IDLE_MS = 3_000
const IDLE_SAMPLE_MS = 250
const MB = 1_000_000
const TARGETS = {
  readyEmptyMs: 5_000,
  readyExistingMs: 2_000,
  idleRss: { pglite: 350 * MB, postgres: 150 * MB },
  /** login req/s ÷ raw argon2id hash rate, at least */
  loginHashRatio: 0.9,
  /** /healthz p99 while logins run ÷ /healthz p99 alone, at most */
  healthzSlowdown: 2,
}
/** For comparison, from issue 3 (logins per second, measured on the issue author's machine). */
const LOGIN_PEERS = 'WordPress 40 logins/s, Ghost 11/s, Directus 0.8/s'
const LOGIN = 'POST /api/v1/auth/login'
const ARGON2_TEXT = `${ARGON2_OPTIONS.memoryCost} KiB t=${ARGON2_OPTIONS.timeCost} p=${ARGON2_OPTIONS.parallelism}`
type LoadOptions = Pick<Scenario, 'method' | 'headers' | 'body'> & { connections?: number; exactLatency?: boolean }

type Kind = 'pglite' | 'postgres'
/** `databaseUrl`: the app's PostgreSQL database, whose server processes' CPU is counted with the app's. */
type App = { child: Child; base: string; readyMs: number; databaseUrl?: string }
type Run = {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** the server process's CPU per response, plus (PostgreSQL) its database backends' */
  cpuUsPerRequest: number
  /** of which the PostgreSQL backends serving the app's connections */
  databaseCpuUsPerRequest: number
  responses: number
  load: LoadResult
}
type Summary = Pick<Run, 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'cpuUsPerRequest' | 'databaseCpuUsPerRequest'>
type Target = { what: string; value: number; limit: string; pass: boolean }

const results = {
  startedAt: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cpus: os.availableParallelism(),
  pinned: canPin,
  clockTicks,
  settings,
  databases: [] as Record<string, unknown>[],
  targets: [] as Target[],
  problems: [] as string[],
  error: undefined as string | undefined,
}

// Cleanup runs last-in first-out, on success, on error and on Ctrl-C.
const cleanups: (() => unknown)[] = []
async function cleanUp() {
  for (let fn = cleanups.pop(); fn; fn = cleanups.pop()) {
    try {
      await fn()
    } catch (error) {
      console.error(`cleanup failed: ${(error as Error).message}`)
    }
  }
}
process.on('exit', killAll)
let interrupted: NodeJS.Signals | undefined
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = signal
    console.error(`\n${signal}: stopping`)
    killAll()
    void cleanUp().finally(() => process.exit(130))
  })
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-bench-'))
cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))

try {
  console.log(`Plinth bench · Node ${process.version} · ${results.cpu} × ${results.cpus}`)
  console.log(
    `${canPin ? `server on CPU ${settings.serverCpu}, load generator on CPU ${settings.loadCpu}` : 'not pinned (no taskset)'} · ` +
      `${settings.seconds} s runs after ${settings.warmupSeconds} s warm-up · ${settings.connections} connections · ` +
      `${settings.rounds} round(s), median shown`,
  )
  if (!(skipPglite && databaseUrl)) await benchDatabase('pglite', {})
  if (databaseUrl) await benchDatabase('postgres', { DATABASE_URL: await createDatabase(databaseUrl) })
  const passed = results.targets.filter((t) => t.pass).length
  console.log(`\ntargets: ${passed} pass, ${results.targets.length - passed} miss`)
  if (results.problems.length > 0) {
    console.log('\nproblems seen:')
    for (const problem of results.problems) console.log(`  - ${problem}`)
  }
} catch (error) {
  // After Ctrl-C the children are gone and whatever waited on them fails: that is not news.
  results.error = interrupted ? `stopped by ${interrupted}` : ((error as Error).stack ?? String(error))
  if (!interrupted) console.error(`\nbench failed: ${results.error}`)
  process.exitCode = interrupted ? 130 : 1
} finally {
  await cleanUp()
  const file = path.join(root, 'bench', 'results', `${results.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`)
}

/** Start-up twice (empty, then existing data), idle memory, then every scenario against the second process. */
async function benchDatabase(kind: Kind, databaseEnv: Record<string, string>) {
  const label = kind === 'pglite' ? 'PGlite (embedded)' : `PostgreSQL ${await serverVersion(databaseEnv.DATABASE_URL as string)}`
  const data = kind === 'pglite' ? 'DATA_DIR' : 'database'
  const section: Record<string, unknown> = { kind }
  results.databases.push(section)
  console.log(`\n${label}`)
  const env = { ...databaseEnv, DATA_DIR: fs.mkdtempSync(path.join(tmp, `${kind}-data-`)) }

  const selected = [...scenarios.entries()].filter(([, scenario]) => !only || scenario.name.includes(only))
  const first = await startApp(env)
  await stopApp(first)
  // The demo site goes in while no app runs (PGlite allows one process per data dir), so the second start finds it.
  const seeded = selected.some(([, scenario]) => scenario.seeded) ? await seedDemo(kind, env) : undefined
  if (seeded) section.seed = seeded
  const app: App = { ...(await startApp(env)), databaseUrl: databaseEnv.DATABASE_URL }
  try {
    section.readyEmptyMs = first.readyMs
    section.readyExistingMs = app.readyMs
    printFigure(
      `start → ready, empty ${data}`,
      ms(first.readyMs),
      check(`${kind} start→ready, empty`, first.readyMs, TARGETS.readyEmptyMs, 'ms'),
    )
    if (seeded?.ok) printFigure('plinth seed demo', `${(seeded.ms / 1000).toFixed(1)} s`, seeded.what)
    printFigure(
      `start → ready, existing ${data}`,
      ms(app.readyMs),
      check(`${kind} start→ready, existing`, app.readyMs, TARGETS.readyExistingMs, 'ms'),
    )
    await sleep(IDLE_MS)
    const rss = rssBytes(app.child.pid)
    section.idleRssBytes = rss
    printFigure(
      `idle RSS (ready + ${IDLE_MS / 1000} s)`,
      `${(rss / MB).toFixed(1)} MB`,
      check(`${kind} idle RSS`, rss, TARGETS.idleRss[kind], 'MB'),
    )

    if (selected.length > 0) {
      console.log(
        `\n  ${'scenario'.padEnd(NAME_WIDTH)}${'server'.padEnd(8)}${'req/s'.padStart(9)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'CPU/request'.padStart(14)}`,
      )
    }
    const post = seeded?.ok ? await newestPostSlug(app) : undefined
    const rows = []
    for (const [index, scenario] of selected) {
      const id = `${kind}-${index}`
      if (scenario.seeded && post === undefined) {
        rows.push(skip(kind, scenario, seeded?.ok ? 'no published post found on the seeded site' : 'the demo site could not be seeded'))
        continue
      }
      rows.push(await benchScenario(app, { ...scenario, path: scenario.path.replaceAll('{post}', post ?? '') }, id, kind))
    }
    section.scenarios = rows
    if (!only || LOGIN.includes(only)) section.login = await benchLogin(app, kind)
  } finally {
    await stopApp(app)
  }
  // The first-administrator setup link is logged at warn on purpose (an operator must see it); it is not a problem here.
  const logged = (first.child.output() + app.child.output())
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.includes('"msg":"No administrator yet.'))
    .join('\n')
  if (logged) results.problems.push(`${kind}: the app logged at warn or above:\n${indent(logged.slice(-2000))}`)
}

/**
 * `plinth seed demo` on the app's data, as its own process (unpinned: sharp
 * uses every CPU for the images). A failure is a problem, and the scenarios
 * that need the demo are skipped, not the whole bench.
 */
async function seedDemo(kind: Kind, env: Record<string, string>) {
  const child = startChild('seed', [process.execPath, 'src/cli.ts', 'seed', 'demo'], { cwd: root, env: childEnv(env) })
  const exit = await child.exited
  const ms = performance.now() - child.startedAt
  const line = child
    .output()
    .split('\n')
    .find((l) => l.startsWith('seeded the demo site'))
  if (exit.code !== 0 || line === undefined) {
    results.problems.push(`${kind}: plinth seed demo failed (${JSON.stringify(exit)}):\n${indent(child.output().slice(-2000))}`)
    process.exitCode = 1
    return { ok: false, ms, what: '' }
  }
  // "seeded the demo site in 34.7 s: 36 published posts, …, 43 images with 258 variants (32.6 s)"
  const published = /(\d+) published posts/.exec(line)?.[1]
  const images = /(\d+) images with (\d+) variants/.exec(line)
  return { ok: true, ms, what: `${published} posts, ${images?.[1]} images + ${images?.[2]} variants`, output: line }
}

/** The slug of the newest published post, as a front end would find it (the API lists newest first). */
async function newestPostSlug(app: App): Promise<string | undefined> {
  const response = await request(`${app.base}/api/v1/posts?limit=1`)
  if (response.status !== 200) return undefined
  return (JSON.parse(response.body.toString('utf8')) as { data: { slug: string }[] }).data[0]?.slug
}

/** A scenario that cannot run: reported in the table and as a problem (the bench exits non-zero), and the rest go on. */
function skip(kind: Kind, scenario: Scenario, why: string, detail = '') {
  console.log(`  ${scenario.name.padEnd(NAME_WIDTH)}skipped: ${why}`)
  results.problems.push(`${kind} ${scenario.name}: skipped: ${why}${detail && `: ${detail}`}`)
  process.exitCode = 1
  return { ...scenario, skipped: why }
}

async function benchScenario(app: App, scenario: Scenario, id: string, kind: Kind) {
  const expected = scenario.status ?? 200
  const headers = scenario.headers ?? {}
  const probe = await request(app.base + scenario.path, { headers, method: scenario.method, body: scenario.body })
  if (probe.status !== expected) {
    const detail = probe.body.toString('utf8').replace(/\s+/g, ' ').slice(0, 300)
    return skip(kind, scenario, `${scenario.path} answered ${probe.status}, expected ${expected}`, detail)
  }

  // The baseline serves exactly the app's bytes, content-type and content-encoding.
  const bodyFile = path.join(tmp, `body-${id}`)
  fs.writeFileSync(bodyFile, probe.body)
  const port = await freePort()
  const args = ['bench/baseline-server.ts', '--port', String(port), '--body', bodyFile, '--status', String(expected)]
  for (const name of ['content-type', 'content-encoding']) {
    const value = probe.headers[name]
    if (typeof value === 'string') args.push(`--${name}`, value)
  }
  const bare = startChild('baseline', [process.execPath, ...args], { cpu: settings.serverCpu, cwd: root, env: childEnv({}) })
  const bareBase = `http://127.0.0.1:${port}`
  const bareRuns: Run[] = []
  const appRuns: Run[] = []
  try {
    await waitForStatus(bare, bareBase + scenario.path, expected)
    const bareProbe = await request(bareBase + scenario.path, { headers, method: scenario.method, body: scenario.body })
    if (!bareProbe.body.equals(probe.body)) throw new Error(`the baseline does not serve the same bytes as the app for ${scenario.name}`)
    for (let round = 0; round < settings.rounds; round++) {
      bareRuns.push(await measure(bare, bareBase, scenario))
      appRuns.push(await measure(app.child, app.base, scenario, {}, app.databaseUrl))
    }
  } finally {
    await stopChild(bare)
  }

  const bareMedian = summarize(bareRuns)
  const appMedian = summarize(appRuns)
  const throughputRatio = appMedian.requestsPerSecond / bareMedian.requestsPerSecond
  const cpuRatio = bareMedian.cpuUsPerRequest / appMedian.cpuUsPerRequest
  printRun(scenario.name, 'bare', bareMedian)
  printRun('', 'plinth', appMedian)
  let verdict = ''
  if (scenario.minCpuRatio !== undefined) {
    const pass = cpuRatio >= scenario.minCpuRatio
    results.targets.push({ what: `${kind} ${scenario.name} cpu ratio`, value: cpuRatio, limit: `≥ ${scenario.minCpuRatio}`, pass })
    verdict = `   target ≥ ${scenario.minCpuRatio}×  ${pass ? 'pass' : 'MISS'}`
  }
  const cpuMs = appMedian.cpuUsPerRequest / 1000
  let cpuText = ''
  if (scenario.maxCpuMsPostgres !== undefined) {
    const limit = scenario.maxCpuMsPostgres
    const databaseMs = appMedian.databaseCpuUsPerRequest / 1000
    cpuText = ` · ${cpuMs.toFixed(3)} ms CPU/request${kind === 'postgres' ? ` (app ${(cpuMs - databaseMs).toFixed(3)} + database ${databaseMs.toFixed(3)})` : ''}`
    if (kind === 'postgres') {
      const pass = cpuMs <= limit
      results.targets.push({ what: `${kind} ${scenario.name} CPU per request (ms)`, value: cpuMs, limit: `≤ ${limit} ms`, pass })
      verdict += `   target ≤ ${limit} ms  ${pass ? 'pass' : 'MISS'}`
    } else {
      // The target is for PostgreSQL; PGlite's CPU includes the database itself (it runs in the app process).
      verdict += `   (target ≤ ${limit} ms is for PostgreSQL)`
    }
  }
  console.log(
    `  ${''.padEnd(NAME_WIDTH + 8)}throughput ${throughputRatio.toFixed(2)}× bare · cpu ratio ${cpuRatio.toFixed(2)}× bare${cpuText}${verdict}`,
  )
  // Per-round ratios too: each pair ran back to back, so they show how much the machine drifted between rounds.
  const cpuRatioPerRound = appRuns.map((run, i) => (bareRuns[i] as Run).cpuUsPerRequest / run.cpuUsPerRequest)
  return {
    ...scenario,
    bare: { median: bareMedian, runs: bareRuns },
    app: { median: appMedian, runs: appRuns },
    throughputRatio,
    cpuRatio,
    cpuRatioPerRound,
    cpuMsPerRequest: cpuMs,
  }
}

/**
 * Logins against the running app: one user signs up, then per round the raw
 * argon2id hash rate on the server's CPU (a child process, the app idle), logins
 * as fast as they go, /healthz alone, and /healthz while logins keep the hashing
 * threads busy.
 */
async function benchLogin(app: App, kind: Kind) {
  const { connections, healthzConnections, leadSeconds } = settings.login
  const credentials = {
    email: `bench-${randomBytes(4).toString('hex')}@example.com`,
    password: `bench ${randomBytes(12).toString('base64url')} lantern over a quiet harbour`,
  }
  const jsonPost = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const signup = await request(`${app.base}/api/v1/auth/signup`, jsonPost({ ...credentials, name: 'Bench User' }))
  if (signup.status !== 201)
    throw new Error(`sign-up answered ${signup.status}, expected 201: ${signup.body.toString('utf8').slice(0, 300)}`)
  const login: Scenario = { name: LOGIN, path: '/api/v1/auth/login', ...jsonPost(credentials) }
  const probe = await request(app.base + login.path, login)
  if (probe.status !== 200) throw new Error(`${LOGIN} answered ${probe.status}, expected 200: ${probe.body.toString('utf8').slice(0, 300)}`)
  const healthz: Scenario = { name: 'GET /healthz', path: '/healthz' }
  const healthzOptions: LoadOptions = { connections: healthzConnections, exactLatency: true }

  const rounds = []
  for (let round = 0; round < settings.rounds; round++) {
    const hash = await hashRate(credentials.password)
    const logins = await measure(app.child, app.base, login, { connections })
    const alone = await measure(app.child, app.base, healthz, healthzOptions)
    // The logins start first and end last, so the whole /healthz run sees the hashing threads busy.
    const [loginsBesideLoad, besideLoad] = await Promise.all([
      load(app.base + login.path, { ...login, connections }, settings.seconds + 2 * leadSeconds),
      sleep(leadSeconds * 1000).then(() => load(app.base + healthz.path, healthzOptions, settings.seconds)),
    ])
    await waitForIdle(app.child)
    expectStatus(app.child, { ...healthz, name: `${healthz.name} beside logins` }, besideLoad)
    expectStatus(app.child, { ...login, name: `${LOGIN} beside /healthz` }, loginsBesideLoad)
    const healthzP99 = (result: LoadResult) => result.exactLatencyMs?.p99 ?? result.latencyMs.p99
    rounds.push({
      hash: { ...hash, hashesPerSecond: hash.hashes / hash.seconds, cpuMsPerHash: (hash.cpuSeconds / hash.hashes) * 1e3 },
      logins,
      healthzAlone: { ...alone, p99ExactMs: healthzP99(alone.load) },
      healthzBesideLogins: {
        requestsPerSecond: (besideLoad.statuses['200'] ?? 0) / besideLoad.seconds,
        p99ExactMs: healthzP99(besideLoad),
        load: besideLoad,
        loginsMeanwhilePerSecond: (loginsBesideLoad.statuses['200'] ?? 0) / loginsBesideLoad.seconds,
        loginsLoad: loginsBesideLoad,
      },
    })
  }

  const hashesPerSecond = median(rounds.map((r) => r.hash.hashesPerSecond))
  const cpuMsPerHash = median(rounds.map((r) => r.hash.cpuMsPerHash))
  const loginMedian = summarize(rounds.map((r) => r.logins))
  const loginHashRatio = loginMedian.requestsPerSecond / hashesPerSecond
  const healthzAloneP99 = median(rounds.map((r) => r.healthzAlone.p99ExactMs))
  const healthzBesideP99 = median(rounds.map((r) => r.healthzBesideLogins.p99ExactMs))
  const healthzSlowdown = healthzBesideP99 / healthzAloneP99
  const loginsMeanwhile = median(rounds.map((r) => r.healthzBesideLogins.loginsMeanwhilePerSecond))
  const healthzAloneRate = median(rounds.map((r) => r.healthzAlone.requestsPerSecond))
  const healthzBesideRate = median(rounds.map((r) => r.healthzBesideLogins.requestsPerSecond))
  const perSecond = (value: number) => `${Math.round(value).toLocaleString('en')} req/s`

  console.log(`\n  login: one user, ${connections} connections; argon2id m=${ARGON2_TEXT}`)
  printFigure(
    `argon2id hashes, ${settings.login.hashesInFlight} in flight`,
    `${hashesPerSecond.toFixed(1)} /s`,
    `${cpuMsPerHash.toFixed(1)} ms CPU per hash (own process, on the server's CPU)`,
  )
  printFigure(
    LOGIN,
    `${loginMedian.requestsPerSecond.toFixed(1)} /s`,
    `${(loginMedian.cpuUsPerRequest / 1000).toFixed(1)} ms CPU per login · p50 ${loginMedian.p50Ms} ms · p99 ${loginMedian.p99Ms} ms`,
  )
  printFigure(
    'logins ÷ raw hash rate',
    `${loginHashRatio.toFixed(2)}×`,
    ratioCheck(`${kind} login req/s ÷ raw hash rate`, loginHashRatio, '≥', TARGETS.loginHashRatio),
  )
  printFigure(
    'GET /healthz p99 alone',
    `${healthzAloneP99.toFixed(2)} ms`,
    `${healthzConnections} connections · ${perSecond(healthzAloneRate)}`,
  )
  printFigure(
    'GET /healthz p99 beside logins',
    `${healthzBesideP99.toFixed(2)} ms`,
    `${perSecond(healthzBesideRate)} · logins meanwhile ${loginsMeanwhile.toFixed(1)} /s`,
  )
  printFigure(
    '/healthz p99 beside ÷ alone',
    `${healthzSlowdown.toFixed(2)}×`,
    ratioCheck(`${kind} /healthz p99 beside logins ÷ alone`, healthzSlowdown, '≤', TARGETS.healthzSlowdown),
  )
  console.log(`  note: for comparison, from issue 3 (other software, measured elsewhere): ${LOGIN_PEERS}`)

  return {
    connections,
    hashesInFlight: settings.login.hashesInFlight,
    healthzConnections,
    hashesPerSecond,
    cpuMsPerHash,
    login: loginMedian,
    loginHashRatio,
    loginHashRatioPerRound: rounds.map((r) => r.logins.requestsPerSecond / r.hash.hashesPerSecond),
    healthzAloneP99Ms: healthzAloneP99,
    healthzBesideLoginsP99Ms: healthzBesideP99,
    healthzAloneRequestsPerSecond: healthzAloneRate,
    healthzBesideLoginsRequestsPerSecond: healthzBesideRate,
    loginsBesideHealthzPerSecond: loginsMeanwhile,
    healthzSlowdown,
    healthzSlowdownPerRound: rounds.map((r) => r.healthzBesideLogins.p99ExactMs / r.healthzAlone.p99ExactMs),
    rounds,
  }
}

/** The raw argon2id hash rate: bench/hash-rate.ts on the server's CPU, with the app's parameters. */
async function hashRate(password: string): Promise<HashRateResult> {
  const args = ['bench/hash-rate.ts', '--seconds', String(settings.seconds), '--warmup', String(settings.warmupSeconds)]
  args.push('--in-flight', String(settings.login.hashesInFlight), '--password', password)
  const result = JSON.parse(await runToJson('argon2', args, settings.serverCpu, 'the hash-rate run')) as HashRateResult
  if (result.hashes === 0) throw new Error(`the hash-rate run made no hash: ${JSON.stringify(result)}`)
  return result
}

/**
 * Warm up, then one measured run; the server's CPU time is read around the
 * measured run only. With `databaseUrl` (PostgreSQL on this machine), the CPU
 * of the database server processes serving that database is added: the
 * issue's targets are "server CPU per request including the database".
 */
async function measure(server: Child, base: string, scenario: Scenario, options: LoadOptions = {}, databaseUrl?: string): Promise<Run> {
  const loadOptions = { method: scenario.method, headers: scenario.headers, body: scenario.body, ...options }
  await load(base + scenario.path, loadOptions, settings.warmupSeconds)
  await waitForIdle(server)
  const databaseBefore = databaseUrl ? await backendCpu(databaseUrl) : new Map<number, number>()
  const before = cpuSeconds(server.pid)
  const result = await load(base + scenario.path, loadOptions, settings.seconds)
  const cpu = cpuSeconds(server.pid) - before
  const databaseAfter = databaseUrl ? await backendCpu(databaseUrl) : new Map<number, number>()
  // A backend started during the run counts from 0; one that ended during it is lost (the pool keeps its connections).
  const databaseCpu = [...databaseAfter].reduce((sum, [pid, seconds]) => sum + seconds - (databaseBefore.get(pid) ?? 0), 0)
  await waitForIdle(server)
  const responses = expectStatus(server, scenario, result)
  return {
    requestsPerSecond: responses / result.seconds,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    cpuUsPerRequest: ((cpu + databaseCpu) / responses) * 1e6,
    databaseCpuUsPerRequest: (databaseCpu / responses) * 1e6,
    responses,
    load: result,
  }
}

/** CPU seconds so far of each PostgreSQL backend connected to the database of `url` (other than the one asking). */
async function backendCpu(url: string): Promise<Map<number, number>> {
  const pids = await withPostgres(
    url,
    (sql) => sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
  )
  const cpu = new Map<number, number>()
  for (const { pid } of pids) {
    try {
      cpu.set(pid, cpuSeconds(pid))
    } catch {
      // gone since the query
    }
  }
  return cpu
}

/**
 * The number of responses with the scenario's status; any other status, error or
 * timeout is a problem (and makes the bench exit non-zero), none at all an error.
 */
function expectStatus(server: Child, scenario: Scenario, result: LoadResult) {
  const expected = String(scenario.status ?? 200)
  const responses = result.statuses[expected] ?? 0
  const others = Object.entries(result.statuses).filter(([code]) => code !== expected)
  if (responses === 0) throw new Error(`${server.name}: no ${expected} responses to ${scenario.name}: ${JSON.stringify(result)}`)
  if (others.length > 0 || result.errors > 0 || result.timeouts > 0) {
    results.problems.push(
      `${server.name} ${scenario.name}: ${JSON.stringify(Object.fromEntries(others))} other statuses, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
    process.exitCode = 1
  }
  return responses
}

/**
 * Waits until `server` uses under 10 % of a CPU. autocannon drops its connections
 * when its time is up, but the server still finishes what they had asked for:
 * with logins, up to a second of queued hashing that would otherwise fall into
 * the next run.
 */
async function waitForIdle(server: Child, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const before = cpuSeconds(server.pid)
    await sleep(IDLE_SAMPLE_MS)
    if (cpuSeconds(server.pid) - before <= (IDLE_SAMPLE_MS / 1000) * 0.1) return
    if (performance.now() > deadline) {
      results.problems.push(`${server.name} was still busy ${timeoutMs / 1000} s after a load run ended`)
      return
    }
  }
}

/** One autocannon run in its own process, on the load generator's CPU. */
async function load(url: string, options: LoadOptions, seconds: number): Promise<LoadResult> {
  const connections = options.connections ?? settings.connections
  const args = ['bench/load.ts', '--url', url, '--seconds', String(seconds), '--connections', String(connections)]
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('--header', `${name}: ${value}`)
  if (options.method !== undefined) args.push('--method', options.method)
  if (options.body !== undefined) args.push('--body', options.body)
  if (options.exactLatency) args.push('--exact-latency')
  return JSON.parse(await runToJson('autocannon', args, settings.loadCpu, 'the load generator')) as LoadResult
}

/** Runs `node args…` pinned to `cpu` and returns the last line of its output that is a JSON object. */
async function runToJson(name: string, args: string[], cpu: number, what: string): Promise<string> {
  const child = startChild(name, [process.execPath, ...args], { cpu, cwd: root, env: childEnv({}) })
  const exit = await child.exited
  const json = child
    .output()
    .split('\n')
    .findLast((line) => line.startsWith('{'))
  if (exit.code !== 0 || json === undefined) throw new Error(`${what} failed (${JSON.stringify(exit)}):\n${child.output()}`)
  return json
}

async function startApp(env: Record<string, string>): Promise<App> {
  const port = await freePort()
  const child = startChild('plinth', [process.execPath, 'src/main.ts'], {
    cpu: settings.serverCpu,
    cwd: root,
    env: childEnv({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' }),
  })
  const base = `http://127.0.0.1:${port}`
  try {
    const readyAt = await waitForStatus(child, `${base}/readyz`, 200)
    return { child, base, readyMs: readyAt - child.startedAt }
  } catch (error) {
    await stopChild(child)
    throw error
  }
}

async function stopApp(app: App) {
  const exit = await stopChild(app.child)
  if (exit.code !== 0 || exit.killed) results.problems.push(`plinth did not stop cleanly on SIGTERM: ${JSON.stringify(exit)}`)
}

/** Polls `url` every 25 ms until it answers `status`; resolves with `performance.now()` at that moment. */
async function waitForStatus(child: Child, url: string, status: number): Promise<number> {
  const deadline = performance.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exit)
      throw new Error(`${child.name} exited (${JSON.stringify(child.exit)}) before ${url} answered ${status}:\n${child.output()}`)
    const response = await request(url, { timeoutMs: 1_000 }).catch(() => undefined)
    if (response?.status === status) return performance.now()
    if (performance.now() > deadline) throw new Error(`${url} did not answer ${status} within ${READY_TIMEOUT_MS} ms:\n${child.output()}`)
    await sleep(POLL_MS)
  }
}

/** A plain request that sends only `headers` and `body` (fetch would add accept-encoding and decompress). */
function request(
  url: string,
  {
    headers = {},
    method = 'GET',
    body,
    timeoutMs = 5_000,
  }: { headers?: Record<string, string>; method?: string; body?: string; timeoutMs?: number } = {},
) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}

/** Creates a randomly named database on the server at `serverUrl` (dropped at cleanup) and returns its URL. */
async function createDatabase(serverUrl: string) {
  const name = `plinth_bench_${randomBytes(6).toString('hex')}`
  await withPostgres(serverUrl, (sql) => sql.unsafe(`create database ${name}`))
  cleanups.push(() => withPostgres(serverUrl, (sql) => sql.unsafe(`drop database if exists ${name} with (force)`)))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.href
}

async function serverVersion(url: string) {
  const [row] = await withPostgres(url, (sql) => sql<{ server_version: string }[]>`show server_version`)
  return row?.server_version ?? ''
}

async function withPostgres<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 })
  try {
    return await fn(sql)
  } finally {
    await sql.end()
  }
}

function freePort() {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Children get a small, known environment rather than whatever the shell has (DATABASE_URL, NODE_OPTIONS, …). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...extra }
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name] !== undefined) env[name] = process.env[name]
  return env
}

function check(what: string, value: number, limit: number, unit: 'ms' | 'MB') {
  const pass = value <= limit
  const shown = unit === 'MB' ? `${limit / MB} MB` : `${limit.toLocaleString('en')} ms`
  results.targets.push({ what, value, limit: `≤ ${shown}`, pass })
  return `target ≤ ${shown}`.padEnd(20) + (pass ? 'pass' : 'MISS')
}

function ratioCheck(what: string, value: number, comparison: '≥' | '≤', limit: number) {
  const pass = comparison === '≥' ? value >= limit : value <= limit
  results.targets.push({ what, value, limit: `${comparison} ${limit}`, pass })
  return `target ${comparison} ${limit}×`.padEnd(20) + (pass ? 'pass' : 'MISS')
}

function summarize(runs: Run[]): Summary {
  const pick = (key: keyof Summary) => median(runs.map((run) => run[key]))
  return {
    requestsPerSecond: pick('requestsPerSecond'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    cpuUsPerRequest: pick('cpuUsPerRequest'),
    databaseCpuUsPerRequest: pick('databaseCpuUsPerRequest'),
  }
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function printFigure(label: string, value: string, target: string) {
  console.log(`  ${label.padEnd(32)}${value.padStart(10)}   ${target}`)
}

function printRun(scenario: string, server: string, run: Summary) {
  console.log(
    `  ${scenario.padEnd(NAME_WIDTH)}${server.padEnd(8)}${Math.round(run.requestsPerSecond).toLocaleString('en').padStart(9)}` +
      `${`${run.p50Ms} ms`.padStart(10)}${`${run.p99Ms} ms`.padStart(10)}${`${run.cpuUsPerRequest.toFixed(1)} µs`.padStart(14)}`,
  )
}

function ms(value: number) {
  return `${Math.round(value).toLocaleString('en')} ms`
}

function indent(text: string) {
  return text.replace(/^/gm, '    ')
}

function positiveNumber(name: string, fallback: number) {
  const raw = process.env[name]?.trim()
  if (!raw) return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`)
  return value
}

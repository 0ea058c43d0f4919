/**
 * Logins against the running app, beside the raw argon2id hash rate of the
 * same machine, and how much they slow a cheap request (/healthz).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { firstAdmin } from './admin.ts'
import { ARGON2_TEXT, type Kind, LOGIN, LOGIN_PEERS, settings, TARGETS } from './context.ts'
import type { HashRateResult } from './hash-rate.ts'
import { request } from './http.ts'
import type { LoadResult } from './load.ts'
import { expectStatus, type LoadOptions, load, measure, runToJson, waitForIdle } from './measure.ts'
import { median, printFigure, ratioCheck, summarize } from './report.ts'
import type { Scenario } from './scenarios.ts'
import type { App } from './startup.ts'

/**
 * Logins against the running app: the first administrator is made through the
 * setup link, then per round the raw
 * argon2id hash rate on the server's CPU (a child process, the app idle), logins
 * as fast as they go, /healthz alone, and /healthz while logins keep the hashing
 * threads busy.
 */
export async function benchLogin(app: App, kind: Kind) {
  const { connections, healthzConnections, leadSeconds } = settings.login
  const jsonPost = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  // Sign-up is off on a new site (issue 10): the bench's user is the first administrator (admin.ts, shared with the product scenarios).
  const credentials = await firstAdmin(app)
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
export async function hashRate(password: string): Promise<HashRateResult> {
  const args = ['bench/hash-rate.ts', '--seconds', String(settings.seconds), '--warmup', String(settings.warmupSeconds)]
  args.push('--in-flight', String(settings.login.hashesInFlight), '--password', password)
  const result = JSON.parse(await runToJson('argon2', args, settings.serverCpu, 'the hash-rate run')) as HashRateResult
  if (result.hashes === 0) throw new Error(`the hash-rate run made no hash: ${JSON.stringify(result)}`)
  return result
}

/**
 * One scenario: the app's response once, a bare node:http server serving the
 * same bytes, then rounds of autocannon against each (load.ts, its own process
 * on the load generator's CPU), with the servers' CPU time read around each run.
 */
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { IDLE_SAMPLE_MS, type Kind, NAME_WIDTH, results, root, settings, tmp } from './context.ts'
import { childEnv, freePort, request, waitForStatus } from './http.ts'
import type { LoadResult } from './load.ts'
import { backendCpu } from './postgres.ts'
import { type Child, cpuSeconds, startChild, stopChild } from './proc.ts'
import { printRun, type Run, summarize } from './report.ts'
import type { Scenario } from './scenarios.ts'
import type { App } from './startup.ts'

/**
 * Bodies that must differ per request (a form post's single-use token): `file()` is a JSON
 * array of the bodies not yet sent, `advance(n)` drops the first n once a run took them.
 */
export type BodySource = { file(): string; advance(used: number): void }

export type LoadOptions = Pick<Scenario, 'method' | 'headers' | 'body'> & {
  connections?: number
  exactLatency?: boolean
  bodies?: BodySource
}

/** A scenario that cannot run: reported in the table and as a problem (the bench exits non-zero), and the rest go on. */
export function skip(kind: Kind, scenario: Scenario, why: string, detail = '') {
  console.log(`  ${scenario.name.padEnd(NAME_WIDTH)}skipped: ${why}`)
  results.problems.push(`${kind} ${scenario.name}: skipped: ${why}${detail && `: ${detail}`}`)
  process.exitCode = 1
  return { ...scenario, skipped: why }
}

export async function benchScenario(app: App, scenario: Scenario, id: string, kind: Kind) {
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
 * Warm up, then one measured run; the server's CPU time is read around the
 * measured run only. With `databaseUrl` (PostgreSQL on this machine), the CPU
 * of the database server processes serving that database is added: the
 * issue's targets are "server CPU per request including the database".
 */
export async function measure(
  server: Child,
  base: string,
  scenario: Scenario,
  options: LoadOptions = {},
  databaseUrl?: string,
): Promise<Run> {
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

/**
 * The number of responses with the scenario's status; any other status, error or
 * timeout is a problem (and makes the bench exit non-zero), none at all an error.
 */
export function expectStatus(server: Child, scenario: Scenario, result: LoadResult) {
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
export async function waitForIdle(server: Child, timeoutMs = 30_000) {
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
export async function load(url: string, options: LoadOptions, seconds: number): Promise<LoadResult> {
  const connections = options.connections ?? settings.connections
  const args = ['bench/load.ts', '--url', url, '--seconds', String(seconds), '--connections', String(connections)]
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('--header', `${name}: ${value}`)
  if (options.method !== undefined) args.push('--method', options.method)
  if (options.body !== undefined) args.push('--body', options.body)
  if (options.exactLatency) args.push('--exact-latency')
  if (options.bodies) args.push('--bodies', options.bodies.file())
  const result = JSON.parse(await runToJson('autocannon', args, settings.loadCpu, 'the load generator')) as LoadResult
  if (options.bodies) {
    options.bodies.advance(result.bodiesUsed ?? 0)
    if ((result.bodiesReused ?? 0) > 0) {
      results.problems.push(`${url}: ${result.bodiesReused} requests reused a body (too few prepared): those posts were replays`)
      process.exitCode = 1
    }
  }
  return result
}

/** Runs `node args…` pinned to `cpu` and returns the last line of its output that is a JSON object. */
export async function runToJson(name: string, args: string[], cpu: number, what: string): Promise<string> {
  const child = startChild(name, [process.execPath, ...args], { cpu, cwd: root, env: childEnv({}) })
  const exit = await child.exited
  const json = child
    .output()
    .split('\n')
    .findLast((line) => line.startsWith('{'))
  if (exit.code !== 0 || json === undefined) throw new Error(`${what} failed (${JSON.stringify(exit)}):\n${child.output()}`)
  return json
}

/**
 * Start-up and memory: the app started as `npm start` starts it (`node <flags> src/main.js`),
 * timed from the spawn to the first /healthz 200 and the first /readyz 200;
 * `plinth seed demo`, timed, with its peak memory.
 */
import fs from 'node:fs'
import path from 'node:path'
import { type Kind, results, root, settings } from './context.ts'
import { childEnv, freePort, request, waitForStatus } from './http.ts'
import { type Child, peakRssBytes, startChild, stopChild } from './proc.ts'
import { indent } from './report.ts'

/**
 * The Node flags of `npm start` (package.json), so the bench measures the app
 * as it is started: `--max-semi-space-size=8` keeps V8's young generation at
 * 2 × 8 MB, where Node 24 lets it grow to 2 × 32 MB (~35 MB more idle RSS).
 */
const START_FLAGS = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((word) => word.startsWith('--'))

/** `databaseUrl`: the app's PostgreSQL database, whose server processes' CPU is counted with the app's. */
export type App = { child: Child; base: string; healthzMs: number; readyMs: number; databaseUrl?: string }

export async function startApp(env: Record<string, string>): Promise<App> {
  const port = await freePort()
  const child = startChild('plinth', [process.execPath, ...START_FLAGS, 'src/main.js'], {
    cpu: settings.serverCpu,
    cwd: root,
    env: childEnv({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' }),
  })
  const base = `http://127.0.0.1:${port}`
  try {
    // /healthz first (the process listens), then /readyz (migrated, serving).
    const healthzAt = await waitForStatus(child, `${base}/healthz`, 200)
    const readyAt = await waitForStatus(child, `${base}/readyz`, 200)
    return { child, base, healthzMs: healthzAt - child.startedAt, readyMs: readyAt - child.startedAt }
  } catch (error) {
    await stopChild(child)
    throw error
  }
}

export async function stopApp(app: App) {
  const exit = await stopChild(app.child)
  if (exit.code !== 0 || exit.killed) results.problems.push(`plinth did not stop cleanly on SIGTERM: ${JSON.stringify(exit)}`)
}

/**
 * `plinth seed demo` on the app's data, as its own process (unpinned), with its
 * peak memory: VmHWM from /proc, read every 20 ms while it runs (the high-water
 * mark only grows, so the last reading is the peak up to ~20 ms before the exit).
 * A failure is a problem, and the scenarios that need the demo are skipped,
 * not the whole bench.
 */
export async function seedDemo(kind: Kind, env: Record<string, string>) {
  const child = startChild('seed', [process.execPath, 'src/cli.ts', 'seed', 'demo'], { cwd: root, env: childEnv(env) })
  let peakRss = 0
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, peakRssBytes(child.pid))
    } catch {
      // exited between two readings
    }
  }, 20)
  const exit = await child.exited
  clearInterval(sampler)
  const ms = performance.now() - child.startedAt
  const line = child
    .output()
    .split('\n')
    .find((l) => l.startsWith('seeded the demo site'))
  if (exit.code !== 0 || line === undefined) {
    results.problems.push(`${kind}: plinth seed demo failed (${JSON.stringify(exit)}):\n${indent(child.output().slice(-2000))}`)
    process.exitCode = 1
    return { ok: false, ms, peakRss, what: '' }
  }
  // "seeded the demo site in 1.3 s: 36 published posts, …, 43 images with 387 variants (0.6 s)"
  const published = /(\d+) published posts/.exec(line)?.[1]
  const images = /(\d+) images with (\d+) variants/.exec(line)
  return { ok: true, ms, peakRss, what: `${published} posts, ${images?.[1]} images + ${images?.[2]} variants`, output: line }
}

/** The slug of the newest published post, as a front end would find it (the API lists newest first). */
export async function newestPost(app: App): Promise<{ slug: string; id: number } | undefined> {
  const response = await request(`${app.base}/api/v1/posts?limit=1`)
  if (response.status !== 200) return undefined
  return (JSON.parse(response.body.toString('utf8')) as { data: { slug: string; id: number }[] }).data[0]
}

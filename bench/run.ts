/**
 * `npm run bench`: start-up time, memory and the demo seed against their
 * targets, then Plinth against a bare node:http server serving the same bytes,
 * and logins. See bench/README.md for how to read it. The parts: context.ts
 * (settings, targets, results), startup.ts, measure.ts (the load scenarios of
 * scenarios.ts), login.ts, report.ts (printing and checks), http.ts, postgres.ts.
 */
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  cleanups,
  databaseUrl,
  IDLE_MS,
  type Kind,
  LOGIN,
  MB,
  NAME_WIDTH,
  only,
  results,
  root,
  settings,
  skipPglite,
  startupOnly,
  TARGETS,
  tmp,
} from './context.ts'
import { benchForms, formsSelected, seedForms } from './forms.ts'
import { benchLogin } from './login.ts'
import { benchScenario, skip } from './measure.ts'
import { createDatabase, serverVersion } from './postgres.ts'
import { canPin, killAll, rssBytes } from './proc.ts'
import { PRODUCT_COUNT, productTargets, seedProducts } from './products.ts'
import { check, indent, ms, printFigure } from './report.ts'
import { scenarios } from './scenarios.ts'
import { type App, newestPost, seedDemo, startApp, stopApp } from './startup.ts'

// Cleanup runs last-in first-out, on success, on error and on Ctrl-C.
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

/**
 * Start-up twice (empty, then existing data), the demo seed between them when
 * asked for, idle memory, then every selected scenario and the logins against
 * the second process.
 */
async function benchDatabase(kind: Kind, databaseEnv: Record<string, string>) {
  const label = kind === 'pglite' ? 'PGlite (embedded)' : `PostgreSQL ${await serverVersion(databaseEnv.DATABASE_URL as string)}`
  const data = kind === 'pglite' ? 'DATA_DIR' : 'database'
  const section: Record<string, unknown> = { kind }
  results.databases.push(section)
  console.log(`\n${label}`)
  const env = { ...databaseEnv, DATA_DIR: fs.mkdtempSync(path.join(tmp, `${kind}-data-`)) }

  const selected = startupOnly ? [] : [...scenarios.entries()].filter(([, scenario]) => !only || scenario.name.includes(only))
  const first = await startApp(env)
  await stopApp(first)
  // The demo site goes in while no app runs (PGlite allows one process per data dir), so the second start finds it.
  const wantsSeed = startupOnly || selected.some(([, scenario]) => scenario.seeded)
  const seeded = wantsSeed ? await seedDemo(kind, env) : undefined
  if (seeded) section.seed = seeded
  const catalog = selected.some(([, scenario]) => scenario.products) ? await seedProducts(kind, env) : undefined
  if (catalog) section.productSeed = catalog
  // Issue 12's form targets (bench/forms.ts): its forms and 50,000 submissions go in before the second start too.
  const formsWanted = !startupOnly && formsSelected(only)
  const formsSeed = formsWanted ? await seedForms(kind, env) : undefined
  const app: App = { ...(await startApp(env)), databaseUrl: databaseEnv.DATABASE_URL }
  try {
    section.healthzEmptyMs = first.healthzMs
    section.readyEmptyMs = first.readyMs
    section.healthzExistingMs = app.healthzMs
    section.readyExistingMs = app.readyMs
    const healthz = (which: string, value: number) =>
      printFigure(
        `start → /healthz, ${which} ${data}`,
        ms(value),
        check(`${kind} start→/healthz, ${which}`, value, TARGETS.healthzMs, 'ms'),
      )
    healthz('empty', first.healthzMs)
    printFigure(
      `start → ready, empty ${data}`,
      ms(first.readyMs),
      check(`${kind} start→ready, empty`, first.readyMs, TARGETS.readyEmptyMs, 'ms'),
    )
    if (seeded?.ok) {
      printFigure(
        'plinth seed demo',
        `${(seeded.ms / 1000).toFixed(1)} s`,
        `${check(`${kind} seed demo`, seeded.ms, TARGETS.seedMs, 's')}   ${seeded.what}`,
      )
      printFigure(
        'plinth seed demo, peak RSS',
        `${(seeded.peakRss / MB).toFixed(1)} MB`,
        check(`${kind} seed demo peak RSS`, seeded.peakRss, TARGETS.seedPeakRss, 'MB'),
      )
    }
    healthz('existing', app.healthzMs)
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
    if (catalog?.ok) printFigure(`plinth seed products --count ${PRODUCT_COUNT}`, `${(catalog.ms / 1000).toFixed(1)} s`, catalog.what)
    const post = seeded?.ok ? await newestPost(app) : undefined
    const products = catalog?.ok ? await productTargets(app) : undefined
    const rows = []
    for (const [index, scenario] of selected) {
      const id = `${kind}-${index}`
      if (scenario.seeded && post === undefined) {
        rows.push(skip(kind, scenario, seeded?.ok ? 'no published post found on the seeded site' : 'the demo site could not be seeded'))
        continue
      }
      if (scenario.products && products === undefined) {
        rows.push(skip(kind, scenario, catalog?.ok ? 'no product in stock found in the catalog' : 'the catalog could not be seeded'))
        continue
      }
      // {product_id}, {product_slug}, {cookie}, {csrf}: bench/products.ts.
      const fill = (text: string) => Object.entries(products ?? {}).reduce((out, [key, value]) => out.replaceAll(`{${key}}`, value), text)
      const path = fill(scenario.path.replaceAll('{post}', post?.slug ?? '').replaceAll('{post_id}', String(post?.id ?? '')))
      const headers = scenario.headers && Object.fromEntries(Object.entries(scenario.headers).map(([name, value]) => [name, fill(value)]))
      rows.push(await benchScenario(app, { ...scenario, path, ...(headers ? { headers } : {}) }, id, kind))
    }
    section.scenarios = rows
    // Logins before forms: the form runs leave tens of thousands of queued mail and webhook jobs, which the
    // app's worker keeps running afterwards, on the CPU the login section measures.
    if (!startupOnly && (!only || LOGIN.includes(only))) section.login = await benchLogin(app, kind)
    if (formsSeed) section.forms = await benchForms(app, kind, formsSeed)
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

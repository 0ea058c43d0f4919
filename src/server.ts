import { ConfigError, parseConfig } from '#core/config.ts'
import { type Database, openDatabase } from '#core/db/database.ts'
import { migrateUp } from '#core/db/migrate.ts'
import { type JobWorker, startJobWorker } from '#core/jobs/queue.ts'
import { Lifecycle } from '#core/lifecycle.ts'
import { installShutdown } from '#core/shutdown.ts'
import type { App } from './app.ts'
import { createDeps } from './deps.ts'
import { prepareSetupLink } from './features/users/setup.service.ts'
import { jobHandlers } from './jobs.ts'

/**
 * The server process: check the configuration (exit 2 with one line per bad
 * value), open the database, listen, then migrate, turn ready and start the
 * job worker. Listening comes first so /healthz answers while migrations run;
 * /readyz and every other route answer 503 until the database is migrated.
 */
export async function runServer(env: NodeJS.ProcessEnv, options: { beforeListen?: (app: App, database: Database) => void } = {}) {
  let config: ReturnType<typeof parseConfig>
  try {
    config = parseConfig(env, { stdoutIsTTY: process.stdout.isTTY })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems) process.stderr.write(`plinth: configuration error: ${problem}\n`)
    process.exit(2)
  }

  const lifecycle = new Lifecycle()
  // Start opening the database (PGlite compiles its WebAssembly on background
  // threads) while the app's modules load.
  const opening = openDatabase(config)
  opening.catch(() => {})
  const { buildApp } = await import('./app.ts')
  let database: Database
  try {
    database = await opening
  } catch (error) {
    process.stderr.write(`plinth: cannot open the database: ${(error as Error).message}\n`)
    process.exit(1)
  }
  const deps = createDeps(config, database)
  const app = await buildApp({ ...deps, lifecycle })
  options.beforeListen?.(app, database)
  let jobWorker: JobWorker | undefined
  installShutdown({ app, database, lifecycle, beforeDatabaseClose: async (timeoutMs) => (await jobWorker?.stop(timeoutMs)) ?? true })

  await app.listen({ port: config.port, host: config.host })
  app.log.info(
    { database: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined },
    `Plinth listening on ${config.publicUrl}`,
  )

  try {
    const applied = await migrateUp(database.db)
    if (applied.length > 0) app.log.info({ applied }, `applied ${applied.length} migration(s)`)
    // First start (or still no admin): a one-time link for the first administrator, never a default password.
    const setupUrl = await prepareSetupLink(database.db, config.publicUrl, deps.clock())
    if (setupUrl) {
      app.log.warn(
        { setupUrl },
        `No administrator yet. Open ${setupUrl} within 24 hours to create one, or run: npm run plinth -- admin create --email you@example.com`,
      )
    }
    if (lifecycle.state === 'starting') lifecycle.state = 'ready'
    // Jobs run once the schema is current; shutdown stops the worker before the database closes.
    if (lifecycle.state === 'ready') {
      jobWorker = startJobWorker({
        db: database.db,
        clock: deps.clock,
        handlers: jobHandlers(deps),
        log: app.log.child({ component: 'jobs' }),
      })
    }
    app.log.info({ msSinceProcessStart: Math.round(performance.now()) }, 'ready')
  } catch (error) {
    app.log.fatal({ err: error }, `cannot start: ${(error as Error).message}`)
    await app.close()
    await database.close()
    process.exit(1)
  }
}

import type { Server } from 'node:http'
import { type Config, ConfigError, parseConfig } from '#core/config.ts'
import { DataDirLockedError, lockDataDir } from '#core/db/data-dir-lock.ts'
import type { Database } from '#core/db/database.ts'
import { listenEarly } from '#core/http/early-server.ts'
import { Lifecycle } from '#core/lifecycle.ts'
import { installShutdown, shutdown } from '#core/shutdown.ts'
import type { App } from './app.ts'

/**
 * The server process, in the order a load balancer should see it (issue 8,
 * items 7 and 8):
 *
 * 1. check the configuration (exit 2 with one line per bad value); for PGlite,
 *    claim the data directory (exit 1 if another process has it);
 * 2. listen at once (core/http/early-server.ts): /healthz 200, /readyz and
 *    everything else 503, while the rest loads. This file imports only small
 *    modules at the top for that reason; the app, the database drivers and the
 *    features are loaded after listening;
 * 3. open the database while the app's modules load, build the app and hand
 *    the server's requests to it;
 * 4. migrate, retrying with backoff (0.5 s doubling to 10 s, for as long as it
 *    takes) while the database cannot be reached, so a PostgreSQL that starts
 *    after us or restarts is waited for rather than crashed on; /readyz stays
 *    503 meanwhile; any other failure exits 1;
 * 5. ready (/readyz 200), then the job worker.
 *
 * SIGTERM/SIGINT at any point stop cleanly (exit 0): during a retry too.
 */
export async function runServer(env: NodeJS.ProcessEnv, options: { beforeListen?: (app: App, database: Database) => void } = {}) {
  let config: Config
  try {
    config = parseConfig(env, { stdoutIsTTY: process.stdout.isTTY })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems) process.stderr.write(`plinth: configuration error: ${problem}\n`)
    process.exit(2)
  }

  // PGlite allows one process per data directory: claim it before listening, so
  // a second server on it says so and exits without ever answering a request.
  let heldLock: (() => void) | undefined
  if (!config.databaseUrl) {
    try {
      heldLock = lockDataDir(config.dataDir)
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error
      process.stderr.write(`plinth: cannot open the database: ${error.message}\n`)
      process.exit(1)
    }
  }

  const lifecycle = new Lifecycle()
  let early: Awaited<ReturnType<typeof listenEarly>>
  try {
    early = await listenEarly({ port: config.port, host: config.host, lifecycle, publicUrl: config.publicUrl })
  } catch (error) {
    heldLock?.()
    process.stderr.write(`plinth: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`)
    process.exit(1)
  }

  // Everything heavy loads now: the app and its features (~0.6 s of CPU), and
  // (below) the database. Evaluating a module graph holds the event loop, so
  // the big libraries go one at a time first, and a probe that arrives
  // meanwhile waits for one of them rather than for all.
  const loading = loadInSteps().then(() =>
    Promise.all([
      import('./app.ts'),
      import('./deps.ts'),
      import('./jobs.ts'),
      import('./features/users/admin/setup.service.ts'),
      import('#core/db/migrate.ts'),
      import('#core/db/retry.ts'),
      import('#core/jobs/queue.ts'),
    ]),
  )
  loading.catch(() => {})
  // PGlite compiles its WebAssembly on background threads while the modules load.
  const opening = import('#core/db/database.ts').then(({ openDatabase }) => openDatabase(config, { heldLock }))
  opening.catch(() => {})
  const [{ pino }, { loggerOptions }] = await Promise.all([import('pino'), import('#core/log/logger.ts')])
  const log = pino(loggerOptions(config) as import('pino').LoggerOptions)
  log.info(
    { database: config.databaseUrl ? 'postgres' : 'pglite', dataDir: config.databaseUrl ? undefined : config.dataDir },
    `Plinth listening on ${config.publicUrl}`,
  )

  // A signal before the app serves: stop listening, close the database once it
  // is open (PGlite releases its lock), exit 0. Replaced by the full shutdown below.
  const stopping = new AbortController()
  let stop = async () => {
    await closeListener(early.server)
    const database = await opening.catch(() => undefined)
    await database?.close()
    heldLock?.()
    return true
  }
  installShutdown(log, () => {
    lifecycle.state = 'stopping'
    stopping.abort()
    return stop()
  })
  const [{ buildApp }, { createDeps }, { jobHandlers }, { prepareSetupLink }, { migrateUp }, { retryWhileUnreachable }, queue] =
    await loading

  let database: Database
  try {
    database = await opening
  } catch (error) {
    process.stderr.write(`plinth: cannot open the database: ${(error as Error).message}\n`)
    process.exit(1)
  }
  if (stopping.signal.aborted) return
  const deps = createDeps(config, database)
  let appHandler: Parameters<typeof early.handOver>[0] | undefined
  const app = await buildApp(
    { ...deps, lifecycle },
    {
      loggerInstance: log,
      serverFactory: (handler) => {
        appHandler = handler
        return early.server
      },
    },
  )
  options.beforeListen?.(app, database)
  await app.ready()
  if (stopping.signal.aborted) return
  if (appHandler) early.handOver(appHandler)
  let jobWorker: import('#core/jobs/queue.ts').JobWorker | undefined
  stop = () => shutdown({ app, database, lifecycle, beforeDatabaseClose: async (timeoutMs) => (await jobWorker?.stop(timeoutMs)) ?? true })

  try {
    const { checkConnection } = await import('#core/db/database.ts')
    const applied = await retryWhileUnreachable(
      async () => {
        await checkConnection(database.db)
        return migrateUp(database.db)
      },
      {
        signal: stopping.signal,
        onRetry: ({ attempt, delayMs, error }) =>
          app.log.warn(
            { attempt, retryInMs: delayMs, err: error },
            `the database cannot be reached (${(error as { code?: string }).code ?? error.message}); attempt ${attempt} failed, trying again in ${delayMs / 1000} s`,
          ),
      },
    )
    if (applied.length > 0) app.log.info({ applied }, `applied ${applied.length} migration(s)`)
    // TOTP secrets stored in clear (before sealing existed) or under SECRET_KEY_PREVIOUS are sealed with the current key now,
    // not only when next used (decision 0007). Each row is replaced only if unchanged, so instances starting together agree.
    const { resealTotpSecrets } = await import('./features/users/two-factor/two-factor.ts')
    const sealed = await resealTotpSecrets(database.db, deps.secrets)
    if (sealed.resealed > 0) app.log.info(sealed, `sealed ${sealed.resealed} TOTP secret(s) with the current SECRET_KEY`)
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
      jobWorker = queue.startJobWorker({
        db: database.db,
        clock: deps.clock,
        handlers: jobHandlers(deps),
        log: app.log.child({ component: 'jobs' }),
      })
    }
    app.log.info({ msSinceProcessStart: Math.round(performance.now()) }, 'ready')
  } catch (error) {
    // Stopped by a signal while waiting for the database: the shutdown handles the exit.
    if (stopping.signal.aborted) return
    app.log.fatal({ err: error }, `cannot start: ${(error as Error).message}`)
    await app.close()
    await closeListener(early.server)
    await database.close()
    process.exit(1)
  }
}

/** The app's largest dependencies, one module graph per event-loop turn. */
async function loadInSteps() {
  for (const load of [
    () => import('fastify'),
    () => import('typebox'),
    () => import('kysely'),
    () => import('ajv'),
    () => import('@fastify/helmet'),
    () => import('@fastify/compress'),
    () => import('handlebars'),
    () => import('prom-client'),
  ]) {
    await load()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Stops accepting connections, drops the idle ones, and resolves when the rest have ended. */
function closeListener(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  return closed
}

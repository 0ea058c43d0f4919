import { Writable } from 'node:stream'
import type { TestContext } from 'node:test'
import { type App, buildApp, type FastifyInstance } from '../src/app.ts'
import type { Clock } from '../src/core/clock.ts'
import { type Config, parseConfig } from '../src/core/config.ts'
import type { Database } from '../src/core/db/database.ts'
import { Lifecycle } from '../src/core/lifecycle.ts'
import { loggerOptions } from '../src/core/log/logger.ts'
import { createDeps, type Deps } from '../src/deps.ts'
import type { MediaStore } from '../src/features/media/media.store.ts'
import { createTestDatabase, sharedTestDatabase } from './db.ts'
import { createStatusObserver } from './status-coverage.ts'

/** The SECRET_KEY of test apps (a test may give its own in `env`). */
export const TEST_SECRET_KEY = '7e57'.repeat(16)

export type TestApp = {
  app: App
  database: Database
  lifecycle: Lifecycle
  config: Config
  /** What the app was built with: a test hands the same object to job handlers and services. */
  deps: Deps
  logs: () => Record<string, unknown>[]
}

/** What a test may set of the app it builds. */
export type TestAppOptions = {
  env?: Record<string, string>
  lifecycle?: Lifecycle['state']
  privateDatabase?: boolean
  /** The time the app sees (test/clock.ts); the system clock by default. */
  clock?: Clock
  /** Where media bytes go; by default a store under the config's DATA_DIR. */
  store?: MediaStore
  /** Test-only routes, added to the site scope (with its hooks, headers, compression). */
  routes?: (site: FastifyInstance) => void
}

/**
 * An app on the file's copy of the migrated test database (or, with
 * `privateDatabase`, a copy of its own), closed after the test (STYLE §10). Not yet `ready()`: a test may add routes before its first inject.
 * Log lines are captured (not printed) and readable through `logs()`.
 */
export async function buildTestApp(t: Pick<TestContext, 'after'>, options: TestAppOptions = {}): Promise<TestApp> {
  const { database } = options.privateDatabase ? await createTestDatabase(t) : await sharedTestDatabase()
  const config = parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATA_DIR: '/nonexistent-plinth-test-dir',
    SECRET_KEY: TEST_SECRET_KEY,
    // Every test injects from 127.0.0.1: the API rate limit stays on, with a max no file reaches (rate-limit.test.ts sets a small one).
    RATE_LIMIT_MAX: '1000000',
    // Tests write through factories and read at once: the response cache (which sees another writer's change
    // when its notification arrives) is off unless a test turns it on (response-cache.test.ts does).
    RESPONSE_CACHE_MB: '0',
    ...options.env,
  })
  const lifecycle = new Lifecycle()
  lifecycle.state = options.lifecycle ?? 'ready'
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk))
      callback()
    },
  })
  const deps = createDeps(config, database, { clock: options.clock, store: options.store })
  // Status coverage (test/status-coverage.ts): an answer with a status the OpenAPI document does not declare fails the test.
  const statuses = createStatusObserver()
  const routes = options.routes
  const app = await buildApp(
    { ...deps, lifecycle },
    {
      logger: loggerOptions(config, stream),
      observeResponse: statuses.observe,
      extend: routes
        ? (site) => {
            site.addHook('onRoute', (route) => {
              for (const method of [route.method].flat()) statuses.fixtureRoutes.add(`${method} ${route.url}`)
            })
            routes(site)
          }
        : undefined,
    },
  )
  t.after(async () => {
    await app.close()
    const undocumented = statuses.finish()
    if (undocumented.length > 0)
      throw new Error(`Undocumented statuses (add them to the route's response schema):\n${undocumented.join('\n')}`)
  })
  return {
    app,
    database,
    lifecycle,
    config,
    deps,
    logs: () => lines.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}

import { Writable } from 'node:stream'
import type { TestContext } from 'node:test'
import { type App, buildApp } from '../src/app.ts'
import { type Config, parseConfig } from '../src/core/config.ts'
import type { Database } from '../src/core/db/database.ts'
import { Lifecycle } from '../src/core/lifecycle.ts'
import { createTestDatabase } from './db.ts'

export type TestApp = { app: App; database: Database; lifecycle: Lifecycle; config: Config; logs: () => Record<string, unknown>[] }

/**
 * An app on its own copy of the migrated test database, closed after the test
 * (STYLE §10). Not yet `ready()`: a test may add routes before its first inject.
 * Log lines are captured (not printed) and readable through `logs()`.
 */
export async function buildTestApp(
  t: Pick<TestContext, 'after'>,
  options: { env?: Record<string, string>; lifecycle?: Lifecycle['state'] } = {},
): Promise<TestApp> {
  const { database } = await createTestDatabase(t)
  const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: '/nonexistent-plinth-test-dir', ...options.env })
  const lifecycle = new Lifecycle()
  lifecycle.state = options.lifecycle ?? 'ready'
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk))
      callback()
    },
  })
  const app = await buildApp({ config, database, lifecycle }, { logger: { level: config.logLevel, stream } })
  t.after(() => app.close())
  return {
    app,
    database,
    lifecycle,
    config,
    logs: () => lines.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}

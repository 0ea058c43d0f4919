import { ConfigError, parseConfig } from '#core/config.ts'
import { openDatabase } from '#core/db/database.ts'
import { migrateUp } from '#core/db/migrate.ts'
import { Lifecycle } from '#core/lifecycle.ts'
import { installShutdown } from '#core/shutdown.ts'
import { buildApp } from './app.ts'

let config: ReturnType<typeof parseConfig>
try {
  config = parseConfig(process.env, { stdoutIsTTY: process.stdout.isTTY })
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  for (const problem of error.problems) process.stderr.write(`plinth: configuration error: ${problem}\n`)
  process.exit(2)
}

const startedAt = performance.now()
const lifecycle = new Lifecycle()
let database: Awaited<ReturnType<typeof openDatabase>>
try {
  database = await openDatabase(config)
} catch (error) {
  process.stderr.write(`plinth: cannot open the database: ${(error as Error).message}\n`)
  process.exit(1)
}
const app = await buildApp({ config, database, lifecycle })
installShutdown({ app, database, lifecycle })

// Listen first, so /healthz answers while the database is migrated; /readyz
// and every other route answer 503 until then.
await app.listen({ port: config.port, host: config.host })
app.log.info(
  { database: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined },
  `Plinth listening on ${config.publicUrl}`,
)

try {
  const applied = await migrateUp(database.db)
  if (applied.length > 0) app.log.info({ applied }, `applied ${applied.length} migration(s)`)
  if (lifecycle.state === 'starting') lifecycle.state = 'ready'
  app.log.info({ ms: Math.round(performance.now() - startedAt) }, 'ready')
} catch (error) {
  app.log.fatal({ err: error }, `cannot start: ${(error as Error).message}`)
  await app.close()
  await database.close()
  process.exit(1)
}

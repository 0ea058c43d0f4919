import { ConfigError, parseConfig } from '#core/config.ts'
import { type Database, openDatabase } from '#core/db/database.ts'
import { migrateUp, migrationStatus, readMigrationFiles } from '#core/db/migrate.ts'

/**
 * `npm run plinth -- <command>`: operator commands that run beside (PostgreSQL)
 * or instead of (PGlite, which allows one process) the server.
 */
const USAGE = `usage: npm run plinth -- <command>

commands:
  migrate status   list migrations: applied, pending, changed
  migrate up       apply pending migrations
`

type Command = (database: Database) => Promise<number>

const commands: Record<string, Command> = {
  'migrate status': async (database) => {
    const files = readMigrationFiles()
    const status = await migrationStatus(database.db, files)
    const applied = new Map(status.applied.map((row) => [row.name, row]))
    const changed = new Set(status.changed.map((file) => file.name))
    for (const file of files) {
      const row = applied.get(file.name)
      const state = changed.has(file.name) ? 'CHANGED since applied' : row ? `applied ${row.applied_at.toISOString()}` : 'pending'
      console.log(`${file.name.padEnd(48)} ${state}`)
    }
    for (const row of status.unknown) console.log(`${row.name.padEnd(48)} applied, but not in this version's files`)
    console.log(`${status.applied.length} applied, ${status.pending.length} pending, ${status.changed.length} changed`)
    return status.changed.length > 0 ? 1 : 0
  },
  'migrate up': async (database) => {
    const applied = await migrateUp(database.db)
    for (const name of applied) console.log(`applied ${name}`)
    console.log(applied.length === 0 ? 'nothing to apply: the database is up to date' : `applied ${applied.length} migration(s)`)
    return 0
  },
}

async function main(argv: string[]): Promise<number> {
  const name = argv.slice(0, 2).join(' ')
  const command = commands[name]
  if (!command) {
    process.stderr.write(
      argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' ? USAGE : `plinth: unknown command "${argv.join(' ')}"\n\n${USAGE}`,
    )
    return 2
  }
  let config: ReturnType<typeof parseConfig>
  try {
    config = parseConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems) process.stderr.write(`plinth: configuration error: ${problem}\n`)
    return 2
  }
  let database: Database
  try {
    database = await openDatabase(config)
  } catch (error) {
    process.stderr.write(`plinth: cannot open the database: ${(error as Error).message}\n`)
    return 1
  }
  try {
    return await command(database)
  } catch (error) {
    process.stderr.write(`plinth: ${name} failed: ${(error as Error).message}\n`)
    return 1
  } finally {
    await database.close()
  }
}

process.exitCode = await main(process.argv.slice(2))

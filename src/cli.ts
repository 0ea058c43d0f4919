import { parseArgs } from 'node:util'
import { ConfigError, parseConfig } from '#core/config.ts'
import { type Database, openDatabase } from '#core/db/database.ts'
import { migrateUp, migrationStatus, readMigrationFiles } from '#core/db/migrate.ts'
import { createDeps, type Deps } from './deps.ts'
import { DEMO_POSTS_MAX, seedDemo } from './features/demo/seed-demo.ts'
import { seedProducts } from './features/products/seed-products.ts'
import { createAdministrator } from './features/users/admin/setup.service.ts'
import { resealTotpSecrets } from './features/users/two-factor/two-factor.ts'

/**
 * `npm run plinth -- <command>`: operator commands that run beside (PostgreSQL)
 * or instead of (PGlite, which allows one process) the server.
 */
const USAGE = `usage: npm run plinth -- <command>

commands:
  migrate status   list migrations: applied, pending, changed
  migrate up       apply pending migrations
  admin create --email E [--name N]
                   create an administrator; the password is read from stdin
                   (one line) when it is not a terminal, else asked for
  seed demo [--posts N]
                   fill a new site with demo content: authors, tags, ${DEMO_POSTS_MAX}
                   published posts with images (N for fewer), pages, drafts;
                   does nothing on a site that already has it
  seed products --count N
                   add N generated products (categories, attributes, variants) to
                   the catalog, set-based, with progress (the benchmark's 100,000)
  secrets rotate   seal every stored secret (TOTP) with SECRET_KEY: those kept in
                   clear and those sealed with SECRET_KEY_PREVIOUS (the old key)
`

type Command = (deps: Deps, args: string[]) => Promise<number>

const commands: Record<string, Command> = {
  'admin create': async ({ db }, args) => {
    const { values } = parseArgs({ args, options: { email: { type: 'string' }, name: { type: 'string' } }, strict: true })
    if (!values.email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.email) || values.email.length > 254) {
      process.stderr.write('plinth: admin create needs --email with a valid address\n')
      return 2
    }
    const password = await readPassword()
    if (password.length < 8 || password.length > 256) {
      process.stderr.write('plinth: the password must be 8 to 256 characters\n')
      return 2
    }
    const name = (values.name ?? 'Administrator').trim().slice(0, 100) || 'Administrator'
    // A new site may not have started yet: bring its schema up to date first.
    await migrateUp(db)
    const user = await createAdministrator(db, { email: values.email, password, name }, { ip: 'cli', userAgent: 'plinth cli' })
    console.log(`created administrator ${user.email} (id ${user.id})`)
    return 0
  },
  'seed demo': async (deps, args) => {
    const { values } = parseArgs({ args, options: { posts: { type: 'string' } }, strict: true })
    const posts = values.posts === undefined ? DEMO_POSTS_MAX : Number(values.posts)
    if (!Number.isInteger(posts) || posts < 1 || posts > DEMO_POSTS_MAX) {
      process.stderr.write(`plinth: --posts must be a whole number from 1 to ${DEMO_POSTS_MAX}\n`)
      return 2
    }
    await migrateUp(deps.db)
    const result = await seedDemo(deps.db, deps.store, { posts, log: (line) => console.log(line), clock: deps.clock })
    if (result.status === 'already_seeded') {
      console.log(`the demo content is already here (seeded ${result.seededAt}): nothing to do`)
      return 0
    }
    const s = result.summary
    console.log(
      `seeded the demo site in ${s.seconds.toFixed(1)} s: ${s.published} published posts, ${s.drafts} drafts, ${s.scheduled} scheduled, ` +
        `${s.pages} pages, ${s.authors} authors, ${s.tags} tags, ${s.categories} categories, ` +
        `${s.images} images with ${s.variants} variants (${s.imageSeconds.toFixed(1)} s)`,
    )
    console.log('the demo authors have random passwords; sign in with an administrator (npm run plinth -- admin create --email …)')
    return 0
  },
  'seed products': async (deps, args) => {
    const { values } = parseArgs({ args, options: { count: { type: 'string' } }, strict: true })
    const count = Number(values.count)
    if (values.count === undefined || !Number.isInteger(count) || count < 1 || count > 1_000_000) {
      process.stderr.write('plinth: seed products needs --count N, a whole number from 1 to 1000000\n')
      return 2
    }
    await migrateUp(deps.db)
    const result = await seedProducts(deps.db, { count, log: (line) => console.log(line) })
    console.log(`added ${result.count} products in ${result.categories} categories in ${result.seconds.toFixed(1)} s`)
    return 0
  },
  'secrets rotate': async ({ db, secrets }) => {
    await migrateUp(db)
    const { resealed, total } = await resealTotpSecrets(db, secrets)
    console.log(`sealed ${resealed} of ${total} stored TOTP secret(s) again with key ${secrets.keyId}; the others already were`)
    return 0
  },
  'migrate status': async ({ db }) => {
    const files = readMigrationFiles()
    const status = await migrationStatus(db, files)
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
  'migrate up': async ({ db }) => {
    const applied = await migrateUp(db)
    for (const name of applied) console.log(`applied ${name}`)
    console.log(applied.length === 0 ? 'nothing to apply: the database is up to date' : `applied ${applied.length} migration(s)`)
    return 0
  },
}

async function main(argv: string[]): Promise<number> {
  const name = argv.slice(0, 2).join(' ')
  const command = commands[name]
  const args = argv.slice(2)
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
    return await command(createDeps(config, database), args)
  } catch (error) {
    const fields = (error as { fields?: { field: string; message: string }[] }).fields
    const detail = fields ? fields.map((f) => `${f.field} ${f.message}`).join('; ') : (error as Error).message
    process.stderr.write(`plinth: ${name} failed: ${detail}\n`)
    return 1
  } finally {
    await database.close()
  }
}

/** One line from stdin when piped; asked for without echo on a terminal. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY) {
    let text = ''
    for await (const chunk of stdin) text += chunk
    return text.split(/\r?\n/)[0] ?? ''
  }
  process.stdout.write('Password (not shown): ')
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  let password = ''
  for await (const chunk of stdin as AsyncIterable<string>) {
    for (const char of chunk) {
      if (char === '\r' || char === '\n') {
        stdin.setRawMode(false)
        stdin.pause()
        process.stdout.write('\n')
        return password
      }
      if (char === '\u0003') process.exit(130)
      password = char === '\u007f' ? password.slice(0, -1) : password + char
    }
  }
  return password
}

process.exitCode = await main(process.argv.slice(2))

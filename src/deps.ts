import path from 'node:path'
import { type ChangeFeed, createChangeFeed } from '#core/changes/changes.ts'
import { type Clock, systemClock } from '#core/clock.ts'
import type { Config } from '#core/config.ts'
import type { Database, Db } from '#core/db/database.ts'
import { createReservedPaths, type ReservedPaths } from '#core/http/reserved-paths.ts'
import { createResponseCache, type ResponseCache } from '#core/http/response-cache.ts'
import { createMailTemplates, type MailTemplates } from '#core/mail/mailer.ts'
import { type SecretBox, secretBoxFor } from '#core/security/secret-box.ts'
import { localMediaStore, type MediaStore } from './features/media/media.store.ts'

/**
 * The app's dependencies (issue 8, part 3): built once at start by the server,
 * the CLI or a test, then handed to `buildApp`, the job handlers and the CLI's
 * commands. Nothing else opens a database, makes a media store or reads the
 * time of its own. A feature takes the part it needs (`Pick<Deps, 'db' | 'clock'>`),
 * so its tests can pass just those.
 */
export type Deps = {
  config: Config
  database: Database
  /** `database.db`, the Kysely handle every query takes first. */
  db: Db
  clock: Clock
  store: MediaStore
  /** Files that must never be public (form submissions' uploads): `DATA_DIR/private`, served only through authorised routes (issue 12, item 4). */
  privateStore: MediaStore
  /**
   * The change feed's listeners (decision 0011). Writes record their changes
   * with `recordChanges(trx, …)` in their own transaction; this object is for
   * those that read them (the page cache, webhooks, live lists).
   */
  changes: ChangeFeed
  /** The mail templates the `mail.send` job renders: each feature registers its own when the app is built (app.ts). */
  mail: MailTemplates
  /** The app's own top-level paths (`blog`, `api`, `media`…): each feature reserves its own when the app is built; page slugs may not take them. */
  paths: ReservedPaths
  /** Seals secrets kept at rest (TOTP secrets) with SECRET_KEY, or the PGlite site's DATA_DIR/secret.key (decision 0007). */
  secrets: SecretBox
  /** The anonymous API answers kept in memory until the next change (core/http/response-cache.ts); undefined when RESPONSE_CACHE_MB=0. */
  responseCache: ResponseCache | undefined
}

export function createDeps(
  config: Config,
  database: Database,
  overrides: Partial<Pick<Deps, 'clock' | 'store' | 'privateStore' | 'secrets'>> = {},
): Deps {
  return Object.freeze({
    config,
    database,
    db: database.db,
    clock: overrides.clock ?? systemClock,
    store: overrides.store ?? localMediaStore(config.dataDir),
    privateStore: overrides.privateStore ?? localMediaStore(path.join(config.dataDir, 'private')),
    changes: createChangeFeed(database),
    mail: createMailTemplates(),
    paths: createReservedPaths(),
    secrets: overrides.secrets ?? secretBoxFor(config),
    responseCache: createResponseCache(config.responseCacheBytes),
  })
}

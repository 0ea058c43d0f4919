import fs from 'node:fs'
import path from 'node:path'

/**
 * Boot configuration, read once from the environment and frozen.
 * Nothing else in the program reads `process.env` (STYLE §5): tests build their
 * own config with `parseConfig({...})`.
 */
export type Config = Readonly<{
  port: number
  host: string
  dataDir: string
  /** unset → PGlite under `dataDir` */
  databaseUrl: string | undefined
  redisUrl: string | undefined
  publicUrl: string
  smtpUrl: string | undefined
  /** a folder whose templates/ and assets/ override the default theme's files of the same name (THEME_DIR) */
  themeDir: string | undefined
  /** the largest upload accepted by the media library, in bytes (MEDIA_MAX_BYTES, default 20 MiB) */
  mediaMaxBytes: number
  logLevel: LogLevel
  nodeEnv: 'development' | 'production' | 'test'
  /** pretty, human-readable logs instead of JSON lines */
  logPretty: boolean
}>

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
const NODE_ENVS = ['development', 'production', 'test'] as const

export class ConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(problems.join('; '))
    this.name = 'ConfigError'
    this.problems = problems
  }
}

type Env = Record<string, string | undefined>

/**
 * Validates the environment. Collects every bad value, then throws one
 * `ConfigError` listing them all by variable name.
 */
export function parseConfig(env: Env, options: { cwd?: string; stdoutIsTTY?: boolean } = {}): Config {
  const cwd = options.cwd ?? process.cwd()
  const problems: string[] = []
  const read = (name: string) => {
    const value = env[name]
    return value === undefined || value.trim() === '' ? undefined : value.trim()
  }

  const port = parsePort(read('PORT') ?? '3000')
  if (port === undefined) problems.push(`PORT must be an integer from 0 to 65535 (got "${env.PORT}")`)

  const host = read('HOST') ?? '127.0.0.1'
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) problems.push(`HOST must be a host name or IP address (got "${env.HOST}")`)

  const databaseUrl = read('DATABASE_URL')
  if (databaseUrl !== undefined && !isUrl(databaseUrl, ['postgres:', 'postgresql:'])) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL, or unset to use the embedded PGlite database')
  }

  const redisUrl = read('REDIS_URL')
  if (redisUrl !== undefined && !isUrl(redisUrl, ['redis:', 'rediss:'])) {
    problems.push('REDIS_URL must be a redis:// or rediss:// URL, or unset')
  }

  const smtpUrl = read('SMTP_URL')
  if (smtpUrl !== undefined && !isUrl(smtpUrl, ['smtp:', 'smtps:'])) {
    problems.push('SMTP_URL must be an smtp:// or smtps:// URL, or unset to keep mail in the outbox')
  }

  const publicUrlRaw = read('PUBLIC_URL')
  let publicUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port ?? 3000}`
  if (publicUrlRaw !== undefined) {
    if (isUrl(publicUrlRaw, ['http:', 'https:'])) publicUrl = publicUrlRaw.replace(/\/+$/, '')
    else problems.push(`PUBLIC_URL must be an http:// or https:// URL (got "${publicUrlRaw}")`)
  }

  const mediaMaxBytesRaw = read('MEDIA_MAX_BYTES') ?? String(20 * 1024 * 1024)
  const mediaMaxBytes = /^\d{1,15}$/.test(mediaMaxBytesRaw) ? Number(mediaMaxBytesRaw) : Number.NaN
  if (!(mediaMaxBytes >= 1024)) {
    problems.push(`MEDIA_MAX_BYTES must be an integer number of bytes, at least 1024 (got "${env.MEDIA_MAX_BYTES}")`)
  }

  const themeDirRaw = read('THEME_DIR')
  const themeDir = themeDirRaw === undefined ? undefined : path.resolve(cwd, themeDirRaw)
  if (themeDir !== undefined && !fs.statSync(themeDir, { throwIfNoEntry: false })?.isDirectory()) {
    problems.push(`THEME_DIR must be an existing folder (got "${themeDirRaw}")`)
  }

  const logLevel = (read('LOG_LEVEL') ?? 'info').toLowerCase()
  if (!isOneOf(LOG_LEVELS, logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`)

  const nodeEnv = read('NODE_ENV') ?? 'development'
  if (!isOneOf(NODE_ENVS, nodeEnv)) problems.push(`NODE_ENV must be one of ${NODE_ENVS.join(', ')} (got "${env.NODE_ENV}")`)

  const logFormat = read('LOG_FORMAT')
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') {
    problems.push(`LOG_FORMAT must be json or pretty (got "${logFormat}")`)
  }

  if (problems.length > 0) throw new ConfigError(problems)

  return Object.freeze({
    port: port as number,
    host,
    dataDir: path.resolve(cwd, read('DATA_DIR') ?? './data'),
    databaseUrl,
    redisUrl,
    publicUrl,
    smtpUrl,
    themeDir,
    mediaMaxBytes,
    logLevel: logLevel as LogLevel,
    nodeEnv: nodeEnv as Config['nodeEnv'],
    // JSON lines unless asked otherwise; a terminal in development gets readable lines.
    logPretty: logFormat === 'pretty' || (logFormat === undefined && nodeEnv === 'development' && options.stdoutIsTTY === true),
  })
}

function parsePort(value: string): number | undefined {
  if (!/^\d{1,5}$/.test(value)) return undefined
  const port = Number(value)
  return port <= 65535 ? port : undefined
}

function isUrl(value: string, protocols: string[]): boolean {
  try {
    const url = new URL(value)
    return protocols.includes(url.protocol) && (url.hostname !== '' || url.protocol.startsWith('postgres'))
  } catch {
    return false
  }
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value)
}

import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { parseSecretKey } from './security/secret-box.ts'

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
  /**
   * The key that seals secrets at rest, such as TOTP secrets (SECRET_KEY: 64 hex
   * digits or base64 of 32 bytes). Required with PostgreSQL; unset with PGlite →
   * DATA_DIR/secret.key, made on first start (core/security/secret-box.ts).
   */
  secretKey: Buffer | undefined
  /** The key being rotated away from (SECRET_KEY_PREVIOUS): what it sealed still opens until `plinth secrets rotate` re-seals it. */
  secretKeyPrevious: Buffer | undefined
  /** the bearer token /metrics asks for (METRICS_TOKEN); unset → /metrics answers 404 (decision 0005) */
  metricsToken: string | undefined
  /**
   * Which proxies' X-Forwarded-For to believe (TRUST_PROXY), as Fastify's
   * `trustProxy` takes it: false (unset: the socket's address is the client)
   * or the proxies' addresses/CIDRs (and proxy-addr's names loopback,
   * linklocal, uniquelocal). No hop count: Fastify 5 refuses one, as it
   * cannot tell a proxy from a client that reaches the server directly.
   */
  trustProxy: false | string[]
  /** requests per client address on /api/ within rateLimitWindowS (RATE_LIMIT_MAX, default 600; 0 = no limit) */
  rateLimitMax: number
  /** the rate limit's window in seconds (RATE_LIMIT_WINDOW_S, default 60) */
  rateLimitWindowS: number
  /**
   * Form submissions per client address and form in 10 minutes (FORM_LIMIT_PER_ADDRESS, default 10), and
   * per form from everyone in an hour (FORM_LIMIT_PER_FORM, default 600); past them, 429. 0 turns one off.
   */
  formLimitPerAddress: number
  formLimitPerForm: number
  /**
   * The memory the anonymous API response cache may hold, in bytes (RESPONSE_CACHE_MB, default 32; 0 turns
   * it off): core/http/response-cache.ts, decision 0024.
   */
  responseCacheBytes: number
  /**
   * Origins (scheme://host[:port]) whose pages may call the API with credentials
   * (CORS_ORIGINS, comma-separated), besides the site setting `cors_origins`
   * (core/http/cors.ts, decision 0016).
   */
  corsOrigins: readonly string[]
  /** Whether pages on any other origin may read the API anonymously (CORS_ANONYMOUS_READS, default true: GETs without credentials, `*`). */
  corsAnonymousReads: boolean
  /**
   * The session cookie's SameSite (SESSION_COOKIE_SAMESITE: lax by default; strict; none for a
   * front end on another site, which needs an https PUBLIC_URL since browsers drop SameSite=None without Secure).
   */
  sessionCookieSameSite: 'lax' | 'strict' | 'none'
}>

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
const NODE_ENVS = ['development', 'production', 'test'] as const
const SAME_SITE_VALUES = ['lax', 'strict', 'none'] as const

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

  const trustProxyRaw = read('TRUST_PROXY')
  const trustProxy = parseTrustProxy(trustProxyRaw)
  if (trustProxy === undefined) {
    problems.push(
      /^\d+$/.test(trustProxyRaw ?? '')
        ? `TRUST_PROXY takes the proxies' addresses, not a hop count: a count cannot tell a proxy from a client that reaches the server directly (got "${env.TRUST_PROXY}"; e.g. TRUST_PROXY=127.0.0.1)`
        : `TRUST_PROXY must be a comma-separated list of proxy addresses or CIDRs such as 127.0.0.1,10.0.0.0/8 (or loopback, linklocal, uniquelocal), or unset to trust no proxy (got "${env.TRUST_PROXY}")`,
    )
  }

  const metricsToken = read('METRICS_TOKEN')
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    problems.push('METRICS_TOKEN must be 16 to 256 printable characters without spaces, or unset to turn /metrics off')
  }

  const secretKey = readSecretKey(read('SECRET_KEY'), 'SECRET_KEY', problems)
  const secretKeyPrevious = readSecretKey(read('SECRET_KEY_PREVIOUS'), 'SECRET_KEY_PREVIOUS', problems)
  if (databaseUrl !== undefined && isUrl(databaseUrl, ['postgres:', 'postgresql:']) && read('SECRET_KEY') === undefined) {
    problems.push(
      'SECRET_KEY is required with DATABASE_URL (every instance must seal secrets with the same key): 32 random bytes, e.g. `openssl rand -base64 32`',
    )
  }

  const rateLimitMax = parseWholeNumber(read('RATE_LIMIT_MAX') ?? '600', 0, 1_000_000_000)
  if (rateLimitMax === undefined) {
    problems.push(`RATE_LIMIT_MAX must be a whole number of requests, 0 to turn the API rate limit off (got "${env.RATE_LIMIT_MAX}")`)
  }
  const rateLimitWindowS = parseWholeNumber(read('RATE_LIMIT_WINDOW_S') ?? '60', 1, 86_400)
  if (rateLimitWindowS === undefined) {
    problems.push(`RATE_LIMIT_WINDOW_S must be a whole number of seconds from 1 to 86400 (got "${env.RATE_LIMIT_WINDOW_S}")`)
  }

  const formLimitPerAddress = parseWholeNumber(read('FORM_LIMIT_PER_ADDRESS') ?? '10', 0, 1_000_000_000)
  if (formLimitPerAddress === undefined) {
    problems.push(
      `FORM_LIMIT_PER_ADDRESS must be a whole number of submissions, 0 to turn the limit off (got "${env.FORM_LIMIT_PER_ADDRESS}")`,
    )
  }
  const formLimitPerForm = parseWholeNumber(read('FORM_LIMIT_PER_FORM') ?? '600', 0, 1_000_000_000)
  if (formLimitPerForm === undefined) {
    problems.push(`FORM_LIMIT_PER_FORM must be a whole number of submissions, 0 to turn the limit off (got "${env.FORM_LIMIT_PER_FORM}")`)
  }

  const responseCacheMb = parseWholeNumber(read('RESPONSE_CACHE_MB') ?? '32', 0, 4096)
  if (responseCacheMb === undefined) {
    problems.push(`RESPONSE_CACHE_MB must be a whole number of megabytes from 0 (off) to 4096 (got "${env.RESPONSE_CACHE_MB}")`)
  }

  const corsOriginsRaw = read('CORS_ORIGINS')
  const corsOrigins = corsOriginsRaw === undefined ? [] : corsOriginsRaw.split(',').map((entry) => entry.trim())
  const badOrigin = corsOrigins.find((entry) => !isOrigin(entry))
  if (badOrigin !== undefined) {
    problems.push(
      `CORS_ORIGINS must be a comma-separated list of origins written as http(s)://host[:port] in lower case, with no path, trailing slash or default port, such as http://localhost:5173 (got "${badOrigin}")`,
    )
  }

  const corsAnonymousReads = read('CORS_ANONYMOUS_READS')?.toLowerCase() ?? 'true'
  if (corsAnonymousReads !== 'true' && corsAnonymousReads !== 'false') {
    problems.push(`CORS_ANONYMOUS_READS must be true or false (got "${env.CORS_ANONYMOUS_READS}")`)
  }

  const sameSite = read('SESSION_COOKIE_SAMESITE')?.toLowerCase() ?? 'lax'
  if (!isOneOf(SAME_SITE_VALUES, sameSite)) {
    problems.push(`SESSION_COOKIE_SAMESITE must be lax, strict or none (got "${env.SESSION_COOKIE_SAMESITE}")`)
  } else if (sameSite === 'none' && !publicUrl.startsWith('https:')) {
    problems.push('SESSION_COOKIE_SAMESITE=none needs an https:// PUBLIC_URL: browsers refuse a SameSite=None cookie that is not Secure')
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
    secretKey,
    secretKeyPrevious,
    metricsToken,
    trustProxy: trustProxy as Config['trustProxy'],
    rateLimitMax: rateLimitMax as number,
    rateLimitWindowS: rateLimitWindowS as number,
    formLimitPerAddress: formLimitPerAddress as number,
    formLimitPerForm: formLimitPerForm as number,
    responseCacheBytes: (responseCacheMb as number) * 1024 * 1024,
    corsOrigins: Object.freeze([...new Set(corsOrigins)]),
    corsAnonymousReads: corsAnonymousReads === 'true',
    sessionCookieSameSite: sameSite as Config['sessionCookieSameSite'],
  })
}

const PROXY_ADDR_NAMES = ['loopback', 'linklocal', 'uniquelocal']

/** TRUST_PROXY → Fastify's `trustProxy`; undefined when the value is not valid. */
function parseTrustProxy(value: string | undefined): Config['trustProxy'] | undefined {
  if (value === undefined) return false
  const entries = value.split(',').map((entry) => entry.trim())
  return entries.every(isAddressOrCidr) ? entries : undefined
}

function isAddressOrCidr(entry: string): boolean {
  if (PROXY_ADDR_NAMES.includes(entry)) return true
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = net.isIP(address)
  if (family === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)
}

function readSecretKey(value: string | undefined, name: string, problems: string[]): Buffer | undefined {
  if (value === undefined) return undefined
  const key = parseSecretKey(value)
  if (!key) problems.push(`${name} must be 32 bytes as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`)`)
  return key
}

function parseWholeNumber(value: string, min: number, max: number): number | undefined {
  if (!/^\d{1,10}$/.test(value)) return undefined
  const number = Number(value)
  return number >= min && number <= max ? number : undefined
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

/** An origin exactly as browsers send it in the Origin header: http(s), lower case, no path, no default port. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value
  } catch {
    return false
  }
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value)
}

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, test } from 'node:test'
import { ConfigError, parseConfig } from './config.ts'

describe('configuration', () => {
  test('an empty environment gives the documented defaults', () => {
    const config = parseConfig({}, { cwd: '/srv/site' })
    assert.equal(config.port, 3000)
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.dataDir, '/srv/site/data')
    assert.equal(config.databaseUrl, undefined)
    assert.equal(config.redisUrl, undefined)
    assert.equal(config.smtpUrl, undefined)
    assert.equal(config.publicUrl, 'http://127.0.0.1:3000')
    assert.equal(config.logLevel, 'info')
    assert.equal(config.nodeEnv, 'development')
    assert.ok(Object.isFrozen(config))
  })

  test('valid values are read and normalised', () => {
    const config = parseConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        DATA_DIR: 'var/plinth',
        DATABASE_URL: 'postgres://plinth:secret@db:5432/plinth',
        SECRET_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
        REDIS_URL: 'redis://cache:6379/0',
        PUBLIC_URL: 'https://example.com/',
        SMTP_URL: 'smtps://user:pass@mail.example.com:465',
        LOG_LEVEL: 'WARN',
        NODE_ENV: 'production',
        MEDIA_MAX_BYTES: '5242880',
      },
      { cwd: '/srv' },
    )
    assert.equal(config.port, 8080)
    assert.equal(config.host, '0.0.0.0')
    assert.equal(config.dataDir, '/srv/var/plinth')
    assert.equal(config.databaseUrl, 'postgres://plinth:secret@db:5432/plinth')
    assert.equal(config.redisUrl, 'redis://cache:6379/0')
    assert.equal(config.publicUrl, 'https://example.com')
    assert.equal(config.smtpUrl, 'smtps://user:pass@mail.example.com:465')
    assert.equal(config.logLevel, 'warn')
    assert.equal(config.nodeEnv, 'production')
    assert.equal(config.mediaMaxBytes, 5242880)
    assert.equal(config.themeDir, undefined)
    assert.equal(
      parseConfig({ THEME_DIR: 'themes/default' }, { cwd: `${import.meta.dirname}/../..` }).themeDir?.endsWith('/themes/default'),
      true,
    )
  })

  const badValues: [string, Record<string, string>, RegExp][] = [
    ['PORT not a number', { PORT: 'abc' }, /^PORT must be an integer from 0 to 65535 \(got "abc"\)$/],
    ['PORT out of range', { PORT: '70000' }, /^PORT must be/],
    ['PORT negative', { PORT: '-1' }, /^PORT must be/],
    ['PORT with a fraction', { PORT: '80.5' }, /^PORT must be/],
    ['HOST with a space', { HOST: 'local host' }, /^HOST must be/],
    ['DATABASE_URL of another database', { DATABASE_URL: 'mysql://root@localhost/db' }, /^DATABASE_URL must be a postgres:\/\//],
    ['DATABASE_URL not a URL', { DATABASE_URL: 'not a url' }, /^DATABASE_URL must be/],
    ['REDIS_URL not redis', { REDIS_URL: 'http://localhost:6379' }, /^REDIS_URL must be/],
    ['PUBLIC_URL not http', { PUBLIC_URL: 'ftp://example.com' }, /^PUBLIC_URL must be an http/],
    ['PUBLIC_URL relative', { PUBLIC_URL: '/site' }, /^PUBLIC_URL must be/],
    ['SMTP_URL not smtp', { SMTP_URL: 'mail.example.com' }, /^SMTP_URL must be/],
    ['LOG_LEVEL unknown', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    ['NODE_ENV unknown', { NODE_ENV: 'staging' }, /^NODE_ENV must be one of development, production, test/],
    ['LOG_FORMAT unknown', { LOG_FORMAT: 'xml' }, /^LOG_FORMAT must be json or pretty/],
    ['MEDIA_MAX_BYTES not a number', { MEDIA_MAX_BYTES: '20MB' }, /^MEDIA_MAX_BYTES must be an integer number of bytes/],
    ['MEDIA_MAX_BYTES too small', { MEDIA_MAX_BYTES: '10' }, /^MEDIA_MAX_BYTES must be/],
    ['THEME_DIR missing', { THEME_DIR: '/nonexistent/plinth-theme' }, /^THEME_DIR must be an existing folder/],
    ['THEME_DIR a file', { THEME_DIR: import.meta.filename }, /^THEME_DIR must be an existing folder/],
    ['TRUST_PROXY a hop count', { TRUST_PROXY: '1' }, /^TRUST_PROXY takes the proxies' addresses, not a hop count/],
    ['TRUST_PROXY true', { TRUST_PROXY: 'true' }, /^TRUST_PROXY must be a comma-separated list of proxy addresses or CIDRs/],
    ['TRUST_PROXY a host name', { TRUST_PROXY: 'proxy.local' }, /^TRUST_PROXY must be/],
    ['TRUST_PROXY a CIDR too wide', { TRUST_PROXY: '10.0.0.0/33' }, /^TRUST_PROXY must be/],
    ['RATE_LIMIT_MAX negative', { RATE_LIMIT_MAX: '-1' }, /^RATE_LIMIT_MAX must be a whole number of requests/],
    ['RATE_LIMIT_MAX a fraction', { RATE_LIMIT_MAX: '1.5' }, /^RATE_LIMIT_MAX must be/],
    ['RATE_LIMIT_WINDOW_S zero', { RATE_LIMIT_WINDOW_S: '0' }, /^RATE_LIMIT_WINDOW_S must be a whole number of seconds from 1 to 86400/],
    ['RATE_LIMIT_WINDOW_S over a day', { RATE_LIMIT_WINDOW_S: '86401' }, /^RATE_LIMIT_WINDOW_S must be/],
    ['FORM_LIMIT_PER_ADDRESS negative', { FORM_LIMIT_PER_ADDRESS: '-1' }, /^FORM_LIMIT_PER_ADDRESS must be a whole number of submissions/],
    ['FORM_LIMIT_PER_FORM a word', { FORM_LIMIT_PER_FORM: 'many' }, /^FORM_LIMIT_PER_FORM must be a whole number of submissions/],
    ['TRUST_PROXY an empty entry', { TRUST_PROXY: '127.0.0.1,,10.0.0.1' }, /^TRUST_PROXY must be/],
    [
      'CORS_ORIGINS with a path',
      { CORS_ORIGINS: 'https://app.example.org/app' },
      /^CORS_ORIGINS must be .* \(got "https:\/\/app\.example\.org\/app"\)$/,
    ],
    [
      'CORS_ORIGINS with a trailing slash',
      { CORS_ORIGINS: 'http://localhost:5173/' },
      /^CORS_ORIGINS must be .*\(got "http:\/\/localhost:5173\/"\)$/,
    ],
    ['CORS_ORIGINS without a scheme', { CORS_ORIGINS: 'localhost:5173' }, /^CORS_ORIGINS must be/],
    ['CORS_ORIGINS a wildcard', { CORS_ORIGINS: '*' }, /^CORS_ORIGINS must be .*\(got "\*"\)$/],
    ['CORS_ORIGINS in upper case', { CORS_ORIGINS: 'https://App.example.org' }, /^CORS_ORIGINS must be/],
    ['CORS_ORIGINS with the default port', { CORS_ORIGINS: 'https://app.example.org:443' }, /^CORS_ORIGINS must be/],
    ['CORS_ORIGINS with a user', { CORS_ORIGINS: 'https://me@app.example.org' }, /^CORS_ORIGINS must be/],
    ['CORS_ORIGINS not http', { CORS_ORIGINS: 'ftp://files.example.org' }, /^CORS_ORIGINS must be/],
    ['CORS_ORIGINS a port out of range', { CORS_ORIGINS: 'http://localhost:99999' }, /^CORS_ORIGINS must be/],
    [
      'CORS_ORIGINS an empty entry',
      { CORS_ORIGINS: 'http://localhost:5173,,https://app.example.org' },
      /^CORS_ORIGINS must be .*\(got ""\)$/,
    ],
    [
      'CORS_ORIGINS the second bad',
      { CORS_ORIGINS: 'http://localhost:5173, https://app.example.org/x' },
      /\(got "https:\/\/app\.example\.org\/x"\)$/,
    ],
    ['CORS_ANONYMOUS_READS not a boolean', { CORS_ANONYMOUS_READS: 'yes' }, /^CORS_ANONYMOUS_READS must be true or false \(got "yes"\)$/],
    ['SESSION_COOKIE_SAMESITE unknown', { SESSION_COOKIE_SAMESITE: 'lenient' }, /^SESSION_COOKIE_SAMESITE must be lax, strict or none/],
    [
      'SESSION_COOKIE_SAMESITE none over http',
      { SESSION_COOKIE_SAMESITE: 'none' },
      /^SESSION_COOKIE_SAMESITE=none needs an https:\/\/ PUBLIC_URL/,
    ],
    [
      'SESSION_COOKIE_SAMESITE none with an http PUBLIC_URL',
      { SESSION_COOKIE_SAMESITE: 'None', PUBLIC_URL: 'http://example.com' },
      /^SESSION_COOKIE_SAMESITE=none needs an https:\/\/ PUBLIC_URL/,
    ],
  ]
  test('CORS_ORIGINS, CORS_ANONYMOUS_READS and SESSION_COOKIE_SAMESITE: defaults, lists and cases', () => {
    const defaults = parseConfig({})
    assert.deepEqual(defaults.corsOrigins, [])
    assert.equal(defaults.corsAnonymousReads, true)
    assert.equal(defaults.sessionCookieSameSite, 'lax')
    const config = parseConfig({
      CORS_ORIGINS: ' http://localhost:5173 ,https://app.example.org,http://[::1]:8080,http://localhost:5173',
      CORS_ANONYMOUS_READS: 'FALSE',
      SESSION_COOKIE_SAMESITE: 'None',
      PUBLIC_URL: 'https://api.example.org',
    })
    // Trimmed, each once, in order.
    assert.deepEqual(config.corsOrigins, ['http://localhost:5173', 'https://app.example.org', 'http://[::1]:8080'])
    assert.ok(Object.isFrozen(config.corsOrigins))
    assert.equal(config.corsAnonymousReads, false)
    assert.equal(config.sessionCookieSameSite, 'none')
    assert.equal(parseConfig({ SESSION_COOKIE_SAMESITE: 'strict' }).sessionCookieSameSite, 'strict')
  })
  test('TRUST_PROXY: unset trusts no proxy; a list of addresses, CIDRs and proxy-addr names is kept in order', () => {
    assert.equal(parseConfig({}).trustProxy, false)
    assert.deepEqual(parseConfig({ TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8,loopback ' }).trustProxy, [
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
      'loopback',
    ])
  })

  for (const [name, env, message] of badValues) {
    test(`refuses ${name}`, () => {
      assert.throws(
        () => parseConfig(env),
        (error: unknown) => error instanceof ConfigError && error.problems.length === 1 && message.test(error.problems[0] as string),
      )
    })
  }

  test('reports every bad value at once', () => {
    assert.throws(
      () => parseConfig({ PORT: 'x', LOG_LEVEL: 'y', DATABASE_URL: 'z' }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 3,
    )
  })

  test('the server exits 2 with one line naming the bad variable and no stack trace', () => {
    const root = path.resolve(import.meta.dirname, '../..')
    const result = spawnSync(process.execPath, ['src/main.js'], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: 'abc' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(result.status, 2)
    assert.equal(result.stderr, 'plinth: configuration error: PORT must be an integer from 0 to 65535 (got "abc")\n')
    assert.equal(result.stdout, '')
  })

  test('the server exits 2 on a bad CORS_ORIGINS entry, naming it', () => {
    const result = spawnSync(process.execPath, ['src/main.js'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { PATH: process.env.PATH, CORS_ORIGINS: 'http://localhost:5173,localhost:3001' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(result.status, 2)
    assert.match(
      result.stderr,
      /^plinth: configuration error: CORS_ORIGINS must be a comma-separated list of origins .*\(got "localhost:3001"\)\n$/,
    )
    assert.equal(result.stdout, '')
  })
})

import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { describe, test } from 'node:test'
import { Redis } from 'ioredis'
import { buildTestApp } from '../../../test/app.ts'

const REDIS_URL = 'redis://127.0.0.1:6379'
// Addresses of its own per test: the counters (table rows or Redis keys) are per address.
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`

const stores: [string, Record<string, string>][] = [
  ['the database', {}],
  ['Redis (REDIS_URL)', { REDIS_URL }],
]

for (const [storeName, storeEnv] of stores) {
  describe(`the API rate limit, counted in ${storeName}`, () => {
    const env = { ...storeEnv, RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_S: '60' }

    test('after RATE_LIMIT_MAX requests a client gets 429 problem+json with Retry-After and RateLimit-* headers; other clients do not', async (t) => {
      const { app } = await buildTestApp(t, { env })
      const ip = randomIp()
      if (storeEnv.REDIS_URL) t.after(() => forgetRedisKey(ip))
      const get = (remoteAddress: string) => app.inject({ method: 'GET', url: '/api/v1/auth/me', remoteAddress })
      for (let i = 0; i < 3; i++) {
        const response = await get(ip)
        assert.equal(response.statusCode, 401, 'the route answers as usual')
        assert.equal(response.headers['ratelimit-limit'], '3')
        assert.equal(response.headers['ratelimit-remaining'], String(2 - i))
      }
      const refused = await get(ip)
      assert.equal(refused.statusCode, 429)
      assert.match(refused.headers['content-type'] as string, /^application\/problem\+json/)
      assert.equal(refused.json().status, 429)
      const retryAfter = Number(refused.headers['retry-after'])
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${refused.headers['retry-after']}`)
      assert.equal(refused.headers['ratelimit-limit'], '3')
      assert.equal(refused.headers['ratelimit-remaining'], '0')
      assert.ok(Number(refused.headers['ratelimit-reset']) >= 1)
      assert.ok(refused.headers['x-content-type-options'], 'the security headers are there too')

      const other = randomIp()
      if (storeEnv.REDIS_URL) t.after(() => forgetRedisKey(other))
      assert.equal((await get(other)).statusCode, 401, 'another client is not limited')
    })

    test('the probes and the public pages are not limited', async (t) => {
      const { app } = await buildTestApp(t, { env })
      const ip = randomIp()
      for (let i = 0; i < 5; i++) {
        for (const url of ['/healthz', '/readyz', '/']) {
          const response = await app.inject({ method: 'GET', url, remoteAddress: ip })
          assert.notEqual(response.statusCode, 429, url)
          assert.equal(response.headers['ratelimit-limit'], undefined, url)
        }
      }
    })

    test('two instances on the same store count together', async (t) => {
      const first = await buildTestApp(t, { env })
      const second = await buildTestApp(t, { env })
      const ip = randomIp()
      if (storeEnv.REDIS_URL) t.after(() => forgetRedisKey(ip))
      const get = (app: typeof first.app) => app.inject({ method: 'GET', url: '/api/v1/auth/me', remoteAddress: ip })
      const statuses = [await get(first.app), await get(second.app), await get(first.app), await get(second.app)].map((r) => r.statusCode)
      assert.deepEqual(statuses, [401, 401, 401, 429])
    })
  })
}

describe('the API rate limit, configuration', () => {
  test('RATE_LIMIT_MAX=0 turns it off', async (t) => {
    const { app } = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '0' } })
    const ip = randomIp()
    for (let i = 0; i < 5; i++) {
      const response = await app.inject({ method: 'GET', url: '/api/v1/auth/me', remoteAddress: ip })
      assert.equal(response.statusCode, 401)
      assert.equal(response.headers['ratelimit-limit'], undefined)
    }
  })

  test('Redis out of reach: requests go through unlimited rather than fail', async (t) => {
    const { app } = await buildTestApp(t, { env: { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_MAX: '1' } })
    const ip = randomIp()
    for (let i = 0; i < 3; i++) {
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', remoteAddress: ip })).statusCode, 401)
    }
  })

  test('with TRUST_PROXY, the client behind the proxy is counted, not the proxy', async (t) => {
    const proxy = randomIp()
    const { app } = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '2', TRUST_PROXY: proxy } })
    const get = (client: string) =>
      app.inject({ method: 'GET', url: '/api/v1/auth/me', remoteAddress: proxy, headers: { 'x-forwarded-for': client } })
    const one = randomIp()
    const two = randomIp()
    assert.deepEqual([(await get(one)).statusCode, (await get(one)).statusCode, (await get(one)).statusCode], [401, 401, 429])
    assert.equal((await get(two)).statusCode, 401, 'a second client behind the same proxy')
  })
})

async function forgetRedisKey(ip: string) {
  const redis = new Redis(REDIS_URL, { lazyConnect: true })
  await redis.connect()
  await redis.del(`plinth:rate-limit:${ip}`)
  redis.disconnect()
}

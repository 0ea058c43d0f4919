import assert from 'node:assert/strict'
import { test } from 'node:test'
import { freePort } from '../../../test/free-port.ts'
import { checkConnection, openPostgres } from './database.ts'
import { isUnreachable, retryDelayMs, retryWhileUnreachable } from './retry.ts'

const withCode = (code: unknown) => Object.assign(new Error('x'), { code })

test('which start-up errors are waited out, and which end the start', () => {
  const cases: [unknown, boolean][] = [
    [withCode('ECONNREFUSED'), true],
    [withCode('ECONNRESET'), true],
    [withCode('ETIMEDOUT'), true],
    [withCode('ENOTFOUND'), true],
    [withCode('EAI_AGAIN'), true],
    [withCode('CONNECT_TIMEOUT'), true],
    [withCode('CONNECTION_CLOSED'), true],
    [withCode('08006'), true], // connection failure
    [withCode('57P03'), true], // the database system is starting up
    [withCode('57P01'), true], // admin shutdown
    [withCode('53300'), true], // too many connections
    [withCode('28P01'), false], // wrong password
    [withCode('3D000'), false], // no such database
    [withCode('42P01'), false], // undefined table
    [withCode('57014'), false], // query cancelled
    [withCode(42), false],
    [new Error('a migration changed after being applied'), false],
    [null, false],
    ['ECONNREFUSED', false],
  ]
  for (const [error, expected] of cases) assert.equal(isUnreachable(error), expected, JSON.stringify((error as { code?: unknown })?.code))
})

test('the pause doubles from 0.5 s and stays at 10 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map(retryDelayMs), [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000])
})

test('a closed port is unreachable; the wait ends at once when the signal aborts, other errors are thrown as they are', async (t) => {
  const database = openPostgres(`postgres://plinth@127.0.0.1:${await freePort()}/plinth`, { max: 1 })
  t.after(() => database.close())
  const stop = new AbortController()
  const retries: number[] = []
  await assert.rejects(
    retryWhileUnreachable(() => checkConnection(database.db), {
      signal: stop.signal,
      onRetry: ({ attempt, delayMs, error }) => {
        assert.equal((error as { code?: string }).code, 'ECONNREFUSED')
        retries.push(attempt, delayMs)
        stop.abort()
      },
    }),
    { name: 'AbortError' },
  )
  assert.deepEqual(retries, [1, 500])

  const mistake = withCode('28P01')
  let calls = 0
  await assert.rejects(
    retryWhileUnreachable(
      async () => {
        calls++
        throw mistake
      },
      { signal: new AbortController().signal, onRetry: () => assert.fail('not retried') },
    ),
    (error) => error === mistake,
  )
  assert.equal(calls, 1)
})

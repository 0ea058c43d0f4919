import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { buildTestApp } from '../../../test/app.ts'
import { type Db, sql } from '../db/database.ts'

/**
 * Issue 9, item 7: a database error reaches the log with its SQLSTATE and
 * message, never with the statement's parameters or the row values that
 * PostgreSQL quotes in `detail`.
 */
async function appWithFailingStatements(t: Parameters<typeof buildTestApp>[0]) {
  let db: Db | undefined
  const built = await buildTestApp(t, {
    routes: (site) => {
      // A unique violation: the duplicate e-mail address is in the error's detail and parameters.
      site.post('/api/v1/test-duplicate', async (request) => {
        const email = String((request.headers['x-secret'] as string) ?? '')
        await sql`insert into users (email, password_hash, role, name) values (${email}, 'x', 'member', 'x')`.execute(db as Db)
        await sql`insert into users (email, password_hash, role, name) values (${email}, 'x', 'member', 'x')`.execute(db as Db)
        return {}
      })
      // A data exception: PostgreSQL quotes the value it could not read in the message itself.
      site.get('/api/v1/test-cast', async (request) => {
        const value = String((request.headers['x-secret'] as string) ?? '')
        await sql`select ${value}::integer as n`.execute(db as Db)
        return {}
      })
    },
  })
  db = built.deps.db
  return built
}

const errorLines = (logs: () => Record<string, unknown>[], reqId: string) =>
  logs().filter((line) => line.reqId === reqId && line.err !== undefined)

describe('database errors in the log', () => {
  test('a unique violation is logged with its code and constraint, never the parameters or the row values', async (t) => {
    const { app, logs } = await appWithFailingStatements(t)
    const secret = `secret-${randomBytes(6).toString('hex')}@example.com`
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/test-duplicate',
      headers: { 'x-secret': secret, 'x-request-id': 'dup-1' },
    })
    assert.equal(response.statusCode, 500)
    assert.ok(!response.body.includes(secret), 'the answer does not quote it either')
    const lines = errorLines(logs, 'dup-1')
    assert.equal(lines.length, 1, JSON.stringify(logs()))
    const err = lines[0]?.err as Record<string, unknown>
    assert.equal(err.code, '23505')
    assert.match(String(err.message), /duplicate key value violates unique constraint/)
    assert.equal(typeof err.stack, 'string')
    for (const field of ['parameters', 'query', 'detail', 'where', 'args']) assert.equal(err[field], undefined, field)
    const everything = JSON.stringify(logs())
    assert.ok(!everything.includes(secret), `the address is not in the log: ${everything}`)
    assert.ok(!everything.includes(secret.slice(0, 19)), 'not even a part of it')
  })

  test('a value PostgreSQL quotes in a data exception message is replaced by an ellipsis', async (t) => {
    const { app, logs } = await appWithFailingStatements(t)
    const secret = `secret-${randomBytes(6).toString('hex')}`
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/test-cast',
      headers: { 'x-secret': secret, 'x-request-id': 'cast-1' },
    })
    assert.equal(response.statusCode, 500)
    const err = errorLines(logs, 'cast-1')[0]?.err as Record<string, unknown>
    assert.equal(err.code, '22P02')
    assert.equal(err.message, 'invalid input syntax for type integer: "…"')
    assert.ok(!JSON.stringify(logs()).includes(secret), JSON.stringify(logs()))
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { enqueueJob } from '#core/jobs/queue.ts'
import { saveOutboxMessage } from '#core/mail/mail.queries.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import { findJob } from '../../../test/jobs.ts'

async function asAdmin(testApp: TestApp) {
  const admin = await createUser(testApp.database.db, { role: 'admin' })
  const session = await logIn(testApp.app, admin.email)
  return { cookie: session.cookie, 'x-csrf-token': session.csrf }
}

/** A job in the given state, as the worker would have left it. */
async function jobIn(testApp: TestApp, status: 'queued' | 'done' | 'dead', lastError: string | null = null) {
  const id = await enqueueJob(testApp.database.db, { name: 'test.system', payload: { secret: 'do-not-show' } })
  await sql`update jobs set status = ${status}, attempts = case when ${status} = 'dead' then max_attempts else 0 end,
    last_error = ${lastError}, finished_at = case when ${status} = 'queued' then null else now() end where id = ${id}`.execute(
    testApp.database.db,
  )
  return id
}

describe('outgoing mail and jobs (admin)', () => {
  test('the outbox lists messages newest first, by status, paged; one message shows its text', async (t) => {
    const testApp = await buildTestApp(t)
    const headers = await asAdmin(testApp)
    const jobIds = [await jobIn(testApp, 'done'), await jobIn(testApp, 'done'), await jobIn(testApp, 'dead', 'refused')]
    const statuses = ['kept', 'sent', 'failed'] as const
    for (const [i, jobId] of jobIds.entries()) {
      await saveOutboxMessage(testApp.database.db, {
        jobId,
        to: `to${i}@example.com`,
        subject: `Subject ${i}`,
        text: `Body ${i}`,
        html: `<p>Body ${i}</p>`,
        status: statuses[i] as 'kept',
        error: i === 2 ? 'refused' : null,
      })
    }
    const first = await testApp.app.inject({ method: 'GET', url: '/api/v1/mail?limit=2', headers })
    assert.equal(first.statusCode, 200)
    const page = first.json()
    assert.deepEqual(
      page.data.map((m: { subject: string }) => m.subject),
      ['Subject 2', 'Subject 1'],
    )
    assert.equal(page.data[0].error, 'refused')
    assert.ok(!first.body.includes('Body'), 'no bodies in the list')
    const second = await testApp.app.inject({ method: 'GET', url: `/api/v1/mail?limit=2&cursor=${page.next_cursor}`, headers })
    assert.equal(second.json().data[0].subject, 'Subject 0')
    const kept = await testApp.app.inject({ method: 'GET', url: '/api/v1/mail?status=kept&limit=100', headers })
    assert.ok(kept.json().data.every((m: { status: string }) => m.status === 'kept'))
    assert.ok(kept.json().data.some((m: { to: string }) => m.to === 'to0@example.com'))

    const one = await testApp.app.inject({ method: 'GET', url: `/api/v1/mail/${page.data[1].id}`, headers })
    assert.equal(one.statusCode, 200)
    assert.equal(one.json().text, 'Body 1')
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/mail/999999999', headers })).statusCode, 404)
  })

  test('the job list shows status and last error, never the payload; a dead job is retried once', async (t) => {
    const testApp = await buildTestApp(t)
    const headers = await asAdmin(testApp)
    const dead = await jobIn(testApp, 'dead', 'boom: the handler threw')
    const done = await jobIn(testApp, 'done')
    const list = await testApp.app.inject({ method: 'GET', url: '/api/v1/jobs?status=dead&limit=100', headers })
    assert.equal(list.statusCode, 200)
    const job = list.json().data.find((j: { id: number }) => j.id === dead)
    assert.equal(job.last_error, 'boom: the handler threw')
    assert.equal(job.name, 'test.system')
    assert.ok(list.json().data.every((j: { status: string }) => j.status === 'dead'))
    assert.ok(!list.body.includes('do-not-show'), 'no payload')

    const retry = (id: number) => testApp.app.inject({ method: 'POST', url: `/api/v1/jobs/${id}/retry`, headers })
    const retried = await retry(dead)
    assert.equal(retried.statusCode, 200, retried.body)
    assert.equal(retried.json().status, 'queued')
    assert.equal(retried.json().attempts, 0)
    assert.equal((await findJob(testApp.database.db, dead))?.status, 'queued')
    assert.equal((await retry(dead)).statusCode, 409, 'a queued job is not retried again')
    assert.equal((await retry(done)).statusCode, 409)
    assert.equal((await retry(999999999)).statusCode, 404)
  })

  test('only admins see mail and jobs; bad filters are 400s', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await createUser(testApp.database.db, { role: 'editor' })
    const session = await logIn(testApp.app, editor.email)
    for (const url of ['/api/v1/mail', '/api/v1/jobs', '/api/v1/mail/1']) {
      assert.equal((await testApp.app.inject({ method: 'GET', url })).statusCode, 401, url)
      assert.equal((await testApp.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } })).statusCode, 403, url)
    }
    const retry = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/jobs/1/retry',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    })
    assert.equal(retry.statusCode, 403)
    const headers = await asAdmin(testApp)
    for (const [url, field] of [
      ['/api/v1/mail?status=lost', 'status'],
      ['/api/v1/jobs?status=sleeping', 'status'],
      ['/api/v1/jobs?limit=101', 'limit'],
      ['/api/v1/mail?cursor=nonsense', 'cursor'],
      ['/api/v1/jobs?payload=1', 'payload'],
    ] as const) {
      const response = await testApp.app.inject({ method: 'GET', url, headers })
      assert.equal(response.statusCode, 400, url)
      assert.ok(
        response.json().errors.some((e: { field: string }) => e.field === field),
        `${url}: ${response.body}`,
      )
    }
    assert.equal((await testApp.app.inject({ method: 'POST', url: '/api/v1/jobs/abc/retry', headers })).statusCode, 400)
  })
})

import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import pino from 'pino'
import { sql } from '#core/db/database.ts'
import { claimNextJob } from '#core/jobs/jobs.queries.ts'
import { DEFAULT_QUEUE, startJobWorker } from '#core/jobs/queue.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { TRICKY_HOURS, testClock } from '../../../test/clock.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { jobHandlers } from '../../jobs.ts'
import { PUBLISH_SCHEDULED_JOB, publishScheduledContent } from './content.service.ts'

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

const MINUTE = 60_000

/** A job worker as the server runs it (every handler of src/jobs.ts, the app's clock), stopped after the test. */
function startWorker(t: TestContext, testApp: TestApp) {
  const worker = startJobWorker({
    db: testApp.database.db,
    clock: testApp.deps.clock,
    handlers: jobHandlers(testApp.deps),
    log,
    pollMs: 20,
  })
  t.after(() => worker.stop())
  return worker
}

/** A post scheduled over HTTP for `inMs` after the app's clock. */
async function scheduled(testApp: TestApp, inMs: number) {
  const editor = await createUser(testApp.database.db, { role: 'editor' })
  const { cookie, csrf } = await logIn(testApp.app, editor.email)
  const post = await createPost(testApp.database.db, editor)
  const publishAt = new Date(testApp.deps.clock().getTime() + inMs).toISOString()
  const response = await testApp.app.inject({
    method: 'POST',
    url: `/api/v1/posts/${post.id}/schedule`,
    headers: { cookie, 'x-csrf-token': csrf },
    payload: { publish_at: publishAt },
  })
  assert.equal(response.statusCode, 200, response.body)
  return { id: post.id, publishAt, cookie, csrf }
}

const postState = (testApp: TestApp, id: number) =>
  sql<{ status: string; published_at: Date | null }>`select status, published_at from posts where id = ${id}`
    .execute(testApp.database.db)
    .then((r) => r.rows[0])

const jobsOf = (testApp: TestApp, id: number) =>
  sql<{ status: string; attempts: number }>`select status, attempts from jobs
    where name = ${PUBLISH_SCHEDULED_JOB} and (payload ->> 'post_id')::bigint = ${id}`
    .execute(testApp.database.db)
    .then((r) => r.rows)

for (const start of TRICKY_HOURS) {
  test(`scheduled at ${start}: published at their time (past midnight), each once, with two workers running`, async (t) => {
    // A private database: the workers take every job of the default queue.
    const clock = testClock(start)
    const testApp = await buildTestApp(t, { privateDatabase: true, clock })
    const posts = []
    for (let i = 0; i < 4; i++) posts.push(await scheduled(testApp, 45 * MINUTE))
    const publishAt = new Date(posts[0]?.publishAt as string)
    assert.equal(publishAt.getUTCDate() !== new Date(start).getUTCDate(), start.endsWith('23:30:00Z'), 'from 23:30, the time is tomorrow')

    clock.set(new Date(publishAt.getTime() - 1000))
    assert.equal(await claimNextJob(testApp.database.db, DEFAULT_QUEUE, 'probe', clock()), undefined, 'nothing is due a second before')
    clock.set(publishAt)
    startWorker(t, testApp)
    startWorker(t, testApp)
    for (const post of posts) {
      const state = await waitFor('the post to be published', async () => {
        const row = await postState(testApp, post.id)
        return row?.status === 'published' ? row : undefined
      })
      assert.equal(state.published_at?.toISOString(), post.publishAt, 'published_at is the scheduled time')
      const jobs = await waitFor('the job to be done', async () => {
        const rows = await jobsOf(testApp, post.id)
        return rows.every((j) => j.status === 'done') ? rows : undefined
      })
      assert.deepEqual(jobs, [{ status: 'done', attempts: 1 }], 'one job, run once')
    }
  })

  test(`at ${start}: publishing a due post twice at once publishes it once; one not yet due, unscheduled or in the past is refused`, async (t) => {
    const clock = testClock(start)
    const testApp = await buildTestApp(t, { clock })
    const db = testApp.database.db
    const post = await scheduled(testApp, 60 * MINUTE)
    const due = new Date(post.publishAt)
    assert.equal(await publishScheduledContent(db, post.id, new Date(due.getTime() - 1)), undefined, 'a millisecond early')
    assert.equal((await postState(testApp, post.id))?.status, 'scheduled')
    const results = await Promise.all([publishScheduledContent(db, post.id, due), publishScheduledContent(db, post.id, due)])
    assert.equal(results.filter(Boolean).length, 1)
    assert.equal((await postState(testApp, post.id))?.published_at?.toISOString(), post.publishAt)

    const editor = await createUser(db, { role: 'editor' })
    const draft = await createPost(db, editor)
    assert.equal(await publishScheduledContent(db, draft.id, due), undefined)
    assert.equal((await postState(testApp, draft.id))?.status, 'draft')
    for (const publishAt of [clock(), new Date(clock().getTime() - 1000)]) {
      const past = await testApp.app.inject({
        method: 'POST',
        url: `/api/v1/posts/${draft.id}/schedule`,
        headers: { cookie: post.cookie, 'x-csrf-token': post.csrf },
        payload: { publish_at: publishAt.toISOString() },
      })
      assert.equal(past.statusCode, 400, `${publishAt.toISOString()} is not in the future`)
      assert.equal(past.json().errors[0].field, 'publish_at')
    }
    assert.equal((await postState(testApp, draft.id))?.status, 'draft')
  })
}

test('a scheduled post whose time passed while no worker ran is published when one starts', async (t) => {
  const clock = testClock(TRICKY_HOURS[1])
  const testApp = await buildTestApp(t, { privateDatabase: true, clock })
  const post = await scheduled(testApp, 5 * MINUTE)
  clock.advance(3 * 24 * 60 * MINUTE)
  assert.equal((await postState(testApp, post.id))?.status, 'scheduled')
  startWorker(t, testApp)
  const state = await waitFor('the late post to be published', async () => {
    const row = await postState(testApp, post.id)
    return row?.status === 'published' ? row : undefined
  })
  assert.equal(state.published_at?.toISOString(), post.publishAt)
})

test('an unpublished post is not published by the job of its earlier schedule', async (t) => {
  const clock = testClock(TRICKY_HOURS[0])
  const testApp = await buildTestApp(t, { privateDatabase: true, clock })
  const post = await scheduled(testApp, 5 * MINUTE)
  const back = await testApp.app.inject({
    method: 'POST',
    url: `/api/v1/posts/${post.id}/unpublish`,
    headers: { cookie: post.cookie, 'x-csrf-token': post.csrf },
  })
  assert.equal(back.json().status, 'draft')
  clock.advance(10 * MINUTE)
  startWorker(t, testApp)
  await waitFor('the job to be done', async () => (await jobsOf(testApp, post.id)).every((j) => j.status === 'done'))
  assert.equal((await postState(testApp, post.id))?.status, 'draft')
})

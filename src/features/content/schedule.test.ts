import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { sql } from '#core/db/database.ts'
import { startJobWorker } from '#core/jobs/queue.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { jobHandlers } from '../../jobs.ts'
import { PUBLISH_SCHEDULED_JOB, publishScheduledContent } from './content.service.ts'

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

/** A job worker as the server runs it (every handler of src/jobs.ts), stopped after the test. */
function startWorker(t: TestContext, testApp: TestApp) {
  const worker = startJobWorker({
    db: testApp.database.db,
    handlers: jobHandlers(testApp.deps),
    log,
    pollMs: 20,
  })
  t.after(() => worker.stop())
  return worker
}

async function scheduled(testApp: TestApp, inMs: number) {
  const editor = await createUser(testApp.database.db, { role: 'editor' })
  const { cookie, csrf } = await logIn(testApp.app, editor.email)
  const post = await createPost(testApp.database.db, editor)
  const publishAt = new Date(Date.now() + inMs).toISOString()
  const response = await testApp.app.inject({
    method: 'POST',
    url: `/api/v1/posts/${post.id}/schedule`,
    headers: { cookie, 'x-csrf-token': csrf },
    payload: { publish_at: publishAt },
  })
  assert.equal(response.statusCode, 200, response.body)
  return { id: post.id, publishAt }
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

test('scheduled posts are published at their time, each once, with two workers running', async (t) => {
  // A private database: the workers take every job of the default queue.
  const testApp = await buildTestApp(t, { privateDatabase: true })
  const posts = []
  for (let i = 0; i < 4; i++) posts.push(await scheduled(testApp, 800))
  assert.equal((await postState(testApp, posts[0]?.id as number))?.status, 'scheduled', 'not before a worker runs it')
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

test('a scheduled post whose time passed while no worker ran is published when one starts', async (t) => {
  const testApp = await buildTestApp(t, { privateDatabase: true })
  const post = await scheduled(testApp, 300)
  await sleep(600)
  assert.equal((await postState(testApp, post.id))?.status, 'scheduled')
  startWorker(t, testApp)
  const state = await waitFor('the late post to be published', async () => {
    const row = await postState(testApp, post.id)
    return row?.status === 'published' ? row : undefined
  })
  assert.equal(state.published_at?.toISOString(), post.publishAt)
})

test('publishing a due post twice at once publishes it once; a post not yet due or unscheduled is left alone', async (t) => {
  const testApp = await buildTestApp(t)
  const db = testApp.database.db
  const editor = await createUser(db, { role: 'editor' })
  const post = await createPost(db, editor)
  await sql`update posts set status = 'scheduled', publish_at = now() - interval '1 minute' where id = ${post.id}`.execute(db)
  const results = await Promise.all([publishScheduledContent(db, post.id), publishScheduledContent(db, post.id)])
  assert.equal(results.filter(Boolean).length, 1)
  const later = await createPost(db, editor)
  await sql`update posts set status = 'scheduled', publish_at = now() + interval '1 hour' where id = ${later.id}`.execute(db)
  assert.equal(await publishScheduledContent(db, later.id), undefined)
  const draft = await createPost(db, editor)
  assert.equal(await publishScheduledContent(db, draft.id), undefined)
  assert.equal((await postState(testApp, draft.id))?.status, 'draft')
})

test('an unpublished post is not published by the job of its earlier schedule', async (t) => {
  const testApp = await buildTestApp(t, { privateDatabase: true })
  const post = await scheduled(testApp, 300)
  const editor = await createUser(testApp.database.db, { role: 'editor' })
  const { cookie, csrf } = await logIn(testApp.app, editor.email)
  const back = await testApp.app.inject({
    method: 'POST',
    url: `/api/v1/posts/${post.id}/unpublish`,
    headers: { cookie, 'x-csrf-token': csrf },
  })
  assert.equal(back.json().status, 'draft')
  startWorker(t, testApp)
  await waitFor('the job to be done', async () => (await jobsOf(testApp, post.id)).every((j) => j.status === 'done'))
  assert.equal((await postState(testApp, post.id))?.status, 'draft')
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../../test/app.ts'
import { findJob } from '../../test/jobs.ts'
import { waitFor } from '../../test/wait-for.ts'
import { systemClock } from './clock.ts'
import { enqueueJob, startJobWorker } from './jobs/queue.ts'
import { shutdown } from './shutdown.ts'

test('shutdown turns /readyz 503, lets an in-flight request finish, refuses new connections, then closes the database', async (t) => {
  let release!: () => void
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  let started!: () => void
  const inFlight = new Promise<void>((resolve) => {
    started = resolve
  })
  const { app, database, lifecycle } = await buildTestApp(t, {
    privateDatabase: true,
    routes: (site) =>
      site.get('/api/v1/slow', async () => {
        started()
        await held
        return { done: true }
      }),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const base = `http://127.0.0.1:${port}`

  const slow = fetch(`${base}/api/v1/slow`)
  await inFlight
  const stopping = shutdown({ app, database, lifecycle }, 5000)
  assert.equal(lifecycle.state, 'stopping')
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(ready.statusCode, 503)

  await assert.rejects(fetch(`${base}/healthz`), 'a new connection is refused while stopping')
  release()
  const response = await slow
  assert.equal(response.status, 200)
  assert.deepEqual(await response.json(), { done: true })
  assert.equal(await stopping, true, 'finished within the timeout')
  assert.equal(await database.ping(), false, 'the database is closed')
})

test('shutdown gives up on a request that outlives the timeout and reports it', async (t) => {
  const { app, database, lifecycle } = await buildTestApp(t, {
    privateDatabase: true,
    routes: (site) => site.get('/api/v1/stuck', () => new Promise(() => {})),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const stuck = fetch(`http://127.0.0.1:${port}/api/v1/stuck`).catch((error: unknown) => error)
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal(await shutdown({ app, database, lifecycle }, 300), false)
  assert.ok((await stuck) instanceof Error, 'the stuck connection was closed')
})

test('shutdown stops the job worker, waits for its running job, and records it before the database closes', async (t) => {
  const { app, database, lifecycle } = await buildTestApp(t, { privateDatabase: true })
  let release!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  let started = false
  const worker = startJobWorker({
    db: database.db,
    clock: systemClock,
    log: app.log,
    pollMs: 10,
    handlers: {
      hold: async () => {
        started = true
        await released
      },
    },
  })
  const id = await enqueueJob(database.db, { name: 'hold', payload: {} })
  await waitFor('the job to start', () => started)

  let statusWhenClosed: string | undefined
  const closing = {
    ...database,
    close: async () => {
      statusWhenClosed = (await findJob(database.db, id))?.status
      await database.close()
    },
  }
  const stopping = shutdown({ app, database: closing, lifecycle, beforeDatabaseClose: (ms) => worker.stop(ms) }, 5000)
  release()
  assert.equal(await stopping, true)
  assert.equal(statusWhenClosed, 'done')
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import sharp from 'sharp'
import { sql } from '#core/db/database.ts'
import { startJobWorker } from '#core/jobs/queue.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { jobHandlers } from '../../jobs.ts'
import { MEDIA_VARIANTS_JOB } from './media.service.ts'
import { buildMediaApp, type MediaTestApp, makeImage, signedIn, storedFiles, uploadFile } from './media.testing.ts'

/** Runs the app's real job handlers (src/jobs.ts) until the media's variants are done. */
async function runVariantsJob(testApp: MediaTestApp, mediaId: number) {
  const { db } = testApp.database
  const worker = startJobWorker({ db, clock: testApp.deps.clock, log: testApp.app.log, pollMs: 10, handlers: jobHandlers(testApp.deps) })
  try {
    await waitFor(
      'the variants job',
      async () =>
        (await sql<{ status: string }>`select variants_status as status from media where id = ${mediaId}`.execute(db)).rows[0]?.status ===
        'done',
      { timeoutMs: 60_000 },
    )
  } finally {
    await worker.stop(10_000)
  }
}

const get = (testApp: MediaTestApp, url: string, headers: Record<string, string> = {}) =>
  testApp.app.inject({ method: 'GET', url, headers })

describe('responsive variants', () => {
  test('an upload queues media.variants; the job makes each width below the original, and the original width, in AVIF, WebP and the original format', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const upload = await uploadFile(testApp, author.headers, { bytes: await makeImage('jpeg', { width: 1400, height: 700 }) })
    assert.equal(upload.statusCode, 201, upload.body)
    const media = upload.json()
    assert.equal(media.variants_status, 'pending')
    const jobs = await sql<{ n: number }>`select count(*)::int as n from jobs
      where name = ${MEDIA_VARIANTS_JOB} and (payload ->> 'media_id')::bigint = ${media.id}`.execute(testApp.database.db)
    assert.equal(jobs.rows[0]?.n, 1)

    await runVariantsJob(testApp, media.id)
    const done = (await get(testApp, `/api/v1/media/${media.id}`, author.headers)).json()
    assert.equal(done.variants_status, 'done')
    const made = done.variants.map((v: { format: string; width: number }) => `${v.format}@${v.width}`).sort()
    assert.deepEqual(made, [
      'avif@1280',
      'avif@1400',
      'avif@320',
      'avif@640',
      'jpg@1280',
      'jpg@1400',
      'jpg@320',
      'jpg@640',
      'webp@1280',
      'webp@1400',
      'webp@320',
      'webp@640',
    ])

    const types = { avif: 'image/avif', webp: 'image/webp', jpg: 'image/jpeg' } as const
    for (const variant of done.variants as { url: string; format: keyof typeof types; width: number; height: number }[]) {
      const file = await get(testApp, variant.url)
      assert.equal(file.statusCode, 200, variant.url)
      assert.equal(file.headers['content-type'], types[variant.format])
      assert.equal(file.headers['cache-control'], 'public, max-age=31536000, immutable')
      const metadata = await sharp(file.rawPayload).metadata()
      assert.equal(metadata.width, variant.width)
      assert.equal(variant.height, variant.width / 2)
    }
    // The JPEG at the original's width may re-encode to the stored original's bytes: one file for both.
    const files = storedFiles(testApp.dataDir).length
    assert.ok(files === 12 || files === 13, `the original and its twelve variants: ${files} files`)

    const srcset = done.srcset as { type: string; srcset: string }[]
    assert.deepEqual(
      srcset.map((s) => s.type),
      ['image/avif', 'image/webp', 'image/jpeg'],
    )
    assert.match(
      srcset[0]?.srcset ?? '',
      /^\/media\/[0-9a-f]{64}\.avif 320w, \/media\/[0-9a-f]{64}\.avif 640w, \/media\/[0-9a-f]{64}\.avif 1280w, \/media\/[0-9a-f]{64}\.avif 1400w$/,
    )

    // Deleting the media removes the original and every variant file.
    const del = await testApp.app.inject({ method: 'DELETE', url: `/api/v1/media/${media.id}`, headers: author.headers })
    assert.equal(del.statusCode, 204)
    assert.deepEqual(storedFiles(testApp.dataDir), [])
    assert.equal(
      (await sql<{ n: number }>`select count(*)::int as n from media_variants where media_id = ${media.id}`.execute(testApp.database.db))
        .rows[0]?.n,
      0,
    )
  })

  test('an image narrower than 320 pixels gets variants at its own width only', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const media = (await uploadFile(testApp, author.headers, { bytes: await makeImage('png', { width: 200, height: 100 }) })).json()
    await runVariantsJob(testApp, media.id)
    const done = (await get(testApp, `/api/v1/media/${media.id}`, author.headers)).json()
    const made = done.variants.map((v: { format: string; width: number }) => `${v.format}@${v.width}`).sort()
    assert.deepEqual(made, ['avif@200', 'png@200', 'webp@200'])
  })

  test('running the job again adds nothing, and a job for deleted media does nothing', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const { db } = testApp.database
    const media = (await uploadFile(testApp, author.headers, { bytes: await makeImage('webp', { width: 700, height: 350 }) })).json()
    await runVariantsJob(testApp, media.id)
    const before = storedFiles(testApp.dataDir).sort()
    // (320, 640, 700) × (avif, webp); the WebP at the original's width may re-encode to the original's own bytes (one file).
    const variants = await sql<{ n: number }>`select count(*)::int as n from media_variants where media_id = ${media.id}`.execute(db)
    assert.equal(variants.rows[0]?.n, 6)
    assert.ok(before.length === 6 || before.length === 7, `the original and its variants: ${before.length} files`)
    const handler = jobHandlers(testApp.deps)[MEDIA_VARIANTS_JOB]
    assert.ok(handler)
    const ctx = { id: 0, attempt: 1, maxAttempts: 1, log: testApp.app.log, signal: new AbortController().signal }
    await sql`update media set variants_status = 'pending' where id = ${media.id}`.execute(db)
    await handler({ media_id: media.id }, ctx)
    assert.deepEqual(storedFiles(testApp.dataDir).sort(), before)
    await testApp.app.inject({ method: 'DELETE', url: `/api/v1/media/${media.id}`, headers: author.headers })
    await handler({ media_id: media.id }, ctx)
    assert.deepEqual(storedFiles(testApp.dataDir), [])
  })

  test('GIFs and PDFs get no variants and no job', async (t) => {
    const testApp = await buildMediaApp(t)
    const author = await signedIn(testApp, 'author')
    const gif = (await uploadFile(testApp, author.headers, { bytes: await makeImage('gif', { width: 400, height: 300 }) })).json()
    assert.equal(gif.variants_status, 'none')
    const jobs = await sql<{ n: number }>`select count(*)::int as n from jobs
      where name = ${MEDIA_VARIANTS_JOB} and (payload ->> 'media_id')::bigint = ${gif.id}`.execute(testApp.database.db)
    assert.equal(jobs.rows[0]?.n, 0)
    assert.deepEqual((await get(testApp, `/api/v1/media/${gif.id}`, author.headers)).json().srcset, [])
  })
})

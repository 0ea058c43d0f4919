import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { makeImage, multipart } from '../media/media.testing.ts'
import { deleteExpired, PENDING_UPLOAD_MAX_AGE_MS } from './forms.jobs.ts'
import { buildFormsApp, contactForm, createFormVia, tokenFor } from './forms.testing.ts'

describe('file fields', () => {
  const fileForm = () =>
    contactForm({
      fields: [
        { name: 'name', label: 'Name', type: 'text', required: true },
        { name: 'photo', label: 'Photo', type: 'file', accept: ['image/png', 'image/jpeg'], max_bytes: 200_000 },
      ],
    })

  test('a PNG is stored privately: editors download it through the API, and no public URL serves it', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, fileForm())
    const png = await makeImage('png', { width: 40, height: 30 })
    const body = multipart([
      { name: 'name', value: 'Rosa' },
      { name: '_token', value: await tokenFor(testApp, form.slug) },
      { name: 'photo', filename: 'me.png', contentType: 'image/png', bytes: png },
    ])
    const post = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { 'content-type': body.contentType },
      payload: body.payload,
    })
    assert.equal(post.statusCode, 303, post.body)
    const list = await testApp.app.inject({ method: 'GET', url: `/api/v1/forms/${form.id}/submissions`, headers: testApp.editor })
    const [submission] = list.json().data
    assert.equal(submission.files.length, 1)
    assert.equal(submission.files[0].mime_type, 'image/png')
    assert.equal(submission.data.photo, 'me.png')
    const url = `/api/v1/forms/${form.id}/submissions/${submission.id}/files/${submission.files[0].id}`
    const download = await testApp.app.inject({ method: 'GET', url, headers: testApp.editor })
    assert.equal(download.statusCode, 200)
    assert.ok(download.rawPayload.equals(png))
    assert.match(String(download.headers['content-disposition']), /^attachment/)
    assert.equal((await testApp.app.inject({ method: 'GET', url })).statusCode, 401)
    const { sha256 } = (
      await sql<{ sha256: string }>`select sha256 from form_submission_files where submission_id = ${submission.id}`.execute(
        testApp.database.db,
      )
    ).rows[0] as { sha256: string }
    assert.equal(
      (await testApp.app.inject({ method: 'GET', url: `/media/${sha256}.png` })).statusCode,
      404,
      'not in the public media store',
    )
  })

  const refused: [string, () => Promise<{ filename: string; contentType: string; bytes: Buffer }>][] = [
    [
      'a renamed executable',
      async () => ({
        filename: 'cute.png',
        contentType: 'image/png',
        bytes: Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00', 'latin1'), Buffer.alloc(200)]),
      }),
    ],
    [
      'a PDF claiming to be an image',
      async () => ({
        filename: 'photo.jpg',
        contentType: 'image/jpeg',
        bytes: Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'),
      }),
    ],
    [
      'a file over the field’s max_bytes',
      async () => ({
        filename: 'big.png',
        contentType: 'image/png',
        bytes: Buffer.concat([await makeImage('png', { width: 10, height: 10 }), Buffer.alloc(250_000)]),
      }),
    ],
  ]
  for (const [name, file] of refused) {
    test(`${name}: 422 naming the field, nothing stored`, async (t) => {
      const testApp = await buildFormsApp(t)
      const form = await createFormVia(testApp, fileForm())
      const body = multipart([
        { name: 'name', value: 'Rosa' },
        { name: '_token', value: await tokenFor(testApp, form.slug) },
        { name: 'photo', ...(await file()) },
      ])
      const post = await testApp.app.inject({
        method: 'POST',
        url: `/api/v1/forms/${form.slug}/submissions`,
        headers: { 'content-type': body.contentType },
        payload: body.payload,
      })
      assert.equal(post.statusCode, 422, post.body)
      assert.deepEqual(
        post.json().errors.map((e: { field: string }) => e.field),
        ['photo'],
      )
      const stored = await sql`select 1 from form_submissions where form_id = ${form.id}`.execute(testApp.database.db)
      assert.equal(stored.rows.length, 0)
    })
  }

  test('a file over the upload limit (10 MiB) is a 413', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, fileForm())
    const body = multipart([{ name: 'photo', filename: 'huge.png', contentType: 'image/png', bytes: Buffer.alloc(10 * 1024 * 1024 + 10) }])
    const post = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/forms/${form.slug}/submissions`,
      headers: { 'content-type': body.contentType },
      payload: body.payload,
    })
    assert.equal(post.statusCode, 413, post.body)
  })

  test('when the submission’s transaction fails, its uploaded bytes are removed; the retention job sweeps what a crash left', async (t) => {
    const testApp = await buildFormsApp(t)
    const { db } = testApp.database
    const store = testApp.deps.privateStore
    const form = await createFormVia(testApp, fileForm())
    const png = await makeImage('png', { width: 41, height: 29 })
    const key = { sha256: createHash('sha256').update(png).digest('hex'), extension: 'png' }
    const orphanBytes = await makeImage('png', { width: 13, height: 17 })
    const orphan = { sha256: createHash('sha256').update(orphanBytes).digest('hex'), extension: 'png' }
    // A real failure inside the transaction, after the bytes were written: the database refuses the file's row.
    await sql`create function refuse_file() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`.execute(
      db,
    )
    await sql`create trigger refuse_file before insert on form_submission_files
      for each row when (new.original_name = 'fail.png') execute function refuse_file()`.execute(db)
    const post = async (filename: string) => {
      const body = multipart([
        { name: 'name', value: 'Rosa' },
        { name: '_token', value: await tokenFor(testApp, form.slug) },
        { name: 'photo', filename, contentType: 'image/png', bytes: png },
      ])
      return testApp.app.inject({
        method: 'POST',
        url: `/api/v1/forms/${form.slug}/submissions`,
        headers: { 'content-type': body.contentType },
        payload: body.payload,
      })
    }
    const failed = await post('fail.png')
    assert.equal(failed.statusCode, 500, failed.body)
    assert.equal(await store.has(key), false, 'the bytes written before the transaction are gone')
    const rows = async (table: 'form_submissions' | 'form_pending_files') =>
      Number(
        (
          await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
            where ${table === 'form_submissions' ? sql`form_id = ${form.id}` : sql`sha256 = ${key.sha256} or sha256 = ${orphan.sha256}`}`.execute(
            db,
          )
        ).rows[0]?.n,
      )
    assert.equal(await rows('form_submissions'), 0)
    assert.equal(await rows('form_pending_files'), 0)

    // The same bytes under another name are stored and kept.
    assert.equal((await post('me.png')).statusCode, 201)
    assert.equal(await store.has(key), true)
    assert.equal(await rows('form_pending_files'), 0, 'the transaction took its in-flight note with it')

    // A crash between the write and the transaction leaves bytes and their in-flight note: one of bytes no
    // submission keeps, one of the bytes above. The job removes the first an hour on, never the second.
    await store.put(orphan, orphanBytes)
    for (const left of [orphan, key])
      await sql`insert into form_pending_files (sha256, extension, created_at) values (${left.sha256}, 'png', ${testApp.clock()})`.execute(
        db,
      )
    await deleteExpired(db, store, testApp.clock())
    assert.equal(await store.has(orphan), true, 'an upload may still be in flight')
    testApp.clock.advance(PENDING_UPLOAD_MAX_AGE_MS + 1000)
    await deleteExpired(db, store, testApp.clock())
    assert.equal(await store.has(orphan), false, 'the orphan is swept')
    assert.equal(await store.has(key), true, 'bytes a submission keeps stay')
    assert.equal(await rows('form_pending_files'), 0)
  })
})

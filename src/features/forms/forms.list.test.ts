import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildFormsApp, contactForm, createFormVia, type FormsTestApp, goodValues, tokenFor } from './forms.testing.ts'

type ListItem = { id: number; new_submissions: number }

async function submit(testApp: FormsTestApp, slug: string, remoteAddress: string) {
  const response = await testApp.app.inject({
    method: 'POST',
    url: `/api/v1/forms/${slug}/submissions`,
    remoteAddress,
    payload: { ...goodValues, consent: true, _token: await tokenFor(testApp, slug) },
  })
  assert.equal(response.statusCode, 201, response.body)
}

async function listAll(testApp: FormsTestApp, limit: number) {
  const items: ListItem[] = []
  let cursor: string | null = null
  do {
    const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/forms?${query}`, headers: testApp.editor })
    assert.equal(response.statusCode, 200, response.body)
    const page = response.json() as { data: ListItem[]; next_cursor: string | null }
    items.push(...page.data)
    cursor = page.next_cursor
  } while (cursor)
  return items
}

describe('the forms list', () => {
  test('each form carries its number of new submissions; marking them read, spam or archived lowers it; pages keep the counts', async (t) => {
    const testApp = await buildFormsApp(t)
    const busy = await createFormVia(testApp, contactForm())
    const quiet = await createFormVia(testApp, contactForm())
    const other = await createFormVia(testApp, contactForm())
    for (const n of [1, 2, 3, 4]) await submit(testApp, busy.slug, `192.0.2.${n}`)
    await submit(testApp, other.slug, '192.0.2.9')

    const counts = async (limit: number) =>
      Object.fromEntries((await listAll(testApp, limit)).map((item) => [item.id, item.new_submissions]))
    assert.deepEqual(await counts(20), { [busy.id]: 4, [quiet.id]: 0, [other.id]: 1 })
    // One form a page: each page counts its own form.
    assert.deepEqual(await counts(1), { [busy.id]: 4, [quiet.id]: 0, [other.id]: 1 })

    const list = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/forms/${busy.id}/submissions`,
      headers: testApp.editor,
    })
    const ids = (list.json() as { data: { id: number }[] }).data.map((submission) => submission.id)
    assert.equal(ids.length, 4)
    for (const [status, chosen] of [
      ['read', ids.slice(0, 1)],
      ['spam', ids.slice(1, 2)],
      ['archived', ids.slice(2, 3)],
    ] as const) {
      const response = await testApp.app.inject({
        method: 'PATCH',
        url: `/api/v1/forms/${busy.id}/submissions`,
        headers: testApp.editor,
        payload: { ids: chosen, status },
      })
      assert.equal(response.statusCode, 204, response.body)
    }
    assert.deepEqual(await counts(20), { [busy.id]: 1, [quiet.id]: 0, [other.id]: 1 })
    // Back to new counts again.
    const unread = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/forms/${busy.id}/submissions`,
      headers: testApp.editor,
      payload: { ids: ids.slice(0, 2), status: 'new' },
    })
    assert.equal(unread.statusCode, 204, unread.body)
    assert.deepEqual(await counts(20), { [busy.id]: 3, [quiet.id]: 0, [other.id]: 1 })
  })
})

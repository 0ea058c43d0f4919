import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { type Db, sql } from '#core/db/database.ts'
import { MIGRATIONS_DIR } from '#core/db/migrate.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import { searchHitsStatement } from '../search/search.queries.ts'
import { renderMarkdown, SEARCH_RUN_MAX_LENGTH, searchText } from './markdown.ts'

/**
 * Saving content is linear in its size (issue 9, item 5). Bodies of 50 KB built
 * to hit the slow paths of a Markdown renderer, an HTML sanitiser and
 * PostgreSQL's text search parser are saved over the API; the database time of
 * the save's write is measured by the database itself (EXPLAIN ANALYZE's
 * execution time), never by this test's clock. Before the fix, `a_a_a…` took
 * 24 s of database time on PostgreSQL and repeated headings 10 s of rendering.
 */
const SIZE = 50_000
const fill = (unit: string, size = SIZE) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size)

const PATHOLOGICAL: Record<string, string> = {
  'emphasis markers': fill('*a'),
  'strong markers': fill('**a'),
  'underscore emphasis (a_a_a…: one long almost-host-name to the parser)': fill('_a'),
  'underscores and hyphens': fill('a_b-'),
  'dots and hyphens (.a-1.a-1…)': fill('.a-1'),
  'strike-through markers': fill('~~a'),
  'opening brackets': fill('['),
  'unclosed links': fill('[a]('),
  'unclosed images': fill('!['),
  'nested brackets': fill('[[a]'),
  'comment openers': fill('<!--'),
  'angle brackets': fill('<'),
  'unclosed autolinks': fill('<http://a'),
  'nested quotes': fill('> '),
  'quoted empty headings': fill(' >\n#'),
  'one long word': fill('a'),
  entities: fill('&amp;'),
  ampersands: fill('&a'),
  backticks: fill('`a'),
  'repeated headings': fill('# a\n'),
  'empty headings': fill('#\na\n'),
  'footnote references': fill('[^a]'),
  'table rows': `|a|b|\n|-|-|\n${fill('|a|b|\n', SIZE - 12)}`,
  'URLs without spaces': fill('http://a.b/'),
}

/** The database's own measure of a statement: EXPLAIN ANALYZE's planning plus execution time, in ms, rolled back. */
async function databaseTime(db: Db, statement: ReturnType<typeof sql>): Promise<number> {
  const rollback = new Error('rollback')
  let ms = Number.NaN
  await db
    .transaction()
    .execute(async (trx) => {
      const { rows } = await sql<{ 'QUERY PLAN': unknown }>`explain (analyze, format json) ${statement}`.execute(trx)
      const raw = rows[0]?.['QUERY PLAN']
      const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ 'Planning Time': number; 'Execution Time': number }]
      ms = plan[0]['Planning Time'] + plan[0]['Execution Time']
      throw rollback
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error
    })
  return ms
}

type Editor = { headers: Record<string, string> }

async function signedInEditor(testApp: TestApp): Promise<Editor> {
  const user = await createUser(testApp.database.db, { role: 'editor' })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { headers: { cookie, 'x-csrf-token': csrf } }
}

describe('linear-time saves: pathological 50 KB bodies', () => {
  test('each saves over the API (create, publish, edit) in under a second of database time', async (t) => {
    const testApp = await buildTestApp(t)
    const db = testApp.database.db
    const editor = await signedInEditor(testApp)
    const slow: string[] = []
    for (const [name, body] of Object.entries(PATHOLOGICAL)) {
      const created = await testApp.app.inject({
        method: 'POST',
        url: '/api/v1/posts',
        headers: editor.headers,
        payload: { title: `Pathological ${randomBytes(4).toString('hex')}`, body, excerpt: fill('_a', 1000) },
      })
      assert.equal(created.statusCode, 201, `${name}: ${created.body.slice(0, 300)}`)
      const id = created.json().id as number
      const published = await testApp.app.inject({ method: 'POST', url: `/api/v1/posts/${id}/publish`, headers: editor.headers })
      assert.equal(published.statusCode, 200, `${name}: ${published.body.slice(0, 300)}`)
      // An edit of the published post: a new body (its text in the GIN index too) and a revision.
      const edited = await testApp.app.inject({
        method: 'PATCH',
        url: `/api/v1/posts/${id}`,
        headers: editor.headers,
        payload: { body: `${body.slice(0, SIZE - 10)}\n\nedited` },
      })
      assert.equal(edited.statusCode, 200, `${name}: ${edited.body.slice(0, 300)}`)

      // The save's writes, as the service runs them, re-run with the stored values and rolled back:
      // every generated value (the search vector) and index entry is computed again.
      const update = await databaseTime(
        db,
        sql`update posts set title = title, body = body, body_html = body_html, search_text = search_text, excerpt = excerpt,
          updated_at = now() where id = ${id}`,
      )
      const insert = await databaseTime(
        db,
        sql`insert into posts (type, title, slug, body, body_html, search_text, excerpt, author_id, status, published_at)
          select type, title, slug || '-copy', body, body_html, search_text, excerpt, author_id, status, published_at
          from posts where id = ${id}`,
      )
      const revision = await databaseTime(
        db,
        sql`insert into post_revisions (post_id, number, title, slug, body, body_html, excerpt, seo_title, seo_description)
          select id, 1000, title, slug, body, body_html, excerpt, seo_title, seo_description from posts where id = ${id}`,
      )
      const worst = Math.max(update, insert, revision)
      t.diagnostic(`${name}: update ${update.toFixed(1)} ms, insert ${insert.toFixed(1)} ms, revision ${revision.toFixed(1)} ms`)
      if (!(worst < 1000)) slow.push(`${name}: ${worst.toFixed(0)} ms`)
    }
    assert.deepEqual(slow, [], 'saves that took a second or more of database time')
  })

  test('a word inside a long run without spaces is still found, and its snippet is safe', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedInEditor(testApp)
    const word = `zq${randomBytes(5).toString('hex')}`
    const created = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: editor.headers,
      payload: { title: 'Long run', body: `${fill('a_', 2000)}${word}_${fill('<b>_', 400)}` },
    })
    assert.equal(created.statusCode, 201, created.body)
    const id = created.json().id as number
    const published = await testApp.app.inject({ method: 'POST', url: `/api/v1/posts/${id}/publish`, headers: editor.headers })
    assert.equal(published.statusCode, 200, published.body)
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/search', query: { q: word } })
    assert.equal(response.statusCode, 200, response.body)
    const [hit] = response.json().data as { id: number; snippet_html: string }[]
    assert.equal(hit?.id, id)
    assert.match(hit.snippet_html, new RegExp(`<mark>${word}</mark>`))
    assert.doesNotMatch(hit.snippet_html.replace(/<\/?mark>/g, ''), /[<>]/)
  })
})

describe('search over pathological bodies', () => {
  test('a phrase matching all over a long published body gets its snippet in under a second of database time', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedInEditor(testApp)
    const word = `zq${randomBytes(5).toString('hex')}`
    // 37,500 words: past the 16383 positions a text search keeps, where ts_headline's time explodes.
    const created = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: editor.headers,
      payload: { title: 'Phrases', body: `${word} ${fill('b-c ')}` },
    })
    assert.equal(created.statusCode, 201, created.body)
    const id = created.json().id as number
    const published = await testApp.app.inject({ method: 'POST', url: `/api/v1/posts/${id}/publish`, headers: editor.headers })
    assert.equal(published.statusCode, 200, published.body)

    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/search', query: { q: `${word} "b c"` } })
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(
      response.json().data.map((hit: { id: number }) => hit.id),
      [id],
    )
    const ms = await databaseTime(
      testApp.database.db,
      searchHitsStatement({ q: '"b c" or d', limit: 10, offset: 0, markers: { start: '\u0002', stop: '\u0003' } }),
    )
    t.diagnostic(`search: ${ms.toFixed(1)} ms`)
    assert.ok(ms < 1000, `${ms} ms of database time`)
  })
})

describe('searchText: the text of the sanitised HTML that the index is made from', () => {
  test('inline tags join their text, other tags separate words, white space collapses, entities stay encoded', () => {
    assert.equal(
      searchText('<h2 id="x">Title</h2>\n<p>A <strong>bold</strong>. word&amp;more<br />next</p>'),
      'Title A bold. word&amp;more next',
    )
    assert.equal(searchText('<p>x<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup></p>'), 'x[1]')
    assert.equal(searchText(renderMarkdown('Before <script>alert(1)</script> after')), 'Before &lt;script&gt;alert(1)&lt;/script&gt; after')
    assert.equal(searchText(''), '')
  })

  test('control characters become spaces, so the highlight markers cannot be forged', () => {
    assert.equal(searchText('<p>a\u0002b\u0003c\u0000d\u007fe</p>'), 'a b c d e')
  })

  test(`a run of more than ${SEARCH_RUN_MAX_LENGTH} characters without spaces is split at its punctuation; shorter runs are kept`, () => {
    const short = `${fill('a_', SEARCH_RUN_MAX_LENGTH - 10)}&amp;x`
    assert.equal(searchText(`<p>${short} ok</p>`), `${short} ok`)
    const long = `see:${fill('ab_', 300)}&lt;https://example.com/a/b?c=d&amp;e`
    const text = searchText(`<p>${long} ok</p>`)
    assert.ok(
      text.split(' ').every((run) => run.length <= SEARCH_RUN_MAX_LENGTH || /^[a-z0-9]+$/.test(run)),
      'no long run with punctuation is left',
    )
    assert.equal(text, `see ${Array(100).fill('ab').join(' ')} https example com a b c d e ok`)
    assert.equal(searchText(`<p>${fill('a', 5000)}</p>`), fill('a', 5000), 'a long word is one word')
  })

  test('the migration backfills the rows saved before it with the same text', async (t) => {
    // Migration 0025's backfill function, created in a transaction that is rolled back.
    const migration = fs.readFileSync(path.join(MIGRATIONS_DIR, '0025_add_search_text_to_posts.sql'), 'utf8')
    const definition = migration.slice(
      migration.indexOf('create function search_text_backfill'),
      migration.indexOf('update posts set search_text'),
    )
    const testApp = await buildTestApp(t)
    const samples = [
      '## A heading\n\nSome **bold** text, a [link](https://example.com/x?a=1&b=2) and `<b>code</b>`.\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1]\n\n[^1]: the note',
      `Long run: ${fill('a_b-&', 600)} and <script>x</script>\u0002 end`,
      fill('*a', 5000),
      '',
    ].map(renderMarkdown)
    const rollback = new Error('rollback')
    const backfilled: string[] = []
    await testApp.database.db
      .transaction()
      .execute(async (trx) => {
        await sql.raw(definition).execute(trx)
        for (const html of samples) {
          const { rows } = await sql<{ text: string }>`select search_text_backfill(${html}) as text`.execute(trx)
          backfilled.push(rows[0]?.text ?? '')
        }
        throw rollback
      })
      .catch((error: unknown) => {
        if (error !== rollback) throw error
      })
    assert.deepEqual(backfilled, samples.map(searchText))
  })
})

describe('heading ids', () => {
  test('repeated headings get -1, -2, … in order, stepping over ids taken by other headings', () => {
    const ids = (markdown: string) => [...renderMarkdown(markdown).matchAll(/<h\d id="([^"]*)"/g)].map((m) => m[1])
    assert.deepEqual(ids('# A\n# A\n# A 1\n# A\n#\n# `x`\n# x'), ['a', 'a-1', 'a-1-1', 'a-2', 'section', 'x', 'x-1'])
    assert.deepEqual(ids('# a-1\n# a\n# a\n# a'), ['a-1', 'a', 'a-2', 'a-3'])
    const many = ids(fill('# a\n', 4 * 3000))
    assert.equal(many.length, 3000)
    assert.equal(new Set(many).size, 3000)
    assert.equal(many[2999], 'a-2999')
  })
})

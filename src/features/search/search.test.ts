import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import { scheduleContent } from '../content/content.service.ts'
import { splitLastWord } from './search.queries.ts'

/** A word no other test uses (letters and digits: indexed as is, never stemmed), so each test sees only its own rows. */
const token = () => `zq${randomBytes(5).toString('hex')}`

type Hit = { type: string; id: number; title: string; slug: string; path: string; excerpt: string; snippet_html: string; rank: number }

async function search(testApp: TestApp, query: Record<string, string>) {
  const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/search', query })
  assert.equal(response.statusCode, 200, response.body)
  return response.json() as { data: Hit[]; next_cursor: string | null }
}

const ids = async (testApp: TestApp, query: Record<string, string>) => (await search(testApp, query)).data.map((hit) => hit.id)

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const testApp = await buildTestApp(t)
  const editor = await createUser(testApp.database.db, { role: 'editor' })
  return { testApp, db: testApp.database.db, editor }
}

describe('search: what is found, and in what order', () => {
  test('a post with the word in its title ranks above one with it only in the body', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const inBody = await createPost(db, editor, { title: 'Body only', body: `Some text about ${word} here.`, published: true })
    const inTitle = await createPost(db, editor, { title: `All about ${word}`, body: 'Nothing else.', published: true })
    const { data } = await search(testApp, { q: word })
    assert.deepEqual(
      data.map((hit) => hit.id),
      [inTitle.id, inBody.id],
    )
    const [first, second] = data as [Hit, Hit]
    assert.ok(first.rank > second.rank, `${first.rank} > ${second.rank}`)
    assert.ok(second.rank > 0 && first.rank < 1)
    assert.equal(first.type, 'post')
    assert.equal(first.path, `/blog/${inTitle.slug}`)
    assert.equal(first.title, `All about ${word}`)
  })

  test('the snippet marks the matched word and escapes any HTML in the body; Markdown syntax is gone', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    await createPost(db, editor, {
      title: 'Escaping',
      body: `# Heading\n\nBefore **${word}** after <script>alert(1)</script> and &lt; and &amp;lt; and \`<b>code</b>\` [a link](https://example.com/x?a=1&b=2).`,
      published: true,
    })
    const [hit] = (await search(testApp, { q: word })).data
    assert.ok(hit)
    const snippet = hit.snippet_html
    assert.match(snippet, new RegExp(`<mark>${word}</mark>`))
    assert.doesNotMatch(snippet, /<script/i)
    assert.match(snippet, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
    assert.match(snippet, /&lt;b&gt;code&lt;\/b&gt;/)
    // Markdown's &lt; is the character <; its &amp;lt; is the text "&lt;" (as the post shows them).
    assert.match(snippet, / and &lt; and &amp;lt; and /)
    assert.doesNotMatch(snippet.replace(/<\/?mark>/g, ''), /[<>]/, 'the only tags are <mark> and </mark>')
    assert.doesNotMatch(snippet, /\*\*|\]\(|https:|#/, 'no Markdown syntax or link targets')
    assert.ok(!snippet.includes('\u0002') && !snippet.includes('\u0003'), 'no highlight markers are left')
  })

  test('control characters in a body cannot forge highlight markers', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    await createPost(db, editor, { title: 'Markers', body: `\u0002fake\u0003 then ${word}`, published: true })
    const [hit] = (await search(testApp, { q: word })).data
    assert.ok(hit)
    assert.equal(hit.snippet_html.match(/<mark>/g)?.length, 1, hit.snippet_html)
    assert.match(hit.snippet_html, new RegExp(`<mark>${word}</mark>`))
  })

  test('drafts, scheduled and archived content never appear; published pages do, and type= filters', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const body = `Text with ${word} in it.`
    const post = await createPost(db, editor, { body, published: true })
    const page = await createPost(db, editor, { type: 'page', body, published: true })
    await createPost(db, editor, { body })
    await createPost(db, editor, { type: 'page', body })
    const scheduled = await createPost(db, editor, { body })
    await scheduleContent(db, 'post', scheduled.id, new Date(Date.now() + 3_600_000), new Date())
    const archived = await createPost(db, editor, { body, published: true })
    await sql`update posts set status = 'archived' where id = ${archived.id}`.execute(db)

    const { data } = await search(testApp, { q: word })
    assert.deepEqual(data.map((hit) => hit.id).sort(), [post.id, page.id].sort())
    const pageHit = data.find((hit) => hit.id === page.id)
    assert.equal(pageHit?.type, 'page')
    assert.equal(pageHit?.path, `/${page.slug}`)
    assert.deepEqual(await ids(testApp, { q: word, type: 'post' }), [post.id])
    assert.deepEqual(await ids(testApp, { q: word, type: 'page' }), [page.id])
  })

  test('a signed-in editor sees the same published-only results as anyone', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const published = await createPost(db, editor, { body: word, published: true })
    await createPost(db, editor, { body: word })
    const { cookie } = await logIn(testApp.app, editor.email)
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/search', query: { q: word }, headers: { cookie } })
    assert.deepEqual(
      response.json().data.map((hit: Hit) => hit.id),
      [published.id],
    )
  })

  test('English stemming: "publishing" finds "published" and "runs" finds "running"', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const post = await createPost(db, editor, { title: `${word} report`, body: 'It was published by running people.', published: true })
    assert.deepEqual(await ids(testApp, { q: `${word} publishing` }), [post.id])
    assert.deepEqual(await ids(testApp, { q: `${word} runs` }), [post.id])
    assert.deepEqual(await ids(testApp, { q: `${word} walking` }), [])
    // Stop words are ignored rather than required.
    assert.deepEqual(await ids(testApp, { q: `the ${word} of` }), [post.id])
    // Case does not matter.
    assert.deepEqual(await ids(testApp, { q: word.toUpperCase() }), [post.id])
  })

  test('"exact phrase", -word and or work as on web search engines', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const other = token()
    const quickBrown = await createPost(db, editor, { body: `${word} the quick brown fox`, published: true })
    const brownQuick = await createPost(db, editor, { body: `${word} a brown and quick dog`, published: true })
    const onlyOther = await createPost(db, editor, { body: `${other} alone`, published: true })
    const sorted = async (q: string) => (await ids(testApp, { q })).sort()
    assert.deepEqual(await sorted(`${word} quick brown`), [quickBrown.id, brownQuick.id].sort())
    assert.deepEqual(await sorted(`${word} "quick brown"`), [quickBrown.id])
    assert.deepEqual(await sorted(`${word} -fox`), [brownQuick.id])
    assert.deepEqual(await sorted(`${word} -"quick brown"`), [brownQuick.id])
    assert.deepEqual(await sorted(`${word} or ${other}`), [quickBrown.id, brownQuick.id, onlyOther.id].sort())
    assert.deepEqual(await sorted(`${word} ${other}`), [])
  })

  test('limit and cursor walk through every hit once, best first', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const created = []
    for (let i = 0; i < 5; i++) created.push(await createPost(db, editor, { body: `Number ${i} with ${word}.`, published: true }))
    const seen: number[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: { data: Hit[]; next_cursor: string | null } = await search(testApp, {
        q: word,
        limit: '2',
        ...(cursor ? { cursor } : {}),
      })
      assert.ok(page.data.length <= 2)
      seen.push(...page.data.map((hit) => hit.id))
      cursor = page.next_cursor
      pages++
    } while (cursor !== null && pages < 10)
    assert.equal(pages, 3)
    assert.equal(new Set(seen).size, seen.length, 'no duplicates')
    // Equal ranks: newest first.
    assert.deepEqual(seen, created.map((post) => post.id).reverse())
    const all = await search(testApp, { q: word })
    assert.equal(all.data.length, 5)
    assert.equal(all.next_cursor, null)
  })
})

describe('search: the last word matches as a prefix (type-ahead)', () => {
  test('a word being typed finds the longer word: postgre finds postgresql, on the API and the site', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const post = await createPost(db, editor, { title: `${word} notes`, body: 'Tuning PostgreSQL indexes.', published: true })
    for (const q of [`${word} postgre`, `${word} Postg`, `${word} postgresql`, `${word} inde`, `${word.slice(0, 8)}`]) {
      assert.deepEqual(await ids(testApp, { q }), [post.id], q)
    }
    // Only the last word is a prefix; every other word matches whole, as before.
    assert.deepEqual(await ids(testApp, { q: `postgre ${word}` }), [])
    assert.deepEqual(await ids(testApp, { q: `${word} mysq` }), [])
    const [hit] = (await search(testApp, { q: `${word} postgre` })).data
    assert.match(hit?.snippet_html ?? '', /<mark>PostgreSQL<\/mark>/)
    const page = await testApp.app.inject({ method: 'GET', url: `/search?q=${word}+postgre` })
    assert.equal(page.statusCode, 200)
    assert.match(page.body, new RegExp(`/blog/${post.slug}`))
  })

  test('the prefix is stemmed like the text: post finds posting and posted', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const posting = await createPost(db, editor, { title: `${word} one`, body: 'We are posting daily.', published: true })
    const posted = await createPost(db, editor, { title: `${word} two`, body: 'It was posted.', published: true })
    await createPost(db, editor, { title: `${word} three`, body: 'Nothing here.', published: true })
    assert.deepEqual((await ids(testApp, { q: `${word} post` })).sort(), [posting.id, posted.id].sort())
    // A whole word still finds what it found before: postings is stemmed to post.
    assert.deepEqual((await ids(testApp, { q: `${word} postings` })).sort(), [posting.id, posted.id].sort())
    assert.deepEqual(await ids(testApp, { q: `${word} postx` }), [])
  })

  test('with a phrase, negation and or: only a plain last word is a prefix', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const other = token()
    const quick = await createPost(db, editor, { body: `${word} the quick brown fox jumps`, published: true })
    const slow = await createPost(db, editor, { body: `${word} a slow brown dog sleeps`, published: true })
    const onlyOther = await createPost(db, editor, { body: `${other} jumping alone`, published: true })
    const sorted = async (q: string) => (await ids(testApp, { q })).sort()
    assert.deepEqual(await sorted(`"${word} the quick" jum`), [quick.id])
    assert.deepEqual(await sorted(`${word} "brown fo`), [], 'inside an unclosed phrase the word is whole')
    assert.deepEqual(await sorted(`${word} -fox bro`), [slow.id])
    assert.deepEqual(await sorted(`${word} -jum`), [quick.id, slow.id].sort(), 'a negated word is whole')
    assert.deepEqual(await sorted(`${word} or ${other}`), [quick.id, slow.id, onlyOther.id].sort())
    assert.deepEqual(await sorted(`${word} or jum`), [quick.id, slow.id].sort(), 'after or the word is whole')
    assert.deepEqual(await sorted(`${word} the`), [quick.id, slow.id].sort(), 'a stop word as last word is left out')
    assert.deepEqual(await sorted(`${word} f`), [], 'one letter is no prefix')
  })

  test('scripts other than Latin: a prefix of a Cyrillic word finds it', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const post = await createPost(db, editor, { title: `${word} Привет`, body: 'Индексы и запросы.', published: true })
    assert.deepEqual(await ids(testApp, { q: `${word} индек` }), [post.id])
    assert.deepEqual(await ids(testApp, { q: `${word} запро` }), [post.id])
  })
})

/** [q, what is left of it, the prefix or none] */
const splits: [string, string, string | undefined][] = [
  ['postgre', '', 'postgre'],
  ['fast postgre', 'fast ', 'postgre'],
  ['"exact phrase" postg', '"exact phrase" ', 'postg'],
  ['"unclosed postg', '"unclosed postg', undefined],
  ['-postgre', '-postgre', undefined],
  ['a -b postg', 'a -b ', 'postg'],
  ['a or postg', 'a or postg', undefined],
  ['a OR', 'a OR', undefined],
  ['postgre:*', 'postgre:*', undefined],
  ['(postgre)', '(postgre)', undefined],
  ['x', 'x', undefined],
  ['индек', '', 'индек'],
  ['日本', '', '日本'],
  ['v24', '', 'v24'],
  ["o'neil", "o'neil", undefined],
  ['', '', undefined],
]

describe('search: which last word is a prefix', () => {
  for (const [q, rest, prefix] of splits) {
    test(`${JSON.stringify(q)} → ${JSON.stringify(rest)} and ${prefix === undefined ? 'no prefix' : JSON.stringify(prefix)}`, () => {
      assert.deepEqual(splitLastWord(q), prefix === undefined ? { rest } : { rest, prefix })
    })
  }
})

/** [what is wrong, query string, field the 400 names] */
const badQueries: [string, string, string][] = [
  ['no q', 'limit=5', 'q'],
  ['an empty q', 'q=', 'q'],
  ['a blank q', 'q=%20%20%20', 'q'],
  ['a q of 201 characters', `q=${'a'.repeat(201)}`, 'q'],
  ['a limit of 0', 'q=word&limit=0', 'limit'],
  ['a limit of 51', 'q=word&limit=51', 'limit'],
  ['a limit that is not a number', 'q=word&limit=abc', 'limit'],
  ['a cursor that is not base64 JSON', 'q=word&cursor=nonsense', 'cursor'],
  ['a cursor with a negative offset', `q=word&cursor=${Buffer.from('{"offset":-5}').toString('base64url')}`, 'cursor'],
  ['an id cursor from another list', `q=word&cursor=${Buffer.from('{"id":5}').toString('base64url')}`, 'cursor'],
  ['an unknown type', 'q=word&type=user', 'type'],
  ['an unknown parameter', 'q=word&sort=newest', 'sort'],
]

describe('search: bad input', () => {
  for (const [what, query, field] of badQueries) {
    test(`${what} is a 400 problem naming ${field}`, async (t) => {
      const testApp = await buildTestApp(t)
      const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/search?${query}` })
      assert.equal(response.statusCode, 400, response.body)
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
      assert.ok(
        response.json().errors.some((e: { field: string; in: string }) => e.field === field && e.in === 'querystring'),
        response.body,
      )
    })
  }

  test('punctuation, operators and stop words alone find nothing and never fail', async (t) => {
    const testApp = await buildTestApp(t)
    for (const q of [
      '& | ! : * ( )',
      "'",
      '\\',
      '"',
      '"unclosed',
      '-',
      'or',
      '!!!',
      ':*',
      'a:*',
      '<->',
      "' or 1=1 --",
      'the and of',
      '—…',
      'a\u0002c',
      'zz',
      "zz'",
      'the',
      '"a" or zz',
      // Not 'ab': PostgreSQL's parser reads a random title like 'Post 6e89ab' as the number 6e89 and the word ab.
      'qx\\',
    ]) {
      const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/search', query: { q } })
      assert.equal(response.statusCode, 200, `${q}: ${response.body}`)
      assert.deepEqual(response.json(), { data: [], next_cursor: null }, q)
    }
    // A NUL is refused before any handler (issue 9, item 6): a 400 naming q, never a 500 from the database.
    for (const q of ['\u0000', 'a\u0000b\u0002c']) {
      const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/search', query: { q } })
      assert.equal(response.statusCode, 400, `${JSON.stringify(q)}: ${response.body}`)
      assert.equal(response.json().errors?.[0]?.field, 'q', response.body)
    }
  })

  test('operator characters around a real word still find it', async (t) => {
    const { testApp, db, editor } = await setup(t)
    const word = token()
    const post = await createPost(db, editor, { body: `Here is ${word}.`, published: true })
    for (const q of [`${word}:*`, `(${word})`, `!${word}!`, `'${word}'`, `${word} & |`, `  ${word}  `, `${word}\\`]) {
      assert.deepEqual(await ids(testApp, { q }), [post.id], q)
    }
  })

  test('the OpenAPI document describes the search route and its parameters', async (t) => {
    const testApp = await buildTestApp(t)
    const doc = (await testApp.app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    const operation = doc.paths['/api/v1/search'].get
    assert.match(operation.description, /exact phrase/)
    assert.deepEqual(operation.parameters.map((p: { name: string }) => p.name).sort(), ['cursor', 'limit', 'q', 'type'])
    assert.ok(operation.responses['200'])
  })
})

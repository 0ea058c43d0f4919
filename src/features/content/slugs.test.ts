import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import { slugify, slugOrRandom } from './markdown.ts'

/** [script, title, slug] (issue 10, item 7): every script gives a readable ASCII slug. */
const titles: [string, string, string][] = [
  ['Latin', 'Hello World', 'hello-world'],
  ['Latin with diacritics', 'Crème brûlée à Zürich', 'creme-brulee-a-zurich'],
  ['Latin letters without a decomposition', 'Straße, Øre and Łódź', 'strasse-ore-and-lodz'],
  ['Vietnamese', 'Tiếng Việt', 'tieng-viet'],
  ['Cyrillic', 'Привет, мир', 'privet-mir'],
  ['Cyrillic with ё and й', 'Ёлка и йод', 'yolka-i-yod'],
  ['Greek', 'Ελληνικά νέα', 'ellinika-nea'],
  ['Arabic', 'مرحبا بالعالم', 'mrhb-blaalm'],
  ['Chinese', '你好世界', 'ni-hao-shi-jie'],
  ['Japanese kana with voiced marks', 'ガイド', 'gaido'],
  ['Japanese kana and kanji', 'こんにちは世界', 'konnitihashi-jie'],
  ['Korean', '한국어', 'hangugeo'],
  ['mixed scripts and punctuation', 'PostgreSQL: Индексы & 索引!', 'postgresql-indeksy-suo-yin'],
  ['compatibility characters', 'ﬁle ½', 'file-1-2'],
  ['only emoji', '🎉🚀', ''],
  ['only punctuation', '!!! — …', ''],
]

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/

describe('slugs in any script', () => {
  for (const [script, title, slug] of titles) {
    test(`${script}: ${JSON.stringify(title)} → ${JSON.stringify(slug)}`, () => {
      assert.equal(slugify(title), slug)
    })
  }

  test('a slug keeps to the length given and never ends in a hyphen', () => {
    const slug = slugify('你好世界'.repeat(50), 100)
    assert.ok(slug.length <= 100, `${slug.length}`)
    assert.match(slug, SLUG)
    assert.equal(slugify('ab cd', 3), 'ab')
  })

  test('a title that gives no slug gets a short random one that fits the slug pattern', () => {
    for (const title of ['🎉🚀', '!!!', '', '\u0000\u0002', '😀'.repeat(100)]) {
      const slug = slugOrRandom(title)
      assert.match(slug, /^[0-9a-f]{8}$/, JSON.stringify(title))
    }
    assert.notEqual(slugOrRandom('🎉'), slugOrRandom('🎉'))
    assert.equal(slugOrRandom('Привет'), 'privet')
  })
})

async function editorHeaders(testApp: TestApp) {
  const editor = await createUser(testApp.database.db, { role: 'editor' })
  const { cookie, csrf } = await logIn(testApp.app, editor.email)
  return { cookie, 'x-csrf-token': csrf }
}

describe('slugs in any script, over the API', () => {
  test('posts titled in Russian, Chinese, Greek and Arabic are created with readable slugs', async (t) => {
    const testApp = await buildTestApp(t)
    const headers = await editorHeaders(testApp)
    for (const [title, slug] of [
      ['Привет, мир', 'privet-mir'],
      ['你好世界', 'ni-hao-shi-jie'],
      ['Ελληνικά νέα', 'ellinika-nea'],
      ['مرحبا بالعالم', 'mrhb-blaalm'],
    ]) {
      const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/posts', headers, payload: { title } })
      assert.equal(response.statusCode, 201, response.body)
      assert.equal(response.json().slug, slug)
      assert.equal(response.json().title, title)
    }
  })

  test('a title of only emoji or punctuation gets a short random slug, for a post and a page', async (t) => {
    const testApp = await buildTestApp(t)
    const headers = await editorHeaders(testApp)
    const slugs = []
    for (const [url, title] of [
      ['/api/v1/posts', '🎉🚀'],
      ['/api/v1/posts', '!!!'],
      ['/api/v1/pages', '🎉🚀'],
    ] as const) {
      const response = await testApp.app.inject({ method: 'POST', url, headers, payload: { title } })
      assert.equal(response.statusCode, 201, response.body)
      assert.match(response.json().slug, /^[0-9a-f]{8}$/)
      slugs.push(response.json().slug)
    }
    assert.equal(new Set(slugs).size, slugs.length)
  })

  test('the same Cyrillic title twice is a 409 naming slug, as for any taken slug', async (t) => {
    const testApp = await buildTestApp(t)
    const headers = await editorHeaders(testApp)
    const payload = { title: 'Новости' }
    assert.equal((await testApp.app.inject({ method: 'POST', url: '/api/v1/posts', headers, payload })).statusCode, 201)
    const again = await testApp.app.inject({ method: 'POST', url: '/api/v1/posts', headers, payload })
    assert.equal(again.statusCode, 409, again.body)
    assert.equal(again.json().errors[0].field, 'slug')
  })

  test('a tag named in Chinese or with only emoji gets a slug', async (t) => {
    const testApp = await buildTestApp(t)
    const headers = await editorHeaders(testApp)
    const chinese = await testApp.app.inject({ method: 'POST', url: '/api/v1/tags', headers, payload: { name: '数据库' } })
    assert.equal(chinese.statusCode, 201, chinese.body)
    assert.equal(chinese.json().slug, 'shu-ju-ku')
    const emoji = await testApp.app.inject({ method: 'POST', url: '/api/v1/tags', headers, payload: { name: '🐘' } })
    assert.equal(emoji.statusCode, 201, emoji.body)
    assert.match(emoji.json().slug, /^[0-9a-f]{8}$/)
  })
})

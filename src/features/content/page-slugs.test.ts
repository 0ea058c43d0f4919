import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { createReservedPaths } from '#core/http/reserved-paths.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'

// Reserved paths (issue 8, item 6): a page lives at /{slug}, so a slug that the
// app itself uses (/blog, /api, /media…) is refused with a field error.

async function editorOf(testApp: TestApp) {
  const user = await createUser(testApp.database.db, { role: 'editor' })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { user, headers: { cookie, 'x-csrf-token': csrf } }
}

const word = () => randomBytes(4).toString('hex')

type Problem = { errors: { field: string; in: string; message: string }[] }
const fields = (body: Problem) => body.errors.map((e) => [e.field, e.in])

describe('reserved paths: page slugs', () => {
  test('every top-level path of the app is reserved by the feature that serves it', async (t) => {
    const testApp = await buildTestApp(t)
    await testApp.app.ready()
    // The first segment of every route under / (Fastify's route tree, one line per branch).
    const segments = new Set<string>()
    for (const line of testApp.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const path = /^[ │] {3}[├└]── (\S+) \(/.exec(line)?.[1]
      const segment = path?.split('/')[0]
      // `*` is the CORS plugin's OPTIONS route (every path's preflight), not a path of its own.
      if (segment && !segment.startsWith(':') && segment !== '*') segments.add(segment)
    }
    assert.ok(segments.has('blog') && segments.has('api') && segments.has('healthz'), [...segments].join(' '))
    const reserved = new Map(testApp.deps.paths.list().map((r) => [r.segment, r.owner]))
    for (const segment of segments) assert.ok(reserved.has(segment), `/${segment} is served but not reserved`)
    // And what the issue names, routed or not yet.
    for (const segment of [
      'api',
      'admin',
      'blog',
      'tag',
      'category',
      'search',
      'media',
      'theme',
      'feed.xml',
      'sitemap.xml',
      'robots.txt',
    ]) {
      assert.ok(reserved.has(segment), segment)
    }
    assert.equal(reserved.get('blog'), 'site')
    assert.equal(reserved.get('media'), 'media')
  })

  test('a page cannot take a reserved slug, given or made from its title; nothing is written', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await editorOf(testApp)
    const slugs = testApp.deps.paths
      .list()
      .map((r) => r.segment)
      .filter((s) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(s))
    assert.ok(slugs.length >= 8, slugs.join(' '))
    for (const slug of slugs) {
      const response = await testApp.app.inject({
        method: 'POST',
        url: '/api/v1/pages',
        headers: editor.headers,
        payload: { title: `About ${slug}`, slug },
      })
      assert.equal(response.statusCode, 400, `${slug}: ${response.body}`)
      assert.match(String(response.headers['content-type']), /application\/problem\+json/)
      assert.deepEqual(fields(response.json()), [['slug', 'body']])
      assert.equal(response.json().errors[0].message, `is used by the site itself: /${slug}; choose another`)
    }
    const fromTitle = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/pages',
      headers: editor.headers,
      payload: { title: 'Blog' },
    })
    assert.equal(fromTitle.statusCode, 400, fromTitle.body)
    assert.deepEqual(fields(fromTitle.json()), [['slug', 'body']])
    assert.match(fromTitle.json().errors[0].message, /\/blog/)
    for (const slug of [...slugs, 'blog']) {
      const found = await testApp.app.inject({ method: 'GET', url: `/api/v1/pages?slug=${slug}`, headers: editor.headers })
      assert.deepEqual(found.json().data, [], slug)
    }
  })

  test('a slug with a dot (feed.xml) is no slug at all: 400 naming slug', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await editorOf(testApp)
    for (const slug of ['feed.xml', 'robots.txt', 'sitemap.xml']) {
      const response = await testApp.app.inject({
        method: 'POST',
        url: '/api/v1/pages',
        headers: editor.headers,
        payload: { title: 'X', slug },
      })
      assert.equal(response.statusCode, 400, response.body)
      assert.deepEqual(fields(response.json()), [['slug', 'body']])
    }
  })

  test('a page cannot be renamed to a reserved slug; the page is left as it was', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await editorOf(testApp)
    const page = await createPost(testApp.database.db, editor.user, { type: 'page', slug: `about-${word()}`, published: true })
    for (const slug of ['search', 'api', 'admin', 'media']) {
      const response = await testApp.app.inject({
        method: 'PATCH',
        url: `/api/v1/pages/${page.id}`,
        headers: editor.headers,
        payload: { slug },
      })
      assert.equal(response.statusCode, 400, response.body)
      assert.deepEqual(fields(response.json()), [['slug', 'body']])
    }
    const after = await testApp.app.inject({ method: 'GET', url: `/api/v1/pages/${page.id}`, headers: editor.headers })
    assert.equal(after.json().slug, page.slug)
    const revisions = await testApp.app.inject({ method: 'GET', url: `/api/v1/pages/${page.id}/revisions`, headers: editor.headers })
    assert.equal(revisions.json().data.length, 1)
  })

  test('posts live under /blog/, so their slugs are not limited', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await editorOf(testApp)
    for (const slug of ['search', 'api', 'media']) {
      const response = await testApp.app.inject({
        method: 'POST',
        url: '/api/v1/posts',
        headers: editor.headers,
        payload: { title: 'X', slug },
      })
      assert.equal(response.statusCode, 201, response.body)
    }
  })

  test('a page that has a reserved slug from before keeps it: it can be edited, and renamed away', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await editorOf(testApp)
    // Written without the app's reserved paths, as a page saved before this rule would have been.
    const legacy = await createPost(testApp.database.db, editor.user, { type: 'page', slug: 'tag' })
    const edit = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/pages/${legacy.id}`,
      headers: editor.headers,
      payload: { body: 'Still here.' },
    })
    assert.equal(edit.statusCode, 200, edit.body)
    assert.equal(edit.json().slug, 'tag')
    const renamed = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/pages/${legacy.id}`,
      headers: editor.headers,
      payload: { slug: `tags-${word()}` },
    })
    assert.equal(renamed.statusCode, 200, renamed.body)
  })
})

describe('reserved paths: the registry', () => {
  test('a segment reserved twice by different features, or not a segment, is a bug found at build', () => {
    const paths = createReservedPaths()
    paths.reserve('site', ['blog', 'feed.xml'])
    paths.reserve('site', ['blog'])
    assert.throws(() => paths.reserve('shop', ['blog']), /\/blog is reserved by site/)
    for (const bad of ['', 'a/b', '/blog', 'Blog', 'blog?x', '.hidden']) {
      assert.throws(() => paths.reserve('shop', [bad]), /not a top-level path segment/, bad)
    }
    assert.equal(paths.ownerOf('BLOG'), 'site')
    assert.equal(paths.ownerOf('about'), undefined)
    assert.deepEqual(
      paths.list().map((r) => r.segment),
      ['blog', 'feed.xml'],
    )
  })
})

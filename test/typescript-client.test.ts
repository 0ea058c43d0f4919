// The typed client (clients/typescript) against a real server: the app
// listening on 127.0.0.1, called over HTTP with fetch, on the database under
// test. Cookie mode runs through a small cookie jar (what a browser keeps);
// the client itself adds X-CSRF-Token to writes. What the README's
// "For front-end developers" section shows runs here.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import sharp from 'sharp'
import { createPlinthClient, formData, type PlinthClient, type Schemas } from '../clients/typescript/index.ts'
import type { Role } from '../src/features/users/users.schemas.ts'
import type { TestApp } from './app.ts'
import { createUser, TEST_PASSWORD } from './factories.ts'
import { listenTestApp } from './listen.ts'

const cleanups: (() => unknown)[] = []
let testApp: TestApp
let origin: string

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-client-test-'))
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  ;({ testApp, origin } = await listenTestApp(cleanups, { env: { DATA_DIR: dataDir } }))
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/** fetch with a cookie jar, as a browser keeps one for the site: sends the cookies it holds, keeps what Set-Cookie sets. */
function browserFetch(): { fetch: (request: Request) => Promise<Response>; cookies: Map<string, string> } {
  const cookies = new Map<string, string>()
  return {
    cookies,
    fetch: async (request) => {
      if (cookies.size > 0) request.headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '))
      const response = await fetch(request)
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';')
        const name = pair.slice(0, pair.indexOf('=')).trim()
        const value = pair.slice(pair.indexOf('=') + 1).trim()
        const expired = value === '' || attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))
        if (expired) cookies.delete(name)
        else cookies.set(name, value)
      }
      return response
    },
  }
}

/** A user of `role` signed in through the client in cookie mode. */
async function signedIn(role: Role) {
  const user = await createUser(testApp.deps.db, { role, verified: true, name: `Client ${role}` })
  const browser = browserFetch()
  const client = createPlinthClient({ baseUrl: origin, fetch: browser.fetch })
  const { data, error, response } = await client.POST('/api/v1/auth/login', { body: { email: user.email, password: TEST_PASSWORD } })
  assert.equal(error, undefined)
  assert.equal(response.status, 200)
  assert.equal(data?.id, user.id)
  return { user, client, browser }
}

/** A personal API token made through the client from `session`, and a client that sends it. */
async function tokenClient(session: PlinthClient, scopes: ('read' | 'write' | 'admin')[] = ['read', 'write']) {
  const { data, error, response } = await session.POST('/api/v1/tokens', {
    body: { name: `client test ${randomBytes(3).toString('hex')}`, scopes },
  })
  assert.equal(error, undefined)
  assert.equal(response.status, 201)
  assert.ok(data)
  assert.match(data.token, /^plinth_/)
  return createPlinthClient({ baseUrl: origin, token: data.token })
}

const anonymous = () => createPlinthClient({ baseUrl: origin, credentials: 'omit' })

/** A word no other post has, for search. */
const uniqueWord = () =>
  `zebrafinch${randomBytes(4)
    .toString('hex')
    .replace(/\d/g, (digit) => 'abcdefghij'[Number(digit)] as string)}`

describe('the typed client against a real server', () => {
  test('an admin signed in with a session makes a token; with it creates and publishes a post; anyone lists, gets and searches it', async () => {
    const { user, client: session } = await signedIn('admin')
    const api = await tokenClient(session)
    const word = uniqueWord()

    const created = await api.POST('/api/v1/posts', {
      body: { title: `Typed client ${word}`, body: `A post about the ${word}, written through the typed client.`, excerpt: 'Typed.' },
    })
    assert.equal(created.error, undefined)
    assert.equal(created.response.status, 201)
    const draft: Schemas['Post'] | undefined = created.data
    assert.ok(draft)
    assert.equal(draft.status, 'draft')
    assert.equal(draft.author.id, user.id)

    const published = await api.POST('/api/v1/posts/{id}/publish', { params: { path: { id: draft.id } } })
    assert.equal(published.error, undefined)
    assert.equal(published.data?.status, 'published')
    assert.equal(published.data?.url, `/blog/${draft.slug}`)

    const visitor = anonymous()
    const list = await visitor.GET('/api/v1/posts', { params: { query: { author: user.id, limit: 10 } } })
    assert.equal(list.error, undefined)
    assert.deepEqual(
      list.data?.data.map((post) => post.id),
      [draft.id],
    )
    assert.equal(list.data?.next_cursor, null)

    const one = await visitor.GET('/api/v1/posts/{id}', { params: { path: { id: draft.id } } })
    assert.equal(one.error, undefined)
    assert.equal(one.data?.title, `Typed client ${word}`)
    assert.match(one.data?.body_html ?? '', new RegExp(word))

    const bySlug = await visitor.GET('/api/v1/posts', { params: { query: { slug: draft.slug } } })
    assert.deepEqual(
      bySlug.data?.data.map((post) => post.id),
      [draft.id],
    )

    // The last word of a query matches as a prefix (type-ahead).
    for (const q of [word, word.slice(0, -3)]) {
      const search = await visitor.GET('/api/v1/search', { params: { query: { q } } })
      assert.equal(search.error, undefined, q)
      assert.deepEqual(
        search.data?.data.map((hit) => [hit.id, hit.path]),
        [[draft.id, `/blog/${draft.slug}`]],
        q,
      )
      assert.match(search.data?.data[0]?.snippet_html ?? '', /<mark>/)
    }
  })

  test('the README’s example (list, show by slug and by id, search) runs as written, anonymously', async () => {
    const { user, client: session } = await signedIn('editor')
    const api = await tokenClient(session)
    const word = uniqueWord()
    const { data: draft } = await api.POST('/api/v1/posts', { body: { title: `Readme ${word}`, body: `Some **${word}** text.` } })
    assert.ok(draft)
    assert.equal((await api.POST('/api/v1/posts/{id}/publish', { params: { path: { id: draft.id } } })).response.status, 200)

    // README.md, "For front-end developers": the same calls, with the values kept instead of shown.
    const plinth = createPlinthClient({ baseUrl: origin, credentials: 'omit' })
    const { data: page, error } = await plinth.GET('/api/v1/posts', { params: { query: { limit: 10, sort: 'newest' } } })
    if (error) throw new Error(`${error.code}: ${error.detail}`)
    const listed = page.data.find((post) => post.id === draft.id)
    assert.ok(listed, 'the newest posts include it')
    assert.deepEqual(
      [listed.title, listed.url, listed.author.name, listed.cover?.srcset],
      [`Readme ${word}`, `/blog/${draft.slug}`, user.name, undefined],
    )

    const { data: bySlug } = await plinth.GET('/api/v1/posts', { params: { query: { slug: draft.slug } } })
    const post = bySlug?.data[0]
    assert.equal(post?.title, `Readme ${word}`)
    assert.equal(post?.body_html, `<p>Some <strong>${word}</strong> text.</p>\n`)

    const { data: one, error: missing } = await plinth.GET('/api/v1/posts/{id}', { params: { path: { id: draft.id } } })
    assert.equal(missing, undefined)
    assert.equal(one?.title, `Readme ${word}`)
    const { error: notThere } = await plinth.GET('/api/v1/posts/{id}', { params: { path: { id: 2_000_000_000 } } })
    assert.equal(notThere?.code, 'not_found')

    const { data: hits } = await plinth.GET('/api/v1/search', { params: { query: { q: word.slice(0, -2) } } })
    assert.deepEqual(
      (hits?.data ?? []).map((hit) => [hit.title, hit.path]),
      [[`Readme ${word}`, `/blog/${draft.slug}`]],
    )
  })

  test('a session (cookie + CSRF token) writes through the client; the same write without the token is refused', async () => {
    const { user, client, browser } = await signedIn('author')
    const created = await client.POST('/api/v1/posts', { body: { title: 'Written with a session' } })
    assert.equal(created.error, undefined)
    assert.equal(created.response.status, 201)
    assert.equal(created.data?.author.id, user.id)

    const renamed = await client.PATCH('/api/v1/auth/me', { body: { name: 'Renamed through the client' } })
    assert.equal(renamed.error, undefined)
    assert.equal(renamed.data?.name, 'Renamed through the client')

    // The client sent X-CSRF-Token: the same cookie without it is a 403 a client can branch on.
    const bare = await browser.fetch(
      new Request(`${origin}/api/v1/posts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"title":"No token"}',
      }),
    )
    assert.equal(bare.status, 403)
    assert.equal(((await bare.json()) as Schemas['Problem']).code, 'csrf_token_missing')
    const mine = await client.GET('/api/v1/posts', { params: { query: { author: user.id, status: 'draft' } } })
    assert.deepEqual(
      mine.data?.data.map((post) => post.title),
      ['Written with a session'],
      'the refused write left nothing',
    )
  })

  test('signing out and in again: the client fetches the new session’s CSRF token itself', async () => {
    const { user, client } = await signedIn('author')
    assert.equal((await client.POST('/api/v1/posts', { body: { title: 'Before' } })).response.status, 201)
    const out = await client.POST('/api/v1/auth/logout')
    assert.ok(out.response.status < 300, String(out.response.status))
    const anonymousWrite = await client.POST('/api/v1/posts', { body: { title: 'Signed out' } })
    assert.equal(anonymousWrite.response.status, 401)
    assert.equal(anonymousWrite.error?.code, 'authentication_required')
    const again = await client.POST('/api/v1/auth/login', { body: { email: user.email, password: TEST_PASSWORD } })
    assert.equal(again.error, undefined)
    const after = await client.POST('/api/v1/posts', { body: { title: 'After' } })
    assert.equal(after.error, undefined)
    assert.equal(after.response.status, 201)
  })

  test('an image uploads as multipart through the client, and is served at its URL', async () => {
    const { client: session } = await signedIn('author')
    const api = await tokenClient(session)
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3d85c6' } })
      .png()
      .toBuffer()
    const file = new File([new Uint8Array(png)], 'square.png', { type: 'image/png' })
    const uploaded = await api.POST('/api/v1/media', { body: { file, alt: 'A blue rectangle' }, bodySerializer: formData })
    assert.equal(uploaded.error, undefined)
    assert.equal(uploaded.response.status, 201)
    const media: Schemas['Media'] | undefined = uploaded.data
    assert.ok(media)
    assert.equal(media.mime_type, 'image/png')
    assert.equal(media.width, 64)
    assert.equal(media.height, 48)
    assert.equal(media.alt, 'A blue rectangle')
    assert.equal(media.original_name, 'square.png')
    const served = await fetch(`${origin}${media.url}`)
    assert.equal(served.status, 200)
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(png))
  })

  test('bad input through the client answers typed problems a client branches on, and writes nothing', async () => {
    const { user, client: session } = await signedIn('author')
    const api = await tokenClient(session)

    const cases: {
      what: string
      call: () => Promise<{ error?: Schemas['Problem']; response: Response }>
      status: number
      code: string
      field?: string
    }[] = [
      {
        what: 'an empty title',
        call: () => api.POST('/api/v1/posts', { body: { title: '' } }),
        status: 400,
        code: 'validation_failed',
        field: 'title',
      },
      {
        what: 'a bad slug',
        call: () => api.POST('/api/v1/posts', { body: { title: 'Fine', slug: 'Not A Slug' } }),
        status: 400,
        code: 'validation_failed',
        field: 'slug',
      },
      {
        what: 'an unknown field',
        call: () => api.POST('/api/v1/posts', { body: { title: 'Fine', colour: 'red' } as never }),
        status: 400,
        code: 'validation_failed',
      },
      {
        what: 'a limit out of range',
        call: () => api.GET('/api/v1/posts', { params: { query: { limit: 100000 } } }),
        status: 400,
        code: 'validation_failed',
        field: 'limit',
      },
      {
        what: 'a post that does not exist',
        call: () => api.GET('/api/v1/posts/{id}', { params: { path: { id: 2_000_000_000 } } }),
        status: 404,
        code: 'not_found',
      },
      {
        what: 'a wrong token',
        call: () => createPlinthClient({ baseUrl: origin, token: 'plinth_wrong' }).GET('/api/v1/posts'),
        status: 401,
        code: 'api_token_invalid',
      },
      {
        what: 'publishing as an author',
        call: () => api.POST('/api/v1/posts/{id}/publish', { params: { path: { id: 2_000_000_000 } } }),
        status: 403,
        code: 'role_required',
      },
      {
        what: 'a text file sent as an image',
        call: () =>
          api.POST('/api/v1/media', {
            body: { file: new File(['not an image'], 'fake.png', { type: 'image/png' }) },
            bodySerializer: formData,
          }),
        status: 415,
        code: 'unsupported_media_type',
      },
    ]
    for (const { what, call, status, code, field } of cases) {
      const { error, response } = await call()
      assert.equal(response.status, status, what)
      assert.match(String(response.headers.get('content-type')), /^application\/problem\+json/, what)
      assert.ok(error, what)
      assert.equal(error.code, code, what)
      assert.equal(error.status, status, what)
      assert.equal(typeof error.request_id, 'string', what)
      if (field)
        assert.ok(
          error.errors?.some((item) => item.field === field),
          `${what}: names ${field} in ${JSON.stringify(error.errors)}`,
        )
    }
    const mine = await api.GET('/api/v1/posts', { params: { query: { author: user.id, status: 'draft' } } })
    assert.deepEqual(mine.data?.data, [], 'no post was written')
    const media = await api.GET('/api/v1/media', { params: { query: {} } })
    assert.ok(!media.data?.data.some((item) => item.original_name === 'fake.png'), 'no file was stored')
  })
})

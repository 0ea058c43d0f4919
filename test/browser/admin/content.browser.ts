// The admin's content and media screens in Chromium (issue 13): upload images in the media
// library (several at once, a progress bar each), write a post in the Markdown editor with
// the server's live preview, autosave, pick a cover from the library, publish it and find
// it on the public site; compare and restore a revision; where an image is used; an
// author sees no Publish button. axe-core, screenshots at 1280 and 390 px and no console
// or CSP errors on every screen. `npm run build:admin` first; `npm run test:browser`.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import sharp from 'sharp'
import { sql } from '../../../src/core/db/database.ts'
import { createPost, logIn, TEST_PASSWORD } from '../../factories.ts'
import { type AdminHarness, assertLeaveGuard, assertNoProblems, startAdmin } from './harness.ts'

const cleanups: (() => unknown)[] = []
let admin: AdminHarness

before(async () => {
  admin = await startAdmin(cleanups)
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

const image = (format: 'png' | 'jpeg', colour: { r: number; g: number; b: number }) =>
  sharp({ create: { width: 640, height: 400, channels: 3, background: colour } })
    .toFormat(format)
    .toBuffer()

type PostRow = { id: number; title: string; slug: string; body: string; status: string; cover_media_id: number | null }
const postById = async (id: number) =>
  (await sql<PostRow>`select id, title, slug, body, status, cover_media_id from posts where id = ${id}`.execute(admin.testApp.database.db))
    .rows[0]
const revisionCount = async (id: number) =>
  Number(
    (await sql<{ n: number }>`select count(*) as n from post_revisions where post_id = ${id}`.execute(admin.testApp.database.db)).rows[0]
      ?.n,
  )

/** Signs in through the sign-in screen, straight to `next` (the screens under test, not the dashboard). */
async function signInTo(page: Page, email: string, next: string, heading: string) {
  await page.goto(`${admin.origin}/admin/sign-in?next=${encodeURIComponent(next)}`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(TEST_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
}

/** The editor's id from its URL, once the first save has created the post. */
async function editorPostId(page: Page): Promise<number> {
  await page.waitForURL(/\/admin\/posts\/\d+$/)
  return Number(new URL(page.url()).pathname.split('/').at(-1))
}

/** Picks revision `number` in the Revisions dialog, paging forward (10 a page) until it shows. */
async function pickRevision(dialog: Locator, number: number) {
  await dialog
    .getByRole('button', { name: /^#\d+ / })
    .first()
    .waitFor()
  const button = dialog.getByRole('button', { name: new RegExp(`^#${number} `) })
  for (let page = 1; (await button.count()) === 0; page++) {
    const pager = dialog.getByRole('navigation', { name: 'Revision pages' })
    assert.ok((await pager.count()) > 0, `revision #${number} is on some page`)
    await pager.getByRole('button', { name: 'Next' }).click()
    // The next page replaces the list once it has loaded.
    await pager.getByText(`Page ${page + 1}`).waitFor()
    await pager.getByRole('button', { name: 'Previous' }).and(dialog.locator(':enabled')).waitFor()
  }
  await button.click()
}

/** Types into the CodeMirror body (its content element is labelled "Body"). */
async function typeBody(page: Page, text: string) {
  const body = page.getByRole('textbox', { name: 'Body' })
  await body.click()
  await page.keyboard.press('ControlOrMeta+End')
  await page.keyboard.type(text)
}

describe('the admin: content and media', () => {
  test('an editor uploads images, writes a post with a cover, previews, autosaves, publishes it and restores a revision', {
    timeout: 300_000,
  }, async () => {
    const editor = await admin.user('editor', { name: 'Eddie Editor' })
    const tab = await admin.page()
    const { page } = tab
    // The media library: two files at once, each with its bar, then the grid.
    await signInTo(page, editor.email, '/admin/media', 'Media')
    await page.getByText('No media yet.').waitFor()
    await page.getByLabel('Choose files').setInputFiles([
      { name: 'sunrise.png', mimeType: 'image/png', buffer: await image('png', { r: 240, g: 120, b: 30 }) },
      { name: 'sea.jpg', mimeType: 'image/jpeg', buffer: await image('jpeg', { r: 20, g: 90, b: 200 }) },
    ])
    const uploads = page.getByRole('list', { name: 'Uploads' })
    await uploads.getByRole('listitem').filter({ hasText: 'sunrise.png' }).getByText('Done').waitFor()
    await uploads.getByRole('listitem').filter({ hasText: 'sea.jpg' }).getByText('Done').waitFor()
    assert.equal(await uploads.getByRole('progressbar').count(), 2, 'a progress bar per file')
    const grid = page.getByRole('list', { name: 'Media items' })
    await grid.getByRole('button', { name: 'Edit sunrise.png' }).waitFor()
    await grid.getByRole('button', { name: 'Edit sea.jpg' }).waitFor()
    await admin.check(tab, 'media')

    // Alt text, and where the image is used (nowhere yet).
    await grid.getByRole('button', { name: 'Edit sunrise.png' }).click()
    const detail = page.getByRole('dialog', { name: 'sunrise.png' })
    await detail.getByText('Not used anywhere.').waitFor()
    await detail.getByLabel('Alt text').fill('An orange sunrise')
    await detail.getByRole('button', { name: 'Save alt text' }).click()
    await page.getByText('Alt text saved.').waitFor()
    await admin.check(tab, 'media-item')
    await detail.getByRole('button', { name: 'Close' }).click()
    const [sunrise] = (
      await sql<{ id: number; alt: string }>`select id, alt from media where original_name = 'sunrise.png'`.execute(
        admin.testApp.database.db,
      )
    ).rows
    assert.equal(sunrise?.alt, 'An orange sunrise')

    // The posts list, then a new post: the first save (once a title is there) creates it.
    await page.getByRole('link', { name: 'Posts' }).click()
    await page.getByRole('heading', { level: 1, name: 'Posts' }).waitFor()
    await page.getByText('No posts yet.').waitFor()
    await admin.check(tab, 'posts-empty')
    await page.getByRole('link', { name: 'New post' }).click()
    await page.getByRole('heading', { level: 1, name: 'New post' }).waitFor()
    await page.getByLabel('Title', { exact: true }).fill('My first post')
    await typeBody(page, '# Hello\n\nSome **bold** words and a [link](https://example.org).')
    // The server's preview: the site's renderer (heading ids, sanitised).
    const preview = page.getByRole('region', { name: 'Preview' })
    await preview.locator('h1#hello').waitFor()
    await preview.locator('strong', { hasText: 'bold' }).waitFor()
    const id = await editorPostId(page)
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
    await page.getByRole('heading', { level: 1, name: 'Edit post' }).waitFor()
    let row = await postById(id)
    assert.equal(row?.title, 'My first post')
    assert.equal(row?.slug, 'my-first-post')
    assert.equal(row?.status, 'draft')
    assert.match(row?.body ?? '', /Some \*\*bold\*\* words/)
    const firstBody = row?.body ?? ''

    // Autosave again after more typing; the cover from the library; tags by name.
    await typeBody(page, '\n\nA second paragraph.')
    await page.getByRole('button', { name: 'Choose cover' }).click()
    const picker = page.getByRole('dialog', { name: 'Choose an image' })
    await picker.getByRole('button', { name: 'Choose sunrise.png' }).click()
    await page.getByRole('img', { name: 'An orange sunrise' }).waitFor()
    await page.getByLabel('Tags').fill('Databases, Node')
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
    await assert.doesNotReject(async () => {
      for (let i = 0; i < 50; i++) {
        row = await postById(id)
        if (row?.cover_media_id === sunrise?.id && row?.body.includes('A second paragraph.')) return
        await page.waitForTimeout(100)
      }
      throw new Error(`not autosaved: ${JSON.stringify(row)}`)
    })
    await admin.check(tab, 'editor')

    // Publish: on the public site at its URL, with the cover and the rendered body.
    await page.getByRole('button', { name: 'Publish', exact: true }).click()
    await page.getByText('Published.').waitFor()
    await page.getByRole('link', { name: '/blog/my-first-post' }).waitFor()
    assert.equal((await postById(id))?.status, 'published')
    const site = await admin.page()
    const response = await site.page.goto(`${admin.origin}/blog/my-first-post`)
    assert.equal(response?.status(), 200)
    await site.page.getByRole('heading', { name: 'My first post' }).first().waitFor()
    await site.page.locator('strong', { hasText: 'bold' }).waitFor()
    await site.page.getByText('A second paragraph.').waitFor()
    await site.page.getByRole('img', { name: 'An orange sunrise' }).first().waitFor()

    // The library now says where the image is used; deleting it asks with that said.
    await page.getByRole('link', { name: 'Media' }).click()
    await page.getByRole('list', { name: 'Media items' }).getByRole('button', { name: 'Edit sunrise.png' }).click()
    const used = page.getByRole('dialog', { name: 'sunrise.png' })
    await used.getByRole('link', { name: 'My first post' }).waitFor()
    await used.getByText('(post, published, cover)').waitFor()
    await used.getByRole('button', { name: 'Delete' }).click()
    await page
      .getByRole('dialog', { name: 'Delete sunrise.png?' })
      .getByText(/used in 1 place/)
      .waitFor()
    await page.getByRole('dialog', { name: 'Delete sunrise.png?' }).getByRole('button', { name: 'Cancel' }).click()
    await used.getByRole('button', { name: 'Close' }).click()

    await page.goto(`${admin.origin}/admin/posts/${id}`)
    await page.getByRole('heading', { level: 1, name: 'Edit post' }).waitFor()

    // Revisions: the first one against the editor's text, then restored as a new revision.
    const before = await revisionCount(id)
    assert.ok(before >= 2, `autosave kept revisions (${before})`)
    await page.getByRole('button', { name: 'Revisions' }).click()
    const revisions = page.getByRole('dialog', { name: 'Revisions' })
    await pickRevision(revisions, 1)
    await revisions.locator('.diff ins', { hasText: 'A second paragraph.' }).waitFor()
    await admin.check(tab, 'revisions')
    await revisions.getByRole('button', { name: 'Restore revision #1' }).click()
    await page.getByRole('dialog', { name: 'Restore revision #1?' }).getByRole('button', { name: 'Restore' }).click()
    await page.getByText('Revision 1 restored as a new revision.').waitFor()
    assert.equal((await postById(id))?.body, firstBody)
    assert.equal(await revisionCount(id), before + 1)
    await page.getByRole('region', { name: 'Preview' }).locator('h1#hello').waitFor()
    assert.equal(
      await page
        .getByRole('textbox', { name: 'Body' })
        .textContent()
        .then((text) => text?.includes('A second paragraph.')),
      false,
    )
    // Revision #1 had no cover: restoring it removed the cover too.
    await page.getByText('No cover.').waitFor()

    // The unused one is deleted after the question.
    await page.getByRole('link', { name: 'Media' }).click()
    await page.getByRole('list', { name: 'Media items' }).getByRole('button', { name: 'Edit sea.jpg' }).click()
    const sea = page.getByRole('dialog', { name: 'sea.jpg' })
    await sea.getByText('Not used anywhere.').waitFor()
    await sea.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('dialog', { name: 'Delete sea.jpg?' }).getByRole('button', { name: 'Delete' }).click()
    await page.getByText('Deleted sea.jpg.').waitFor()
    await page.getByRole('list', { name: 'Media items' }).getByRole('button', { name: 'Edit sea.jpg' }).waitFor({ state: 'detached' })

    // The list finds the post by a word of its body, with its status.
    await page.getByRole('link', { name: 'Posts' }).click()
    await page.getByLabel('Search').fill('hello')
    await page.waitForURL(/q=hello/)
    await page.getByRole('link', { name: 'My first post' }).waitFor()
    await page.getByLabel('Status').selectOption('draft')
    await page.getByText('No posts match these filters.').waitFor()
    await page.getByLabel('Status').selectOption('published')
    await page.getByRole('link', { name: 'My first post' }).waitFor()
    await admin.check(tab, 'posts')

    // Pages share the screens.
    await page.getByRole('link', { name: 'Pages', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Pages' }).waitFor()
    await page.getByRole('link', { name: 'New page' }).click()
    await page.getByLabel('Title', { exact: true }).fill('About us')
    await page.waitForURL(/\/admin\/pages\/\d+$/)
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
    assert.equal(await page.getByLabel('Tags').count(), 0, 'pages have no tags')
    await admin.check(tab, 'page-editor')
  })

  test('an editor lists another author’s posts with the author filter, and pages through a long revision history', async () => {
    const { db } = admin.testApp.database
    const editor = await admin.user('editor', { name: 'Ed Filter' })
    const writer = await admin.user('author', { name: 'Wanda Many-Revisions' })
    await createPost(db, { id: editor.id, role: 'editor' }, { title: 'Ed’s own post' })
    const theirs = await createPost(db, { id: writer.id, role: 'author' }, { title: 'Wanda’s post', body: 'Version 1.' })
    // Eleven more saves: twelve revisions, two pages of the dialog.
    const { cookie, csrf } = await logIn(admin.testApp.app, writer.email)
    for (let version = 2; version <= 12; version++) {
      const saved = await admin.testApp.app.inject({
        method: 'PATCH',
        url: `/api/v1/posts/${theirs.id}`,
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { body: `Version ${version}.` },
      })
      assert.equal(saved.statusCode, 200, saved.body)
    }
    const tab = await admin.page()
    const { page } = tab
    await signInTo(page, editor.email, '/admin/posts', 'Posts')
    await page.getByLabel('Author', { exact: true }).selectOption({ label: 'Wanda Many-Revisions' })
    await page.waitForURL(new RegExp(`author=${writer.id}`))
    // The list shows the filtered page once it has loaded.
    await page.getByRole('link', { name: 'Ed’s own post' }).waitFor({ state: 'detached' })
    await page.getByRole('link', { name: 'Wanda’s post' }).waitFor()
    await admin.check(tab, 'posts-by-author')
    await page.getByLabel('Author', { exact: true }).selectOption('me')
    await page.getByRole('link', { name: 'Wanda’s post' }).waitFor({ state: 'detached' })
    await page.getByRole('link', { name: 'Ed’s own post' }).waitFor()

    await page.goto(`${admin.origin}/admin/posts/${theirs.id}`)
    await page.getByLabel('Title', { exact: true }).waitFor()
    await page.getByRole('button', { name: 'Revisions' }).click()
    const revisions = page.getByRole('dialog', { name: 'Revisions' })
    await revisions.getByRole('button', { name: /^#12 / }).waitFor()
    assert.equal(await revisions.getByRole('button', { name: /^#\d+ / }).count(), 10, 'ten a page')
    await revisions.getByText('Page 1').waitFor()
    await pickRevision(revisions, 1)
    await revisions.getByText('Page 2').waitFor()
    assert.equal(await revisions.getByRole('button', { name: /^#\d+ / }).count(), 2)
    await revisions.locator('.diff del', { hasText: 'Version 1.' }).waitFor()
    await admin.check(tab, 'revisions-page-2')
    await revisions.getByRole('navigation', { name: 'Revision pages' }).getByRole('button', { name: 'Previous' }).click()
    await revisions.getByRole('button', { name: /^#12 / }).waitFor()
  })

  test('leaving a post with unsaved changes asks first (a sidebar link, Back, signing out); a saved one leaves at once', async () => {
    const editor = await admin.user('editor', { name: 'Lea Leaving' })
    // Published: it saves on the button only, so what is unsaved does not depend on an autosave's timing.
    const post = await createPost(
      admin.testApp.database.db,
      { id: editor.id, role: 'editor' },
      { title: 'Before leaving', published: true },
    )
    const tab = await admin.page()
    const { page } = tab
    await signInTo(page, editor.email, '/admin/posts', 'Posts')
    await page.getByRole('link', { name: 'Before leaving', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Edit post' }).waitFor()
    const title = page.getByLabel('Title', { exact: true })
    await assertLeaveGuard(tab, 'post-editor-leave', {
      heading: 'Edit post',
      listHeading: 'Posts',
      away: { link: 'Media', heading: 'Media' },
      edit: () => title.fill('After leaving'),
      edited: async () => (await title.inputValue()) === 'After leaving',
      save: async () => {
        await page.getByRole('button', { name: 'Save changes' }).click()
        await page
          .getByRole('status')
          .filter({ hasText: /Saved$/ })
          .waitFor()
      },
    })
    assert.equal((await postById(post.id))?.title, 'After leaving')

    // Signing out with unsaved changes asks too; Cancel stays signed in, on the editor.
    await page.goBack()
    await page.getByRole('heading', { level: 1, name: 'Edit post' }).waitFor()
    await title.fill('Not saved')
    await page.getByRole('button', { name: 'Sign out' }).click()
    const question = page.getByRole('dialog', { name: 'Leave without saving?' })
    await question.getByRole('button', { name: 'Cancel' }).click()
    await question.waitFor({ state: 'hidden' })
    assert.equal(await title.inputValue(), 'Not saved')
    const me = await page.evaluate(`fetch('/api/v1/auth/me').then((response) => response.status)`)
    assert.equal(me, 200, 'still signed in')
  })

  test('a link asks, Back while it asks, then Leave: the link is followed, and Back from there is the editor once', async () => {
    const editor = await admin.user('editor', { name: 'Lou Leaving' })
    const post = await createPost(admin.testApp.database.db, { id: editor.id, role: 'editor' }, { title: 'Asked twice', published: true })
    const tab = await admin.page()
    const { page } = tab
    await signInTo(page, editor.email, '/admin/posts', 'Posts')
    await page.getByRole('link', { name: 'Asked twice', exact: true }).click()
    const editorHeading = page.getByRole('heading', { level: 1, name: 'Edit post' })
    await editorHeading.waitFor()
    const editorUrl = page.url()
    await page.getByLabel('Title', { exact: true }).fill('Left unsaved')
    const question = page.getByRole('dialog', { name: 'Leave without saving?' })
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Media', exact: true }).click()
    await question.waitFor()
    // Back while the link's question is open: the same question, one answer for both.
    await page.goBack()
    await page.waitForURL(editorUrl)
    assert.ok(await question.isVisible(), 'still asking')
    await question.getByRole('button', { name: 'Leave' }).click()
    await question.waitFor({ state: 'hidden' })
    // Back from where the link went is the editor's address (put back once); were Back's step also taken, the
    // link's screen would have been left for the editor already, and this Back would reach the list.
    await page.goBack()
    await page.getByRole('heading', { level: 1, name: /^(Edit post|Posts)$/ }).waitFor()
    assert.equal(page.url(), editorUrl)
    await editorHeading.waitFor()
    assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Asked twice', 'the editor opens afresh')
    await page.goForward()
    await page.getByRole('heading', { level: 1, name: 'Media' }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/admin/media')
    assert.equal((await postById(post.id))?.title, 'Asked twice')
    assertNoProblems(tab, 'post-editor-leave-twice')
  })

  test('an author writes a draft that autosaves, and sees no Publish button', async () => {
    const author = await admin.user('author', { name: 'Ann Author' })
    const tab = await admin.page()
    const { page } = tab
    await signInTo(page, author.email, '/admin/posts', 'Posts')
    await page.getByRole('link', { name: 'New post' }).click()
    await page.getByLabel('Title', { exact: true }).fill('An author’s draft')
    await typeBody(page, 'Waiting for an editor.')
    const id = await editorPostId(page)
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
    await page.getByText('An editor publishes your draft when it is ready.').waitFor()
    for (const name of ['Publish', 'Schedule', 'Unpublish', 'Archive']) {
      assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `no ${name} button for an author`)
    }
    // An unknown tag is the API's field error, shown next to the field; nothing else is lost.
    await page.getByLabel('Tags').fill('No such tag anywhere')
    await page.locator('#field-tags-error').waitFor()
    assert.equal((await postById(id))?.status, 'draft')
    await admin.check(tab, 'editor-author')
  })
})

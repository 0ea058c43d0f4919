// The admin's Forms screens in Chromium (issue 13): an editor builds a form in the builder
// (every kind of control, a field dragged and one moved with the keyboard), a bad definition's
// errors show next to their fields; a signed-out visitor sends the form on the public site
// (the test clock moves past the minimum fill time, never a sleep); the editor finds the
// submissions in the inbox, searches, opens one, marks them read in one bulk call, exports
// the CSV (downloaded, parsed, checked); a file answer downloads through the authorised
// route; paging; deleting with a question; an author has no Forms. axe-core, screenshots at
// 1280 and 390 px and no console or CSP errors on every screen. `npm run build:admin` first.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import type { Page } from 'playwright-core'
import { sql } from '../../../src/core/db/database.ts'
import { createForm } from '../../../src/features/forms/forms.service.ts'
import { MIN_FILL_MS } from '../../../src/features/forms/forms.spam.ts'
import { TEST_PASSWORD } from '../../factories.ts'
import { waitFor } from '../../wait-for.ts'
import { type AdminHarness, type AdminTab, assertFits360, assertLeaveGuard, startAdmin } from './harness.ts'

const cleanups: (() => unknown)[] = []
let admin: AdminHarness

before(async () => {
  admin = await startAdmin(cleanups)
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

type FormRowLite = { id: number; slug: string; version: number; fields: { name: string; type: string; options?: string[] }[] }
const formBySlug = async (slug: string) =>
  (await sql<FormRowLite>`select id, slug, version, fields from forms where slug = ${slug}`.execute(admin.testApp.database.db)).rows[0]
const statuses = async (formId: number) =>
  (
    await sql<{ id: number; status: string }>`select id, status from form_submissions where form_id = ${formId} order by id`.execute(
      admin.testApp.database.db,
    )
  ).rows

/** Signs in through the sign-in screen, straight to `next`. */
async function signInTo(page: Page, email: string, next: string, heading: string | RegExp) {
  await page.goto(`${admin.origin}/admin/sign-in?next=${encodeURIComponent(next)}`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(TEST_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
}

/** The builder's card of field `n` (1-based): a fieldset whose legend is "Field n: …". */
const card = (page: Page, n: number) => page.getByRole('group', { name: new RegExp(`^Field ${n}:`) })

/** Adds a field of `type` with `label`; the new field's Label has focus. */
async function addField(page: Page, type: string, label: string) {
  await page.getByLabel('New field’s type').selectOption(type)
  await page.getByRole('button', { name: 'Add field' }).click()
  const input = page.locator('input[id^="field-fields-"][id$="-label"]:focus')
  await input.fill(label)
}

/** A visitor (signed out, a context of its own) sends the public form. */
async function sendAsVisitor(slug: string, values: { name: string; email: string; topic: string; message: string }) {
  const visitor = await admin.page()
  const { page } = visitor
  await page.goto(`${admin.origin}/forms/${slug}`)
  await page.getByLabel('Your name').fill(values.name)
  await page.getByLabel('Email').fill(values.email)
  await page.getByLabel('Topic').selectOption(values.topic)
  await page.getByLabel('Message').fill(values.message)
  // The render token is signed with the time the form was shown: a human takes a few seconds.
  admin.clock.advance(MIN_FILL_MS + 1000)
  await Promise.all([page.waitForURL(`${admin.origin}/forms/${slug}/thanks`), page.getByRole('button', { name: 'Send' }).click()])
  await page.getByText('Thanks, we will write back.').waitFor()
  assert.deepEqual(visitor.problems, [], 'the public form: no console or CSP errors')
  await visitor.context.close()
}

describe('the Forms screens', () => {
  let editorTab: AdminTab
  let slug: string
  let formId: number

  test('an editor builds a form: fields of several types, one dragged and one moved by keyboard; a bad definition shows its errors by the fields', async () => {
    const editor = await admin.user('editor', { name: 'Eda Editor' })
    editorTab = await admin.page()
    const { page } = editorTab
    await admin.signIn(page, editor.email)
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Forms' }).click()
    await page.getByRole('heading', { level: 1, name: 'Forms' }).waitFor()
    await page.getByText('No forms yet.').waitFor()
    await page.getByRole('link', { name: 'New form' }).click()
    await page.getByRole('heading', { level: 1, name: 'New form' }).waitFor()

    await page.locator('#field-name').fill('Contact the studio')
    assert.equal(await page.getByLabel('Slug').inputValue(), 'contact-the-studio', 'the slug follows the name')
    await page.getByLabel('Success message').fill('Thanks, we will write back.')
    await page.getByLabel('Notification emails').fill('studio@example.com')
    await page.getByLabel('Keep submissions for (days)').fill('90')

    // The first field is there already (a text field): its name follows the label.
    await card(page, 1).getByLabel('Label', { exact: true }).fill('Your name')
    assert.equal(await card(page, 1).getByLabel('Name', { exact: true }).inputValue(), 'your_name')
    await card(page, 1).getByLabel('Name', { exact: true }).fill('name')
    await card(page, 1).getByLabel('Required').check()
    await addField(page, 'textarea', 'Message')
    await card(page, 2).getByLabel('Required').check()
    await card(page, 2).getByLabel('Shortest length').fill('5')
    await addField(page, 'email', 'Email')
    await card(page, 3).getByLabel('Required').check()
    await addField(page, 'select', 'Topic')
    await card(page, 4).getByLabel('Choices').fill('Booking\nPrints\nOther')

    // Drag "Email" (3rd) onto "Message" (2nd): name, email, message, topic.
    await card(page, 3).locator('.drag-handle').dragTo(card(page, 2))
    await page.getByRole('group', { name: 'Field 2: Email' }).waitFor()
    // Keyboard: "Topic" up one, with Enter on its Move up button; focus stays on the moved field's button.
    await page.getByRole('button', { name: 'Move up “Topic”' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('group', { name: 'Field 3: Topic' }).waitFor()
    // Focus comes back in an effect, after the paint that shows the move: wait for it.
    await waitFor(
      'focus on the moved field’s button',
      async () => (await page.evaluate('document.activeElement?.textContent')) === 'Move up “Topic”' || undefined,
    )
    await page.getByText('Moved “Topic” to position 3 of 4.').waitFor()

    await page.getByRole('button', { name: 'Create form' }).click()
    await page.waitForURL(/\/admin\/forms\/\d+$/)
    await page.getByText('Saved (version 1)').waitFor()
    const form = await formBySlug('contact-the-studio')
    assert.ok(form)
    formId = form.id
    slug = form.slug
    assert.deepEqual(
      form.fields.map((field) => field.name),
      ['name', 'email', 'topic', 'message'],
    )
    assert.deepEqual(form.fields[2]?.options, ['Booking', 'Prints', 'Other'])
    assert.equal(
      await page.getByRole('link', { name: 'Preview /forms/contact-the-studio' }).getAttribute('href'),
      '/forms/contact-the-studio',
    )
    await admin.check(editorTab, 'forms-builder')
    await assertFits360(editorTab.page, 'forms-builder')

    // A bad definition: the second field takes the first's name; the first gets a pattern RE2 refuses.
    await card(page, 2).getByLabel('Name', { exact: true }).fill('name')
    await card(page, 1).getByLabel('Pattern').fill('(a')
    await page.getByRole('button', { name: 'Save form' }).click()
    await page.getByText('The form definition has problems.').waitFor()
    const nameError = page.locator('#field-fields-1-name-error')
    assert.match((await nameError.textContent()) ?? '', /repeats the name "name"/)
    assert.equal(await card(page, 2).getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true')
    assert.equal(
      await card(page, 2).getByLabel('Name', { exact: true }).getAttribute('aria-describedby'),
      'field-fields-1-name-hint field-fields-1-name-error',
    )
    assert.match((await page.locator('#field-fields-0-pattern-error').textContent()) ?? '', /not a regular expression RE2 accepts/)
    await admin.check(editorTab, 'forms-builder-errors')
    await assertFits360(editorTab.page, 'forms-builder-errors')
    assert.equal((await formBySlug(slug))?.version, 1, 'nothing was saved')

    await card(page, 2).getByLabel('Name', { exact: true }).fill('email')
    await card(page, 1).getByLabel('Pattern').fill('[^0-9]+')
    await page.getByRole('button', { name: 'Save form' }).click()
    await page.getByText('Saved (version 2)').waitFor()
    assert.equal(await page.locator('#field-fields-1-name-error').count(), 0)

    // A bad address among the notification emails: the schema's 400 names notify_emails.1, shown by that box.
    await page.getByLabel('Notification emails').fill('studio@example.com\nnot-an-address')
    await page.getByRole('button', { name: 'Save form' }).click()
    await page.getByText('The request has invalid fields.').waitFor()
    assert.match((await page.locator('#field-notify_emails-error').textContent()) ?? '', /^Line 2: must match format "email"/)
    await page.getByLabel('Notification emails').fill('studio@example.com')
    await page.getByRole('button', { name: 'Save form' }).click()
    await page.getByText('Saved (version 3)').waitFor()
  })

  test('a visitor sends it; the editor finds it in the inbox, searches, opens it, marks read in bulk and exports the CSV', async () => {
    assert.ok(editorTab, 'the builder test ran first')
    await sendAsVisitor(slug, { name: 'Rosa Luxe', email: 'rosa@example.com', topic: 'Booking', message: 'A portrait session in May?' })
    await sendAsVisitor(slug, { name: 'Otto Hahn', email: 'otto@example.com', topic: 'Prints', message: 'Prints of the harbour, please.' })

    const { page } = editorTab
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Forms' }).click()
    await page.getByRole('heading', { level: 1, name: 'Forms' }).waitFor()
    await page.getByRole('link', { name: 'Contact the studio', exact: true }).waitFor()
    // The list counts the new submissions, linking to the inbox filtered to them.
    assert.equal(
      await page.getByRole('link', { name: '2 new in Contact the studio' }).getAttribute('href'),
      `/admin/forms/${formId}/submissions?status=new`,
    )
    await admin.check(editorTab, 'forms-list')
    await assertFits360(editorTab.page, 'forms-list')
    await page.getByRole('link', { name: 'Submissions of Contact the studio' }).click()
    await page.getByRole('heading', { level: 1, name: 'Submissions: Contact the studio' }).waitFor()
    const rows = page.getByRole('table', { name: 'Submissions of Contact the studio' }).locator('tbody tr')
    await rows.nth(1).waitFor()
    assert.equal(await rows.count(), 2)
    await admin.check(editorTab, 'forms-inbox')
    await assertFits360(editorTab.page, 'forms-inbox')

    // Search: the words of the answers.
    await page.getByLabel('Search').fill('portrait')
    await page.waitForURL(/[?&]q=portrait/)
    await page.getByText('Otto Hahn').waitFor({ state: 'detached' })
    assert.equal(await rows.count(), 1)
    await rows.first().getByRole('link').click()
    await page.getByRole('heading', { level: 1, name: /^Submission \d+: Contact the studio$/ }).waitFor()
    const answers = page.locator('.submission-values')
    await answers.getByText('Rosa Luxe').waitFor()
    assert.match(
      (await answers.textContent()) ?? '',
      /Your name.*Rosa Luxe.*Email.*rosa@example\.com.*Topic.*Booking.*Message.*A portrait session in May\?/,
    )
    await admin.check(editorTab, 'forms-submission')
    await assertFits360(editorTab.page, 'forms-submission')
    await page.getByRole('button', { name: 'Back to the inbox' }).click()
    await page.getByRole('heading', { level: 1, name: 'Submissions: Contact the studio' }).waitFor()
    assert.equal(await page.getByLabel('Search').inputValue(), 'portrait', 'the search is kept')
    await page.getByLabel('Search').fill('')
    await rows.nth(1).waitFor()

    // Both selected, marked read in one PATCH.
    const patches: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'PATCH') patches.push(new URL(request.url()).pathname)
    })
    await page.getByLabel('Select all on this page').check()
    await page.getByText('2 selected').waitFor()
    await page.getByRole('button', { name: 'Mark read' }).click()
    await page.getByText('2 submissions marked read.').waitFor()
    assert.deepEqual(patches, [`/api/v1/forms/${formId}/submissions`])
    assert.deepEqual(
      (await statuses(formId)).map((row) => row.status),
      ['read', 'read'],
    )
    await page.getByLabel('Status').selectOption('new')
    await page.getByText('No submissions match these filters.').waitFor()
    await page.getByLabel('Status').selectOption('')
    await rows.nth(1).waitFor()

    // The CSV: a plain GET with the session cookie, downloaded as an attachment.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()])
    assert.equal(download.suggestedFilename(), `${slug}-submissions.csv`)
    const csv = fs.readFileSync(await download.path(), 'utf8')
    const records = parse(csv, { columns: true }) as Record<string, string>[]
    assert.equal(records.length, 2)
    const rosa = records.find((record) => record.name === 'Rosa Luxe')
    assert.ok(rosa, csv)
    assert.equal(rosa.email, 'rosa@example.com')
    assert.equal(rosa.topic, 'Booking')
    assert.equal(rosa.message, 'A portrait session in May?')
    assert.equal(rosa.status, 'read')
    // "For Excel": the same file after a UTF-8 byte order mark (the plain one has none); the choice stays for the next visit.
    const BOM = Buffer.from([0xef, 0xbb, 0xbf])
    assert.ok(
      !fs
        .readFileSync(await download.path())
        .subarray(0, 3)
        .equals(BOM),
      'no byte order mark unless asked for',
    )
    const forExcel = page.getByLabel('For Excel')
    assert.equal(await forExcel.isChecked(), false, 'not for Excel at first')
    await forExcel.check()
    assert.match((await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')) ?? '', /[?&]bom=true(&|$)/)
    const [excel] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()])
    const excelBytes = fs.readFileSync(await excel.path())
    assert.ok(excelBytes.subarray(0, 3).equals(BOM), `starts with EF BB BF: ${excelBytes.subarray(0, 3).toString('hex')}`)
    assert.equal(excelBytes.subarray(3).toString('utf8'), csv, 'the rest is the plain export')
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Submissions: Contact the studio' }).waitFor()
    assert.equal(await forExcel.isChecked(), true, 'remembered in this browser')
    await forExcel.uncheck()
    assert.doesNotMatch((await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')) ?? '', /bom/)
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Submissions: Contact the studio' }).waitFor()
    assert.equal(await forExcel.isChecked(), false, 'and unticked again')
    assert.deepEqual(editorTab.problems, [], 'no console or CSP errors while downloading')
  })

  test('a file answer downloads through the authorised route; the inbox pages; a submission is deleted after a question', async () => {
    const db = admin.testApp.database.db
    const form = await createForm(
      db,
      {
        name: 'Job applications',
        slug: 'jobs',
        fields: [
          { name: 'name', label: 'Your name', type: 'text', required: true },
          { name: 'cv', label: 'CV', type: 'file', accept: ['application/pdf'] },
        ],
      },
      admin.clock(),
    )
    // A visitor sends a PDF through the public page (multipart).
    const visitor = await admin.page()
    await visitor.page.goto(`${admin.origin}/forms/jobs`)
    await visitor.page.getByLabel('Your name').fill('Ada Byron')
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')
    await visitor.page.getByLabel('CV').setInputFiles({ name: 'ada-cv.pdf', mimeType: 'application/pdf', buffer: pdf })
    admin.clock.advance(MIN_FILL_MS + 1000)
    await Promise.all([
      visitor.page.waitForURL(`${admin.origin}/forms/jobs/thanks`),
      visitor.page.getByRole('button', { name: 'Send' }).click(),
    ])
    await visitor.context.close()
    // And 21 more, straight into the table: the inbox shows 20 a page.
    await sql`insert into form_submissions (form_id, form_version, data, status, search_text, created_at, updated_at)
      select ${form.id}, 1, jsonb_build_object('name', 'Applicant ' || n), 'new', 'Applicant ' || n, at.time, at.time
        from generate_series(1, 21) n, lateral (select ${admin.clock()}::timestamptz - n * interval '1 minute' as time) at`.execute(db)

    const editor = await admin.user('editor')
    const tab = await admin.page()
    const { page } = tab
    await signInTo(page, editor.email, `/admin/forms/${form.id}/submissions`, 'Submissions: Job applications')
    const rows = page.getByRole('table', { name: 'Submissions of Job applications' }).locator('tbody tr')
    await rows.nth(19).waitFor()
    assert.equal(await rows.count(), 20)
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByText('Page 2').waitFor()
    // The first page's rows stay until the second page arrives.
    await rows.nth(2).waitFor({ state: 'detached' })
    assert.equal(await rows.count(), 2)
    await page.getByRole('button', { name: 'Previous' }).click()
    await page.getByText('Page 1').waitFor()
    await rows.nth(19).waitFor()

    // The newest (the visitor's) first: its CV downloads from /api/v1/forms/<id>/submissions/<id>/files/<id>.
    await rows.first().getByRole('link').click()
    await page.getByRole('heading', { level: 1, name: /^Submission \d+: Job applications$/ }).waitFor()
    const cv = page.getByRole('link', { name: 'ada-cv.pdf' })
    assert.match((await cv.getAttribute('href')) ?? '', new RegExp(`^/api/v1/forms/${form.id}/submissions/\\d+/files/\\d+$`))
    const [download] = await Promise.all([page.waitForEvent('download'), cv.click()])
    assert.deepEqual(fs.readFileSync(await download.path()), pdf)
    await admin.check(tab, 'forms-submission-file')
    await assertFits360(tab.page, 'forms-submission-file')

    // Delete, after the question; the list has one fewer.
    const submissionId = Number(new URL(page.url()).searchParams.get('open'))
    await page.getByRole('button', { name: 'Delete' }).click()
    const dialog = page.getByRole('dialog', { name: `Delete submission ${submissionId}?` })
    await dialog.waitFor()
    await dialog.getByRole('button', { name: 'Delete submission' }).click()
    await page.getByText('Submission deleted.').waitFor()
    await page.getByRole('heading', { level: 1, name: 'Submissions: Job applications' }).waitFor()
    assert.ok(!(await statuses(form.id)).some((row) => row.id === submissionId))
    assert.equal((await statuses(form.id)).length, 21)

    // The form itself, from the builder, after the question: it leaves the list.
    await page.getByRole('link', { name: 'Edit the form' }).click()
    await page.getByRole('heading', { level: 1, name: 'Form: Job applications' }).waitFor()
    await page.getByRole('button', { name: 'Delete form' }).click()
    const question = page.getByRole('dialog', { name: 'Delete “Job applications”?' })
    await question.getByRole('button', { name: 'Delete form' }).click()
    await page.getByRole('heading', { level: 1, name: 'Forms' }).waitFor()
    await page.getByText('Form “Job applications” deleted.').waitFor()
    assert.equal(await formBySlug('jobs'), undefined)
    assert.equal(await page.getByRole('link', { name: 'Job applications', exact: true }).count(), 0)
    // Its address now says so, with the way back.
    await page.goto(`${admin.origin}/admin/forms/${form.id}`)
    await page.getByRole('alert').getByText(`The form "${form.id}" was not found.`).waitFor()
    await page.getByRole('link', { name: 'Back to the forms' }).waitFor()
    assert.deepEqual(tab.problems, [])
  })

  test('leaving the builder with unsaved changes asks first (a sidebar link, Back, its own Submissions link); a saved one leaves at once', async () => {
    const editor = await admin.user('editor')
    const form = await createForm(
      admin.testApp.database.db,
      { name: 'Newsletter sign-up', slug: 'newsletter', fields: [{ name: 'email', label: 'Email', type: 'email', required: true }] },
      admin.clock(),
    )
    const tab = await admin.page()
    const { page } = tab
    await signInTo(page, editor.email, '/admin/forms', 'Forms')
    await page.getByRole('link', { name: 'Newsletter sign-up', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Form: Newsletter sign-up' }).waitFor()
    const name = page.locator('#field-name')
    const saveState = page.locator('.save-state')
    await assertLeaveGuard(tab, 'form-builder-leave', {
      heading: /^Form: /,
      listHeading: 'Forms',
      away: { link: 'Media', heading: 'Media' },
      edit: () => name.fill('Newsletter'),
      edited: async () => (await name.inputValue()) === 'Newsletter',
      save: async () => {
        await page.getByRole('button', { name: 'Save form' }).click()
        await saveState.filter({ hasText: /^Saved \(version 2\)$/ }).waitFor()
      },
    })
    assert.equal((await formBySlug('newsletter'))?.version, 2)

    // The builder's own link to the submissions asks too.
    await page.goBack()
    await page.getByRole('heading', { level: 1, name: 'Form: Newsletter' }).waitFor()
    await name.fill('Not saved')
    await page.getByRole('link', { name: 'Submissions', exact: true }).click()
    const question = page.getByRole('dialog', { name: 'Leave without saving?' })
    await question.getByRole('button', { name: 'Leave' }).click()
    await page.getByRole('heading', { level: 1, name: 'Submissions: Newsletter' }).waitFor()
    assert.equal(new URL(page.url()).pathname, `/admin/forms/${form.id}/submissions`)
  })

  test('an author has no Forms in the navigation, and the screen names the role it needs', async () => {
    const author = await admin.user('author')
    const tab = await admin.page()
    await admin.signIn(tab.page, author.email)
    const links = await tab.page.getByRole('navigation', { name: 'Admin' }).getByRole('link').allTextContents()
    assert.ok(!links.includes('Forms'), links.join(', '))
    await tab.page.goto(`${admin.origin}/admin/forms`)
    await tab.page.getByText('This screen needs the editor role or higher.').waitFor()
    assert.deepEqual(tab.problems, [])
  })
})

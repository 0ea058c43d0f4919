// The admin's Webhooks screens in Chromium (issue 13): a loopback URL is refused next to the
// URL field until the setting webhooks_allow_private is on; then an administrator adds a
// webhook to a real HTTP receiver on 127.0.0.1, copies its secret (shown once), sends a test
// (ping) that the job worker delivers, correctly signed; the delivery log shows it with its
// status, HTTP status and the receiver's answer; its detail lists the attempt and the body;
// Redeliver sends the same event again; the settings are edited (an error next to its field);
// pause and delete. axe, screenshots at 1280/390 px and no console/CSP errors on both screens.
// `npm run build:admin` first.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import { type JobWorker, startJobWorker } from '../../../src/core/jobs/queue.ts'
import { webhooksJobHandlers } from '../../../src/features/webhooks/webhooks.jobs.ts'
import { allowPrivate, startReceiver, verifySignature } from '../../../src/features/webhooks/webhooks.testing.ts'
import { jobHandlers } from '../../../src/jobs.ts'
import { logIn } from '../../factories.ts'
import { waitFor } from '../../wait-for.ts'
import { type AdminHarness, assertNoProblems, startAdmin } from './harness.ts'

const cleanups: (() => unknown)[] = []
const onCleanup = { after: (fn: () => unknown) => void cleanups.push(fn) }
let admin: AdminHarness

before(async () => {
  admin = await startAdmin(cleanups)
  // The harness's clock stands still (the signature's timestamp comes from it); the worker
  // claims by the real one, so a job due at the database's now() runs at once too.
  const worker: JobWorker = startJobWorker({
    db: admin.testApp.database.db,
    clock: () => new Date(),
    log: admin.testApp.app.log,
    pollMs: 50,
    handlers: { ...jobHandlers(admin.testApp.deps), ...webhooksJobHandlers(admin.testApp.deps, { timeoutMs: 5000 }) },
  })
  cleanups.push(() => worker.stop(5000))
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

const openFromNav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name, exact: true }).click()

/** Clicks Refresh until the delivery log's first row says `status` (deliveries are sent by the worker, not the request). */
async function refreshUntil(page: Page, rows: number, status: string) {
  const table = page.getByRole('table', { name: 'Deliveries' })
  await waitFor(
    `${rows} deliveries, the newest ${status}`,
    async () => {
      await page.getByRole('button', { name: 'Refresh' }).click()
      await page.getByRole('button', { name: 'Refresh' }).and(page.locator(':not([aria-busy])')).waitFor()
      const found = await table.locator('tbody tr').count()
      const first = found > 0 ? await table.locator('tbody tr').first().textContent() : ''
      return found === rows && first?.includes(status) ? true : undefined
    },
    { timeoutMs: 20_000 },
  )
}

describe('webhooks screens', () => {
  test('an administrator adds a webhook, pings it, sees the signed delivery with its answer in the log, redelivers it, edits, pauses and deletes it', async () => {
    const receiver = await startReceiver(onCleanup)
    receiver.answer((res) => res.end('thanks from the receiver'))
    const boss = await admin.user('admin', { name: 'Wanda Webhooks' })
    const tab = await admin.page()
    const { page } = tab
    await tab.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: admin.origin })
    await admin.signIn(page, boss.email)
    await openFromNav(page, 'Webhooks')
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor()
    await page.getByText('No webhooks yet.').waitFor()

    // A loopback address without the setting: refused, next to the URL field.
    const url = page.getByRole('textbox', { name: 'URL' })
    await url.fill(receiver.url())
    await page.getByRole('textbox', { name: 'Description' }).fill('The CRM')
    await page.getByRole('checkbox', { name: /^post\.published/ }).check()
    await page.getByRole('checkbox', { name: /^form\.submitted/ }).check()
    await page.getByRole('button', { name: 'Add webhook' }).click()
    const urlError = page.locator('#field-url-error')
    await urlError.waitFor()
    assert.match((await urlError.textContent()) ?? '', /127\.0\.0\.1.*webhooks_allow_private/)
    assert.equal(await url.getAttribute('aria-invalid'), 'true')
    assert.match((await url.getAttribute('aria-describedby')) ?? '', /field-url-error/)
    await admin.check(tab, 'webhooks-refused')

    // With the setting on (an administrator's API call), the same form adds it; the secret is shown once.
    const { cookie, csrf } = await logIn(admin.testApp.app, boss.email)
    await allowPrivate(admin.testApp, { cookie, 'x-csrf-token': csrf }, true)
    await page.getByRole('button', { name: 'Add webhook' }).click()
    const secretBox = page.locator('.webhook-secret-value')
    await secretBox.waitFor()
    const secret = ((await secretBox.textContent()) ?? '').trim()
    assert.match(secret, /^whsec_/)
    assert.equal(await urlError.count(), 0, 'the error is gone')
    assert.equal(await url.inputValue(), '', 'the form is empty again')
    await page.getByRole('button', { name: 'Copy the secret' }).click()
    await page.getByText('Copied.').waitFor()
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret)
    const subscriptions = page.getByRole('table', { name: 'Webhook subscriptions' })
    const row = subscriptions.locator('tbody tr').filter({ hasText: receiver.url() })
    await row.getByText('None yet').waitFor()
    assert.match((await row.textContent()) ?? '', /post\.published, form\.submitted/)
    assert.match((await row.textContent()) ?? '', /Active/)
    await admin.check(tab, 'webhooks')
    await page.getByRole('button', { name: 'I have stored it' }).click()
    assert.equal(await secretBox.count(), 0, 'never shown again')

    // A test (ping): the worker sends it, signed with the secret.
    await row.getByRole('button', { name: `Send a test (ping) to ${receiver.url()}` }).click()
    await page.getByText(/A test event \(webhook\.ping\) is queued/).waitFor()
    await waitFor('the ping at the receiver', () => receiver.received.length >= 1, { timeoutMs: 20_000 })
    const [first] = receiver.received
    assert.ok(first)
    const sent = verifySignature(first, secret, admin.clock().getTime())
    assert.equal(sent.type, 'webhook.ping')
    assert.equal(first.headers['plinth-event'], 'webhook.ping')

    // The list's last delivery, then the webhook's own screen with the log.
    await waitFor(
      'the list to show the delivery',
      async () => {
        await page.reload()
        await row.waitFor()
        return (await row.textContent())?.includes('Delivered') ? true : undefined
      },
      { timeoutMs: 20_000 },
    )
    assert.match((await row.textContent()) ?? '', /webhook\.ping/)
    await row.getByRole('link', { name: receiver.url() }).click()
    await page.getByRole('heading', { level: 1, name: `Webhook ${receiver.url()}` }).waitFor()
    const log = page.getByRole('table', { name: 'Deliveries' })
    await log.waitFor()
    const delivery = log.locator('tbody tr').first()
    const cells = await delivery.locator('td').allTextContents()
    // When, Event, Status, Attempts, HTTP status, Duration, Response, Next retry, Actions
    assert.equal(cells[1], 'webhook.ping')
    assert.equal(cells[2], 'Delivered')
    assert.equal(cells[3], '1')
    assert.equal(cells[4], '200')
    assert.match(cells[5] ?? '', /^\d+ ms$/)
    assert.equal(cells[6], 'thanks from the receiver')
    assert.equal(cells[7], '—')

    // The delivery's detail: the attempt and the body sent; Redeliver sends the same event again.
    await delivery.getByRole('button', { name: /^Details of delivery/ }).click()
    const detail = page.getByRole('article')
    await detail.getByRole('heading', { name: /Delivery \d+: webhook\.ping/ }).waitFor()
    // Focus moves to the detail in an effect, after the paint that shows it: wait for it (a busy machine widens the gap).
    await waitFor(
      'focus to move to the detail',
      async () => (await page.evaluate('document.activeElement?.id')) === 'delivery-title' || undefined,
    )
    const attempt = await detail.getByRole('table').locator('tbody tr').first().locator('td').allTextContents()
    assert.deepEqual([attempt[0], attempt[2], attempt[3], attempt[5]], ['1', 'Succeeded', '200', 'thanks from the receiver'])
    assert.deepEqual(JSON.parse((await detail.locator('pre').textContent()) ?? ''), JSON.parse(first.body))
    await admin.check(tab, 'webhook-detail')
    await detail.getByRole('button', { name: 'Redeliver' }).click()
    await page.getByText(/Sending webhook\.ping again as delivery \d+/).waitFor()
    await waitFor('the redelivery at the receiver', () => receiver.received.length >= 2, { timeoutMs: 20_000 })
    const again = verifySignature(receiver.received[1] as (typeof receiver.received)[number], secret, admin.clock().getTime())
    assert.equal(again.id, sent.id, 'the same event, so the receiver can tell it is a repeat')
    await refreshUntil(page, 2, 'Delivered')
    // The status filter.
    await page.getByRole('combobox', { name: 'Status' }).selectOption('failed')
    await page.getByText('No deliveries with this status.').waitFor()
    await page.getByRole('combobox', { name: 'Status' }).selectOption('')
    await log.waitFor()

    // Settings: a bad URL is refused next to its field; a good change is saved.
    const editUrl = page.getByRole('textbox', { name: 'URL' })
    await editUrl.fill('http://user:secret@example.com/hook')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.locator('#field-url-error').getByText('must not carry a user name or password').waitFor()
    await editUrl.fill(receiver.url())
    await page.getByRole('checkbox', { name: /^product\.updated/ }).check()
    await page.getByRole('checkbox', { name: 'Active (off: paused, no new deliveries)' }).uncheck()
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved.').waitFor()
    assert.equal(await page.locator('#field-url-error').count(), 0)
    await page.locator('.webhooks > p .status-paused').waitFor()
    assert.equal(await page.getByRole('checkbox', { name: /^product\.updated/ }).isChecked(), true)
    await admin.check(tab, 'webhook-detail-edited')

    // Back in the list: resume, then delete after the question.
    await page.getByRole('link', { name: '← All webhooks' }).click()
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor()
    await row.getByRole('button', { name: `Resume the webhook to ${receiver.url()}` }).click()
    await row.getByRole('button', { name: `Pause the webhook to ${receiver.url()}` }).waitFor()
    await row.getByRole('button', { name: `Delete the webhook to ${receiver.url()}` }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete this webhook?' })
    await dialog.waitFor()
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await page.getByText('No webhooks yet.').waitFor()
    const gone = await page.evaluate(`fetch('/api/v1/webhooks').then((r) => r.json())`)
    assert.deepEqual((gone as { data: unknown[] }).data, [])
  })

  test('the list is paged, 20 a page', async () => {
    const boss = await admin.user('admin')
    const { cookie, csrf } = await logIn(admin.testApp.app, boss.email)
    const headers = { cookie, 'x-csrf-token': csrf }
    const ids: number[] = []
    for (let n = 1; n <= 21; n++) {
      const made = await admin.testApp.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers,
        payload: { url: `https://hooks.example.com/paged/${n}`, events: ['post.published'] },
      })
      assert.equal(made.statusCode, 201, made.body)
      ids.push(made.json().id)
    }
    try {
      const tab = await admin.page()
      const { page } = tab
      await admin.signIn(page, boss.email)
      await page.goto(`${admin.origin}/admin/webhooks`)
      const rows = page.getByRole('table', { name: 'Webhook subscriptions' }).locator('tbody tr')
      await rows.first().waitFor()
      assert.equal(await rows.count(), 20)
      await rows.filter({ hasText: 'https://hooks.example.com/paged/21' }).waitFor()
      const pager = page.getByRole('navigation', { name: 'Webhook pages' })
      await pager.getByRole('button', { name: 'Next' }).click()
      await pager.getByText('Page 2').waitFor()
      // Page 1 stays until page 2 has loaded.
      await rows.filter({ hasText: 'https://hooks.example.com/paged/21' }).waitFor({ state: 'detached' })
      assert.equal(await rows.count(), 1)
      assert.match((await rows.first().textContent()) ?? '', /paged\/1(?!\d)/)
      assertNoProblems(tab, 'webhooks paged')
    } finally {
      for (const id of ids) await admin.testApp.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${id}`, headers })
    }
  })

  test('a webhook that does not exist says so', async () => {
    const boss = await admin.user('admin')
    const tab = await admin.page()
    await admin.signIn(tab.page, boss.email)
    await tab.page.goto(`${admin.origin}/admin/webhooks/999999`)
    await tab.page.getByRole('heading', { level: 1, name: 'Webhook not found' }).waitFor()
    await tab.page.getByRole('link', { name: 'All webhooks' }).waitFor()
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import { createForm } from '../forms/forms.service.ts'

describe('GET /api/v1/dashboard (issue 13)', () => {
  test('each role sees what it may list elsewhere: an author their own content, an editor more, an admin everything', async (t) => {
    const { app, database } = await buildTestApp(t, { privateDatabase: true })
    const db = database.db
    const now = new Date()
    const author = await createUser(db, { role: 'author', verified: true, name: 'Aurora Author' })
    const editor = await createUser(db, { role: 'editor', verified: true })
    const admin = await createUser(db, { role: 'admin', verified: true })
    await createPost(db, author, { title: 'Mine, draft' })
    await createPost(db, author, { title: 'Mine, published', published: true })
    await createPost(db, editor, { title: 'Theirs', published: true })
    await createPost(db, editor, { type: 'page', title: 'About', published: true })
    const form = await createForm(
      db,
      { name: 'Contact', slug: 'contact', fields: [{ name: 'message', label: 'Message', type: 'textarea', required: true }] },
      now,
    )
    for (const status of ['new', 'new', 'read', 'spam']) {
      await sql`insert into form_submissions (form_id, form_version, data, status) values (${form.id}, 1, '{}'::jsonb, ${status})`.execute(
        db,
      )
    }
    await sql`insert into jobs (name, status, attempts, last_error) values ('mail.send', 'dead', 5, 'SMTP said no'), ('mail.send', 'done', 1, null)`.execute(
      db,
    )
    const { rows } = await sql<{ id: string }>`insert into webhook_subscriptions (url, events, secret_sealed)
      values ('https://hooks.example/x', array['post.published'], 'sealed') returning id`.execute(db)
    const subscription = rows[0]?.id
    await sql`insert into webhook_deliveries (subscription_id, event_id, event_type, event_created_at, data, status, attempts, created_at)
      values (${subscription}, gen_random_uuid(), 'post.published', now(), '{}'::jsonb, 'failed', 6, now()),
             (${subscription}, gen_random_uuid(), 'post.published', now(), '{}'::jsonb, 'succeeded', 1, now())`.execute(db)

    const dashboard = async (email: string) => {
      const { cookie } = await logIn(app, email)
      const response = await app.inject({ method: 'GET', url: '/api/v1/dashboard', headers: { cookie } })
      assert.equal(response.statusCode, 200, response.body)
      return response.json()
    }

    const asAuthor = await dashboard(author.email)
    assert.deepEqual(asAuthor.counts, {
      posts: { draft: 1, scheduled: 0, published: 1, archived: 0 },
      pages: { draft: 0, scheduled: 0, published: 0, archived: 0 },
      media: 0,
      products: null,
      new_form_submissions: null,
      failed_jobs: null,
      failed_webhook_deliveries: null,
    })
    assert.deepEqual(asAuthor.recent_posts.map((post: { title: string }) => post.title).sort(), ['Mine, draft', 'Mine, published'])
    assert.equal(asAuthor.recent_posts[0].author_name, 'Aurora Author')
    for (const part of ['new_form_submissions', 'failed_jobs', 'failed_webhook_deliveries', 'security_events'])
      assert.equal(asAuthor[part], null, part)

    const asEditor = await dashboard(editor.email)
    assert.deepEqual(asEditor.counts.posts, { draft: 1, scheduled: 0, published: 2, archived: 0 })
    assert.deepEqual(asEditor.counts.pages, { draft: 0, scheduled: 0, published: 1, archived: 0 })
    assert.equal(asEditor.counts.products, 0)
    assert.equal(asEditor.counts.new_form_submissions, 2)
    assert.equal(asEditor.recent_posts.length, 4)
    assert.deepEqual(
      asEditor.new_form_submissions.map((item: { form_id: number; form_name: string }) => [item.form_id, item.form_name]),
      [
        [form.id, 'Contact'],
        [form.id, 'Contact'],
      ],
    )
    assert.equal(asEditor.counts.failed_jobs, null)
    assert.equal(asEditor.security_events, null)

    const asAdmin = await dashboard(admin.email)
    assert.equal(asAdmin.counts.failed_jobs, 1)
    assert.equal(asAdmin.counts.failed_webhook_deliveries, 1)
    assert.deepEqual(
      asAdmin.failed_jobs.map((job: { name: string; attempts: number; last_error: string }) => [job.name, job.attempts, job.last_error]),
      [['mail.send', 5, 'SMTP said no']],
    )
    assert.deepEqual(
      asAdmin.failed_webhook_deliveries.map((delivery: { event_type: string; attempts: number }) => [
        delivery.event_type,
        delivery.attempts,
      ]),
      [['post.published', 6]],
    )
    // The sign-ins above are security events; the newest first.
    assert.equal(asAdmin.security_events[0].event, 'login_ok')
    assert.equal(asAdmin.security_events[0].user_email, admin.email)
    assert.ok(asAdmin.security_events.length <= 5)
  })

  test('a member is refused (403), a caller without a session 401; nothing else is accepted', async (t) => {
    const { app, database } = await buildTestApp(t)
    const member = await createUser(database.db, { role: 'member', verified: true })
    const { cookie } = await logIn(app, member.email)
    const refused = await app.inject({ method: 'GET', url: '/api/v1/dashboard', headers: { cookie } })
    assert.equal(refused.statusCode, 403)
    assert.equal(refused.json().code, 'role_required')
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/dashboard' })
    assert.equal(anonymous.statusCode, 401)
    assert.equal(anonymous.json().code, 'authentication_required')
    const query = await app.inject({ method: 'GET', url: '/api/v1/dashboard?x=1', headers: { cookie } })
    assert.equal(query.statusCode, 403, 'the role is checked before anything else')
  })
})

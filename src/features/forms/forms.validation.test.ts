import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import type { FormField } from './forms.schemas.ts'
import { SUBMISSION_LIMITS } from './forms.service.ts'
import { buildFormsApp, contactForm, createFormVia, type FormsTestApp, goodValues, tokenFor } from './forms.testing.ts'

const storedCount = async (db: import('#core/db/database.ts').Db, formId: number) =>
  Number((await sql<{ n: number }>`select count(*)::int as n from form_submissions where form_id = ${formId}`.execute(db)).rows[0]?.n)

/** One field per case: the values it accepts (as stored) and those it refuses with a 422 naming it. */
const FIELD_CASES: { field: FormField; good: [unknown, unknown][]; bad: unknown[] }[] = [
  {
    field: { name: 'f', label: 'F', type: 'text', required: true, min_length: 2, max_length: 5, pattern: '[a-z]+' },
    good: [['abc', 'abc']],
    bad: ['', '   ', 'a', 'abcdef', 'ABC', 'ab\ncd', 'a\u0007b', 42, ['a', 'b'], { x: 1 }],
  },
  {
    field: { name: 'f', label: 'F', type: 'email', required: true },
    good: [['rosa@example.com', 'rosa@example.com']],
    bad: ['rosa', 'a@b', 'rosa@example.com\r\nBcc: x@y.z', 'a b@example.com'],
  },
  {
    field: { name: 'f', label: 'F', type: 'tel' },
    good: [
      ['+39 06 1234-567', '+39 06 1234-567'],
      ['', undefined],
    ],
    bad: ['call me', '12'],
  },
  {
    field: { name: 'f', label: 'F', type: 'url' },
    good: [['https://example.com/x', 'https://example.com/x']],
    bad: ['javascript:alert(1)', 'example.com', 'ftp://x.y'],
  },
  {
    field: { name: 'f', label: 'F', type: 'number', min: 1, max: 10 },
    good: [
      ['7', 7],
      [2.5, 2.5],
      ['', undefined],
    ],
    bad: ['0', '11', 'seven', '1e3', 'NaN', true],
  },
  { field: { name: 'f', label: 'F', type: 'textarea', max_length: 20 }, good: [['two\nlines', 'two\nlines']], bad: ['x'.repeat(21)] },
  {
    field: { name: 'f', label: 'F', type: 'select', options: ['Red', 'Blue'], required: true },
    good: [['Blue', 'Blue']],
    bad: ['Green', '', ['Red', 'Blue']],
  },
  { field: { name: 'f', label: 'F', type: 'radio', options: ['Yes', 'No'] }, good: [['No', 'No']], bad: ['Maybe'] },
  {
    field: { name: 'f', label: 'F', type: 'checkbox' },
    good: [
      ['on', true],
      [true, true],
      [undefined, false],
      [false, false],
    ],
    bad: ['perhaps'],
  },
  { field: { name: 'f', label: 'F', type: 'consent', required: true }, good: [['on', true]], bad: [undefined, false, ''] },
  {
    field: { name: 'f', label: 'F', type: 'checkboxes', options: ['A', 'B', 'C'], required: true },
    good: [
      [
        ['A', 'C'],
        ['A', 'C'],
      ],
      ['B', ['B']],
    ],
    bad: [[], ['A', 'D'], ['A', 'A'], [1]],
  },
  { field: { name: 'f', label: 'F', type: 'date' }, good: [['2026-02-28', '2026-02-28']], bad: ['2026-02-30', '28/02/2026', '2026-2-1'] },
]

describe('each field type is validated on the server (JSON submissions)', () => {
  for (const { field, good, bad } of FIELD_CASES) {
    test(`${field.type}: accepts ${good.length} value(s) and refuses ${bad.length} with 422 naming the field`, async (t) => {
      const testApp = await buildFormsApp(t)
      const form = await createFormVia(testApp, contactForm({ fields: [field] }))
      // Each post from its own address: the per-address limit counts refused posts too.
      let address = 0
      const remoteAddress = () => `192.0.2.${++address}`
      for (const value of bad) {
        const response = await testApp.app.inject({
          method: 'POST',
          url: `/api/v1/forms/${form.slug}/submissions`,
          remoteAddress: remoteAddress(),
          payload: { f: value, _token: await tokenFor(testApp, form.slug) },
        })
        assert.equal(response.statusCode, 422, `${JSON.stringify(value)}: ${response.body}`)
        assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
        assert.equal(response.json().code, 'submission_invalid')
        assert.deepEqual(
          response.json().errors.map((error: { field: string; in: string }) => [error.field, error.in]),
          [['f', 'body']],
        )
      }
      assert.equal(await storedCount(testApp.database.db, form.id), 0, 'nothing stored for bad values')
      for (const [value, stored] of good) {
        const response = await testApp.app.inject({
          method: 'POST',
          url: `/api/v1/forms/${form.slug}/submissions`,
          remoteAddress: remoteAddress(),
          payload: { ...(value === undefined ? {} : { f: value }), _token: await tokenFor(testApp, form.slug), extra: 'dropped' },
        })
        assert.equal(response.statusCode, 201, `${JSON.stringify(value)}: ${response.body}`)
        const row = await sql<{ data: Record<string, unknown> }>`
          select data from form_submissions where form_id = ${form.id} order by id desc limit 1`.execute(testApp.database.db)
        assert.deepEqual(row.rows[0]?.data, stored === undefined ? {} : { f: stored }, JSON.stringify(value))
      }
    })
  }

  test('a JSON body that is not an object is a 400; an unknown form 404', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    const array = await testApp.app.inject({ method: 'POST', url: `/api/v1/forms/${form.slug}/submissions`, payload: [1, 2] })
    assert.equal(array.statusCode, 400)
    const unknown = await testApp.app.inject({ method: 'POST', url: '/api/v1/forms/no-such-form/submit', payload: goodValues })
    assert.equal(unknown.statusCode, 404)
    assert.equal(await storedCount(testApp.database.db, form.id), 0)
  })
})

describe('abuse limits', () => {
  test(`one address gets ${SUBMISSION_LIMITS.perAddress.limit} posts to a form, then 429 with Retry-After; another address still gets in`, async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    for (let i = 0; i < SUBMISSION_LIMITS.perAddress.limit; i++) {
      const response = await testApp.app.inject({
        method: 'POST',
        url: `/api/v1/forms/${form.slug}/submissions`,
        remoteAddress: '192.0.2.7',
        payload: { ...goodValues, consent: true, _token: await tokenFor(testApp, form.slug) },
      })
      assert.equal(response.statusCode, 201, response.body)
    }
    const limited = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/forms/${form.slug}/submissions`,
      remoteAddress: '192.0.2.7',
      payload: { ...goodValues, consent: true, _token: await tokenFor(testApp, form.slug) },
    })
    assert.equal(limited.statusCode, 429)
    assert.equal(limited.json().code, 'too_many_requests')
    assert.ok(Number(limited.headers['retry-after']) > 0)
    const page = await testApp.app.inject({ method: 'POST', url: `/forms/${form.slug}`, remoteAddress: '192.0.2.7', payload: {} })
    assert.equal(page.statusCode, 429, 'the HTML post counts against the same limit')
    const other = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/forms/${form.slug}/submissions`,
      remoteAddress: '198.51.100.9',
      payload: { ...goodValues, consent: true, _token: await tokenFor(testApp, form.slug) },
    })
    assert.equal(other.statusCode, 201)
    assert.equal(await storedCount(testApp.database.db, form.id), SUBMISSION_LIMITS.perAddress.limit + 1)
    // The lock ends: the clock moves past it and the address may post again.
    testApp.clock.advance(SUBMISSION_LIMITS.perAddress.lockMs + 1000)
    const later = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/forms/${form.slug}/submissions`,
      remoteAddress: '192.0.2.7',
      payload: { ...goodValues, consent: true, _token: await tokenFor(testApp, form.slug) },
    })
    assert.equal(later.statusCode, 201)
  })

  test('FORM_LIMIT_PER_ADDRESS and FORM_LIMIT_PER_FORM set the counts; 0 turns a limit off', async (t) => {
    const post = (testApp: FormsTestApp, slug: string, remoteAddress: string) =>
      tokenFor(testApp, slug).then((token) =>
        testApp.app.inject({
          method: 'POST',
          url: `/api/v1/forms/${slug}/submissions`,
          remoteAddress,
          payload: { ...goodValues, consent: true, _token: token },
        }),
      )
    const strict = await buildFormsApp(t, { env: { FORM_LIMIT_PER_ADDRESS: '2', FORM_LIMIT_PER_FORM: '3' } })
    const form = await createFormVia(strict, contactForm())
    assert.deepEqual(
      [(await post(strict, form.slug, '192.0.2.1')).statusCode, (await post(strict, form.slug, '192.0.2.1')).statusCode],
      [201, 201],
    )
    assert.equal((await post(strict, form.slug, '192.0.2.1')).statusCode, 429, 'the third post from one address')
    assert.equal((await post(strict, form.slug, '192.0.2.2')).statusCode, 201, 'the form’s third post')
    assert.equal((await post(strict, form.slug, '192.0.2.3')).statusCode, 429, 'the form’s fourth post, from anyone')

    const open = await buildFormsApp(t, { env: { FORM_LIMIT_PER_ADDRESS: '0', FORM_LIMIT_PER_FORM: '0' } })
    const unlimited = await createFormVia(open, contactForm())
    for (let i = 0; i <= SUBMISSION_LIMITS.perAddress.limit; i++)
      assert.equal((await post(open, unlimited.slug, '192.0.2.9')).statusCode, 201)
  })

  test('at the exact limits: N posts pass, the next is 429 with the seconds its lock has left in Retry-After (all of it as the lock begins, half half-way, 1 a second before its end), and the lock ends', async (t) => {
    const testApp = await buildFormsApp(t, { env: { FORM_LIMIT_PER_ADDRESS: '3', FORM_LIMIT_PER_FORM: '5' } })
    const form = await createFormVia(testApp, contactForm())
    // Render tokens are taken first (tokenFor moves the clock past the minimum fill time); a post is sent at `at`
    // when given, else at once. Refused posts count too: each key below is refused fewer times than its limit.
    const token = () => tokenFor(testApp, form.slug)
    const post = async (remoteAddress: string, token: string, at?: number) => {
      if (at !== undefined) testApp.clock.set(new Date(at))
      const response = await testApp.app.inject({
        method: 'POST',
        url: `/api/v1/forms/${form.slug}/submissions`,
        remoteAddress,
        payload: { ...goodValues, consent: true, _token: token },
      })
      return [response.statusCode, response.headers['retry-after']]
    }
    const allowed = [201, undefined]
    const address = '192.0.2.21'
    const [first, second, third, fourth] = [await token(), await token(), await token(), await token()]
    assert.deepEqual(
      [await post(address, first), await post(address, second), await post(address, third)],
      [allowed, allowed, allowed],
      'the third reaches the address’s limit: allowed, and locks the address',
    )
    const addressLockEnds = testApp.clock().getTime() + SUBMISSION_LIMITS.perAddress.lockMs
    assert.deepEqual(await post(address, fourth), [429, '600'], 'refused as the address’s lock begins: all of it')

    const [fourthOfForm, fifthOfForm, sixthOfForm] = [await token(), await token(), await token()]
    assert.deepEqual(
      [await post('192.0.2.22', fourthOfForm), await post('192.0.2.23', fifthOfForm)],
      [allowed, allowed],
      'the form’s fifth reaches its limit: allowed, and locks the form',
    )
    const formLockEnds = testApp.clock().getTime() + SUBMISSION_LIMITS.perForm.lockMs
    assert.deepEqual(await post('192.0.2.24', sixthOfForm), [429, '300'], 'refused as the form’s lock begins: all of it')
    assert.deepEqual(await post('192.0.2.25', await token(), formLockEnds - 150_000), [429, '150'], 'half-way through the form’s lock')
    assert.deepEqual(await post('192.0.2.26', await token(), formLockEnds - 1000), [429, '1'], 'a second before the form’s lock ends')
    assert.deepEqual(await post('192.0.2.27', await token(), formLockEnds), allowed, 'the form’s lock has ended')

    assert.deepEqual(await post(address, await token(), addressLockEnds - 1000), [429, '1'], 'a second before the address’s lock ends')
    assert.deepEqual(await post(address, await token(), addressLockEnds), allowed, 'the address’s lock has ended')
    assert.equal(await storedCount(testApp.database.db, form.id), 7)
  })

  test('posts refused for their address do not count against the form: one address cannot use up everyone’s budget', async (t) => {
    const testApp = await buildFormsApp(t, { env: { FORM_LIMIT_PER_ADDRESS: '2', FORM_LIMIT_PER_FORM: '4' } })
    const form = await createFormVia(testApp, contactForm())
    const post = async (remoteAddress: string) =>
      (
        await testApp.app.inject({
          method: 'POST',
          url: `/api/v1/forms/${form.slug}/submissions`,
          remoteAddress,
          payload: { ...goodValues, consent: true, _token: await tokenFor(testApp, form.slug) },
        })
      ).statusCode
    const flood: number[] = []
    for (let i = 0; i < 7; i++) flood.push(await post('192.0.2.66'))
    assert.deepEqual(flood, [201, 201, 429, 429, 429, 429, 429])
    // The form has taken 2 of its 4: two more from others, then the form's own limit.
    assert.deepEqual([await post('192.0.2.67'), await post('192.0.2.68'), await post('192.0.2.69')], [201, 201, 429])
    assert.equal(await storedCount(testApp.database.db, form.id), 4)
  })

  test('a url-encoded body over the limit is a 413, and nothing is stored', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    const response = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `message=${'x'.repeat(300 * 1024)}`,
    })
    assert.equal(response.statusCode, 413)
    assert.equal(await storedCount(testApp.database.db, form.id), 0)
  })

  test('the IP is kept whole, or shortened when the site setting anonymise_ip is on', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    const send = (remoteAddress: string) =>
      tokenFor(testApp, form.slug).then((token) =>
        testApp.app.inject({
          method: 'POST',
          url: `/api/v1/forms/${form.slug}/submissions`,
          remoteAddress,
          payload: { ...goodValues, consent: true, _token: token },
        }),
      )
    await send('203.0.113.77')
    await sql`insert into settings (key, value) values ('anonymise_ip', 'true'::jsonb) on conflict (key) do update set value = excluded.value`.execute(
      testApp.database.db,
    )
    t.after(() => sql`delete from settings where key = 'anonymise_ip'`.execute(testApp.database.db))
    await send('203.0.113.78')
    await send('2001:db8:85a3::8a2e:370:7334')
    const ips = await sql<{ ip: string }>`select ip from form_submissions where form_id = ${form.id} order by id`.execute(
      testApp.database.db,
    )
    assert.deepEqual(
      ips.rows.map((row) => row.ip),
      ['203.0.113.77', '203.0.113.0', '2001:db8:85a3::'],
    )
  })
})

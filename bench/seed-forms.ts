/**
 * The forms bench's data (bench/forms.ts), written while no app runs (PGlite
 * allows one process per data dir): the form the submission scenario posts
 * (five fields, a notification address), and a form with 50,000 submissions
 * for the CSV export, inserted by one set-based statement.
 *
 *   DATA_DIR=… [DATABASE_URL=…] node bench/seed-forms.ts --count 50000
 *
 * Prints one line: `seeded forms: <submit slug> <export id> <count> submissions in <s> s`.
 */
import { parseArgs } from 'node:util'
import { parseConfig } from '../src/core/config.ts'
import { openDatabase, sql } from '../src/core/db/database.ts'
import { createForm } from '../src/features/forms/forms.service.ts'

const SUBMIT_SLUG = 'bench-contact'
const EXPORT_SLUG = 'bench-export'

/** The five fields both forms have (issue 12's "five fields"). */
const FIELDS = [
  { name: 'name', label: 'Your name', type: 'text', required: true, max_length: 200 },
  { name: 'email', label: 'Email', type: 'email', required: true },
  { name: 'phone', label: 'Phone', type: 'tel' },
  { name: 'subject', label: 'Subject', type: 'text', max_length: 200 },
  { name: 'message', label: 'Message', type: 'textarea', required: true, min_length: 5, max_length: 5000 },
] as const

const { values } = parseArgs({ options: { count: { type: 'string', default: '50000' } } })
const count = Number(values.count)
if (!Number.isSafeInteger(count) || count < 0) throw new Error('--count must be a whole number')

const database = await openDatabase(parseConfig(process.env))
try {
  const started = performance.now()
  const now = new Date()
  const submit = await createForm(
    database.db,
    { name: 'Bench contact', slug: SUBMIT_SLUG, fields: [...FIELDS], notify_emails: ['owner@example.com'] },
    now,
  )
  const exported = await createForm(database.db, { name: 'Bench export', slug: EXPORT_SLUG, fields: [...FIELDS] }, now)
  await sql`insert into form_submissions (form_id, form_version, data, status, ip, user_agent, search_text, created_at, updated_at)
    select ${exported.id}, ${exported.version}, d.data, 'new', '203.0.113.' || (g % 250), 'Mozilla/5.0 (bench)',
      d.data ->> 'name' || ' ' || (d.data ->> 'email') || ' ' || (d.data ->> 'subject') || ' ' || (d.data ->> 'message'),
      now() - g * interval '1 second', now()
    from generate_series(1, ${count}::int) as g
    cross join lateral (select jsonb_build_object(
      'name', 'Visitor ' || g,
      'email', 'visitor' || g || '@example.com',
      'phone', '+44 20 7946 ' || lpad((g % 10000)::text, 4, '0'),
      'subject', 'Question number ' || g || ', about "quotes", commas and more',
      'message', 'Hello, I would like to know more about your services.' || repeat(' Lorem ipsum dolor sit amet, consectetur adipiscing.', 1 + g % 5)
    ) as data) as d`.execute(database.db)
  await sql`analyze form_submissions`.execute(database.db)
  const seconds = (performance.now() - started) / 1000
  console.log(`seeded forms: ${submit.slug} ${exported.id} ${count} submissions in ${seconds.toFixed(1)} s`)
} finally {
  await database.close()
}

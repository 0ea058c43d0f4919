// The audit log (/admin/audit, admins): security events newest first, filtered by event
// and by user (the filters GET /api/v1/audit has), paged. Filters live in the URL.
import { api, load, type Schemas } from '../../api.ts'
import { setQuery, useLocation } from '../../app/router.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { when } from './when.ts'

type Entry = Schemas['AuditEntry']

// The events the API knows (its AuditQuery enum), in the order a reader looks for them.
const EVENTS = [
  'login_ok',
  'login_failed',
  'login_throttled',
  'logout',
  'signup',
  'signup_existing_address',
  'password_changed',
  'password_reset_requested',
  'password_reset',
  'email_changed',
  'email_verified',
  'profile_changed',
  'role_changed',
  'user_disabled',
  'user_enabled',
  'invitation_created',
  'invitation_revoked',
  'invitation_accepted',
  'token_created',
  'token_revoked',
  'credentials_revoked',
  'session_revoked',
  'totp_enabled',
  'totp_disabled',
  'recovery_codes_regenerated',
  'admin_created',
  'settings_changed',
] as const

const label = (event: string) => event.replaceAll('_', ' ')

export default function Audit() {
  const { query } = useLocation()
  const event = EVENTS.find((value) => value === query.get('event'))
  const userParam = Number(query.get('user'))
  const user = Number.isSafeInteger(userParam) && userParam > 0 ? userParam : undefined
  const filters = { event, user_id: user, limit: 25 }
  const list = usePagedList(
    (cursor) => load(api.GET('/api/v1/audit', { params: { query: { ...filters, cursor } } })),
    `audit ${JSON.stringify(filters)}`,
  )
  return (
    <section class="people">
      <h1>Audit log</h1>
      <form class="people-filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <Field
          as="select"
          label="Event"
          name="event"
          value={event ?? ''}
          onChange={(e) => setQuery({ event: e.currentTarget.value || undefined })}
        >
          <option value="">Any event</option>
          {EVENTS.map((value) => (
            <option value={value} key={value}>
              {label(value)}
            </option>
          ))}
        </Field>
        <Field
          label="User id"
          name="user"
          type="number"
          min={1}
          hint="The account the event concerns"
          value={user ?? ''}
          onChange={(e) => setQuery({ user: e.currentTarget.value || undefined })}
        />
      </form>
      <FormError message={list.problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading events…" />
      ) : list.items.length === 0 ? (
        <EmptyState title="No events match." />
      ) : (
        <Table<Entry>
          caption="Security events"
          rows={list.items}
          rowKey={(entry) => entry.id}
          columns={[
            { header: 'When', cell: (entry) => when(entry.created_at) },
            { header: 'Event', cell: (entry) => <span class="row-title">{label(entry.event)}</span> },
            { header: 'User', cell: (entry) => entry.user_id ?? '—' },
            { header: 'By', cell: (entry) => entry.actor_id ?? '—' },
            { header: 'Address', cell: (entry) => entry.ip ?? '—' },
            {
              header: 'Details',
              cell: (entry) =>
                Object.keys(entry.details).length === 0 ? '' : <code class="people-details">{JSON.stringify(entry.details)}</code>,
            },
          ]}
        />
      )}
      <Pager list={list} label="Audit log pages" />
    </section>
  )
}

// Users and roles (/admin/users, admins): the users list (search, role filter, paged),
// change a role, disable or enable an account; invite by e-mail and the pending
// invitations with revoke. Filters live in the URL.
import { useState } from 'preact/hooks'
import { api, load, problemOf, type Role, type Schemas, type User } from '../../api.ts'
import { useLocation } from '../../app/router.tsx'
import { useSession } from '../../app/session.tsx'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { QuerySelect, queryChoice, useQuerySearch } from '../../ui/filters.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { toast } from '../../ui/toast.tsx'
import { useSubmit } from '../../ui/use-submit.ts'

type Invitation = Schemas['Invitation']

/** A question before an action that cannot be undone; the screen has one Confirm for all of them. */
type Ask = { title: string; body: string; confirmLabel: string; run: () => Promise<void> }

export const ROLES: Role[] = ['member', 'author', 'editor', 'admin']
export const ROLE_LABELS: Record<Role, string> = { member: 'Member', author: 'Author', editor: 'Editor', admin: 'Administrator' }

const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' })

export default function Users() {
  const { query } = useLocation()
  const q = query.get('q') ?? ''
  const role = queryChoice(query, 'role', ROLE_LABELS)
  const [typed, setTyped] = useQuerySearch(q)

  const filters = { q: q || undefined, role, limit: 20 }
  const users = usePagedList(
    (cursor) => load(api.GET('/api/v1/users', { params: { query: { ...filters, cursor } } })),
    `users ${JSON.stringify(filters)}`,
  )
  const [ask, setAsk] = useState<Ask | undefined>(undefined)
  const [asking, setAsking] = useState(false)
  const confirm = async () => {
    if (!ask) return
    setAsking(true)
    try {
      await ask.run()
    } finally {
      setAsking(false)
      setAsk(undefined)
    }
  }
  const invitations = usePagedList(
    (cursor) => load(api.GET('/api/v1/invitations', { params: { query: { limit: 10, cursor } } })),
    'invitations',
  )

  return (
    <section class="people">
      <h1>Users</h1>
      <InviteForm onInvited={invitations.reload} />

      <h2>Pending invitations</h2>
      <FormError message={invitations.problem?.message} />
      {invitations.loading && invitations.items.length === 0 ? (
        <Progress label="Loading invitations…" />
      ) : invitations.items.length === 0 ? (
        <EmptyState title="No pending invitations." />
      ) : (
        <InvitationTable rows={invitations.items} onRevoked={invitations.reload} onAsk={setAsk} />
      )}
      <Pager list={invitations} label="Invitation pages" />

      <h2>Accounts</h2>
      <form class="people-filters" aria-label="Filter users" onSubmit={(event) => event.preventDefault()}>
        <Field
          label="Search"
          name="q"
          type="search"
          value={typed}
          hint="A part of the name or e-mail address"
          onInput={(event) => setTyped(event.currentTarget.value)}
        />
        <QuerySelect label="Role" name="role" any="Any role" choices={ROLE_LABELS} value={role} />
      </form>
      <FormError message={users.problem?.message} />
      {users.loading && users.items.length === 0 ? (
        <Progress label="Loading users…" />
      ) : users.items.length === 0 ? (
        <EmptyState title={q || role ? 'No users match these filters.' : 'No users yet.'} />
      ) : (
        <UserTable rows={users.items} onChanged={users.reload} onAsk={setAsk} />
      )}
      <Pager list={users} label="User pages" />
      <Confirm
        open={ask !== undefined}
        title={ask?.title ?? ''}
        confirmLabel={ask?.confirmLabel ?? 'OK'}
        danger
        busy={asking}
        onConfirm={confirm}
        onCancel={() => setAsk(undefined)}
      >
        <p>{ask?.body}</p>
      </Confirm>
    </section>
  )
}

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('author')
  const { busy, problem, submit } = useSubmit(async () => {
    const { data, error } = await api.POST('/api/v1/invitations', { body: { email: email.trim(), role } })
    if (error) return problemOf(error)
    toast(`Invitation sent to ${data.email}.`)
    setEmail('')
    onInvited()
  })
  return (
    <form class="card people-invite" onSubmit={submit} noValidate aria-labelledby="invite-title">
      <h2 id="invite-title">Invite someone</h2>
      <p class="hint">They get an e-mail with a link to choose a name and password (valid 7 days). Works with sign-up off.</p>
      <FormError message={problem?.fields.email || problem?.fields.role ? undefined : problem?.message} />
      <div class="people-row">
        <Field
          label="E-mail address"
          name="email"
          type="email"
          autocomplete="off"
          required
          value={email}
          error={problem?.fields.email}
          onInput={(event) => setEmail(event.currentTarget.value)}
        />
        <Field
          as="select"
          label="Their role"
          name="invite-role"
          value={role}
          error={problem?.fields.role}
          onChange={(event) => setRole(event.currentTarget.value as Role)}
        >
          {ROLES.map((value) => (
            <option value={value} key={value}>
              {ROLE_LABELS[value]}
            </option>
          ))}
        </Field>
      </div>
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          Send invitation
        </Button>
      </div>
    </form>
  )
}

function InvitationTable({ rows, onRevoked, onAsk }: { rows: Invitation[]; onRevoked: () => void; onAsk: (ask: Ask) => void }) {
  const revoke = async (invitation: Invitation) => {
    try {
      const { error } = await api.DELETE('/api/v1/invitations/{id}', { params: { path: { id: invitation.id } } })
      if (error) toast(problemOf(error).message, 'error')
      else toast(`Invitation to ${invitation.email} revoked.`)
    } finally {
      onRevoked()
    }
  }
  return (
    <Table<Invitation>
      caption="Pending invitations"
      rows={rows}
      rowKey={(row) => row.id}
      columns={[
        { header: 'E-mail', cell: (row) => row.email },
        { header: 'Role', cell: (row) => ROLE_LABELS[row.role] },
        {
          header: 'Link',
          cell: (row) => (row.expired ? <span class="status status-expired">Expired</span> : `Until ${day(row.expires_at)}`),
        },
        {
          header: 'Actions',
          cell: (row) => (
            <Button
              variant="danger"
              aria-label={`Revoke the invitation to ${row.email}`}
              onClick={() =>
                onAsk({
                  title: 'Revoke this invitation?',
                  body: `The link sent to ${row.email} stops working.`,
                  confirmLabel: 'Revoke',
                  run: () => revoke(row),
                })
              }
            >
              Revoke
            </Button>
          ),
        },
      ]}
    />
  )
}

function UserTable({ rows, onChanged, onAsk }: { rows: User[]; onChanged: () => void; onAsk: (ask: Ask) => void }) {
  const { me } = useSession()
  const [busy, setBusy] = useState<number | undefined>(undefined)

  const change = async (user: User, body: { role?: Role; disabled?: boolean }, done: string) => {
    setBusy(user.id)
    try {
      const { error } = await api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body })
      if (error) toast(problemOf(error).message, 'error')
      else toast(done)
    } finally {
      setBusy(undefined)
      onChanged()
    }
  }

  return (
    <Table<User>
      caption="Users"
      rows={rows}
      rowKey={(user) => user.id}
      columns={[
        {
          header: 'Name',
          cell: (user) => (
            <>
              <span class="row-title">{user.name}</span>
              {user.id === me?.id ? <span class="hint"> (you)</span> : null}
              <br />
              <span class="hint">{user.email}</span>
            </>
          ),
        },
        {
          header: 'Role',
          cell: (user) => (
            <select
              aria-label={`Role of ${user.name}`}
              value={user.role}
              disabled={busy === user.id}
              onChange={(event) => {
                const role = event.currentTarget.value as Role
                void change(user, { role }, `${user.name} is now ${ROLE_LABELS[role].toLowerCase()}; their sessions ended.`)
              }}
            >
              {ROLES.map((value) => (
                <option value={value} key={value}>
                  {ROLE_LABELS[value]}
                </option>
              ))}
            </select>
          ),
        },
        {
          header: 'Status',
          cell: (user) =>
            user.disabled ? <span class="status status-disabled">Disabled</span> : <span class="status status-active">Active</span>,
        },
        { header: 'Joined', cell: (user) => day(user.created_at) },
        {
          header: 'Actions',
          cell: (user) =>
            user.disabled ? (
              <Button busy={busy === user.id} onClick={() => change(user, { disabled: false }, `${user.name} can sign in again.`)}>
                Enable
              </Button>
            ) : (
              <Button
                variant="danger"
                disabled={user.id === me?.id}
                onClick={() =>
                  onAsk({
                    title: 'Disable this account?',
                    body: `${user.name} is signed out everywhere, their API tokens stop working, and they cannot sign in until enabled again.`,
                    confirmLabel: 'Disable',
                    run: () => change(user, { disabled: true }, `${user.name} is disabled.`),
                  })
                }
                aria-label={`Disable ${user.name}`}
              >
                Disable
              </Button>
            ),
        },
      ]}
    />
  )
}

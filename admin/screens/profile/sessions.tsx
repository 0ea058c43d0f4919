// Your active sessions (GET /api/v1/auth/sessions) with revoke (DELETE …/{id}).
import { useState } from 'preact/hooks'
import { api, load, problemOf, type Schemas } from '../../api.ts'
import { Button } from '../../ui/button.tsx'
import { FormError } from '../../ui/field.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { toast } from '../../ui/toast.tsx'
import { useLoaded } from '../../ui/use-loaded.ts'

type Session = Schemas['Session']

export const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

export function Sessions() {
  const sessions = useLoaded(() => load(api.GET('/api/v1/auth/sessions')))
  const [busy, setBusy] = useState<number | undefined>(undefined)
  const revoke = async (session: Session) => {
    setBusy(session.id)
    try {
      const { error } = await api.DELETE('/api/v1/auth/sessions/{id}', { params: { path: { id: session.id } } })
      if (error) toast(problemOf(error).message, 'error')
      else toast('That session is signed out.')
    } finally {
      setBusy(undefined)
      sessions.reload()
    }
  }
  return (
    <section class="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Active sessions</h2>
      <p class="hint">Browsers signed in as you. Sign out any you do not recognise, then change your password.</p>
      <FormError message={sessions.problem?.message} />
      {sessions.data === undefined ? (
        <Progress label="Loading sessions…" />
      ) : (
        <Table<Session>
          caption="Active sessions"
          rows={sessions.data.data}
          rowKey={(session) => session.id}
          columns={[
            { header: 'Browser', cell: (session) => <span class="people-agent">{session.user_agent ?? 'Unknown'}</span> },
            { header: 'Address', cell: (session) => session.ip ?? '—' },
            { header: 'Signed in', cell: (session) => when(session.created_at) },
            { header: 'Last used', cell: (session) => when(session.last_seen_at) },
            {
              header: 'Actions',
              cell: (session) =>
                session.current ? (
                  <span class="status status-active">This browser</span>
                ) : (
                  <Button
                    variant="danger"
                    busy={busy === session.id}
                    onClick={() => revoke(session)}
                    aria-label={`Sign out the session from ${when(session.created_at)}`}
                  >
                    Sign out
                  </Button>
                ),
            },
          ]}
        />
      )}
    </section>
  )
}

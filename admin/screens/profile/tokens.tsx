// Personal API tokens (GET/POST /api/v1/tokens, DELETE …/{id}): create one with scopes
// (the token is shown once), list them, revoke. The admin scope only for administrators.
import { useState } from 'preact/hooks'
import { api, hasRole, load, problemOf, type Schemas, type User } from '../../api.ts'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { toast } from '../../ui/toast.tsx'
import { useLoaded } from '../../ui/use-loaded.ts'
import { unplacedMessage, useSubmit } from '../../ui/use-submit.ts'
import { when } from './sessions.tsx'

type ApiToken = Schemas['ApiToken']
type ApiScope = ApiToken['scopes'][number]

const SCOPES: { scope: ApiScope; label: string }[] = [
  { scope: 'read', label: 'Read (GET requests)' },
  { scope: 'write', label: 'Write (changes)' },
  { scope: 'admin', label: 'Admin (admin routes)' },
]

export function Tokens({ me }: { me: User }) {
  const tokens = useLoaded(() => load(api.GET('/api/v1/tokens')))
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<ApiScope[]>(['read'])
  const [expires, setExpires] = useState('')
  const [current, setCurrent] = useState('')
  const [made, setMade] = useState<string | undefined>(undefined)
  const [revoking, setRevoking] = useState<ApiToken | undefined>(undefined)
  const [revokeBusy, setRevokeBusy] = useState(false)
  const offered = SCOPES.filter(({ scope }) => scope !== 'admin' || hasRole(me.role, 'admin'))

  const {
    busy,
    problem,
    submit: create,
  } = useSubmit(async () => {
    setMade(undefined)
    const body = {
      name: name.trim(),
      scopes,
      ...(expires ? { expires_at: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      ...(current ? { current_password: current } : {}),
    }
    const { data, error } = await api.POST('/api/v1/tokens', { body })
    if (error) return problemOf(error)
    setMade(data.token)
    setName('')
    setCurrent('')
    tokens.reload()
  })
  const revoke = async () => {
    if (!revoking) return
    setRevokeBusy(true)
    try {
      const { error } = await api.DELETE('/api/v1/tokens/{id}', { params: { path: { id: revoking.id } } })
      if (error) toast(problemOf(error).message, 'error')
      else toast(`The token “${revoking.name}” is revoked.`)
    } finally {
      setRevokeBusy(false)
      setRevoking(undefined)
      tokens.reload()
    }
  }
  const live = (tokens.data?.data ?? []).filter((token) => !token.revoked)

  return (
    <section class="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <p class="hint">
        For scripts and other programs: send <code>Authorization: Bearer …</code>. A token acts as you, within its scopes.
      </p>
      <form onSubmit={create} noValidate aria-labelledby="new-token-title">
        <h3 id="new-token-title">New token</h3>
        <FormError message={unplacedMessage(problem)} />
        <Field
          label="Token name"
          name="token-name"
          hint="What it is for"
          value={name}
          error={problem?.fields.name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <fieldset
          class={problem?.fields.scopes ? 'field has-error' : 'field'}
          aria-describedby={problem?.fields.scopes ? 'scopes-error' : undefined}
        >
          <legend>Scopes</legend>
          {offered.map(({ scope, label }) => (
            <label class="people-check" key={scope}>
              <input
                type="checkbox"
                name="scopes"
                value={scope}
                checked={scopes.includes(scope)}
                onChange={(e) =>
                  setScopes((list) => (e.currentTarget.checked ? [...list, scope] : list.filter((value) => value !== scope)))
                }
              />{' '}
              {label}
            </label>
          ))}
          {problem?.fields.scopes ? (
            <p class="error" id="scopes-error">
              {problem.fields.scopes}
            </p>
          ) : null}
        </fieldset>
        <Field
          label="Expires on"
          name="expires"
          type="date"
          hint="Optional: it works until the end of that day."
          value={expires}
          error={problem?.fields.expires_at}
          onInput={(e) => setExpires(e.currentTarget.value)}
        />
        <Field
          label="Current password"
          name="token-password"
          type="password"
          autocomplete="current-password"
          hint="Needed unless you signed in within the last 10 minutes."
          value={current}
          error={problem?.fields.current_password}
          onInput={(e) => setCurrent(e.currentTarget.value)}
        />
        <div class="actions">
          <Button type="submit" variant="primary" busy={busy}>
            Create token
          </Button>
        </div>
      </form>
      {made ? (
        <div class="notice success" role="status">
          <p>Your new token, shown this once: copy it now.</p>
          <code class="people-token">{made}</code>
        </div>
      ) : null}
      <h3>Your tokens</h3>
      <FormError message={tokens.problem?.message} />
      {tokens.data === undefined ? (
        <Progress label="Loading tokens…" />
      ) : live.length === 0 ? (
        <EmptyState title="No API tokens." />
      ) : (
        <Table<ApiToken>
          caption="API tokens"
          rows={live}
          rowKey={(token) => token.id}
          columns={[
            { header: 'Name', cell: (token) => <span class="row-title">{token.name}</span> },
            { header: 'Starts with', cell: (token) => <code>{token.prefix}…</code> },
            { header: 'Scopes', cell: (token) => token.scopes.join(', ') },
            { header: 'Expires', cell: (token) => (token.expires_at ? when(token.expires_at) : 'Never') },
            { header: 'Last used', cell: (token) => (token.last_used_at ? when(token.last_used_at) : 'Never') },
            {
              header: 'Actions',
              cell: (token) => (
                <Button variant="danger" onClick={() => setRevoking(token)} aria-label={`Revoke the token ${token.name}`}>
                  Revoke
                </Button>
              ),
            },
          ]}
        />
      )}
      <Confirm
        open={revoking !== undefined}
        title="Revoke this token?"
        confirmLabel="Revoke"
        danger
        busy={revokeBusy}
        onConfirm={revoke}
        onCancel={() => setRevoking(undefined)}
      >
        <p>Programs using “{revoking?.name}” stop working at once.</p>
      </Confirm>
    </section>
  )
}

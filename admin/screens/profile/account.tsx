// Name, e-mail and password (PATCH /api/v1/auth/me). A new e-mail or password needs the
// current password and ends every other session: this one goes on under a new cookie.
import { useState } from 'preact/hooks'
import { api, problemOf, type User } from '../../api.ts'
import { useSession } from '../../app/session.tsx'
import { Button } from '../../ui/button.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { toast } from '../../ui/toast.tsx'
import { unplacedMessage, useSubmit } from '../../ui/use-submit.ts'

export function Account({ me }: { me: User }) {
  const { setMe } = useSession()
  const [name, setName] = useState(me.name)
  const [email, setEmail] = useState(me.email)
  const [password, setPassword] = useState('')
  const [current, setCurrent] = useState('')
  const sensitive = email.trim().toLowerCase() !== me.email.toLowerCase() || password !== ''

  const { busy, problem, submit } = useSubmit(async () => {
    const body = {
      ...(name.trim() !== me.name ? { name: name.trim() } : {}),
      ...(email.trim().toLowerCase() !== me.email.toLowerCase() ? { email: email.trim() } : {}),
      ...(password ? { password } : {}),
      ...(sensitive ? { current_password: current } : {}),
    }
    if (Object.keys(body).length === 0) return toast('Nothing to save.')
    const { data, error } = await api.PATCH('/api/v1/auth/me', { body })
    if (error) return problemOf(error)
    setMe(data)
    setPassword('')
    setCurrent('')
    toast(sensitive ? 'Saved. Your other sessions and API tokens have ended.' : 'Saved.')
  })

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      <FormError message={unplacedMessage(problem)} />
      <Field
        label="Name"
        name="name"
        autocomplete="name"
        value={name}
        error={problem?.fields.name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <Field
        label="E-mail address"
        name="email"
        type="email"
        autocomplete="email"
        hint={me.email_verified ? undefined : 'Not confirmed yet: use the link we mailed you.'}
        value={email}
        error={problem?.fields.email}
        onInput={(e) => setEmail(e.currentTarget.value)}
      />
      <Field
        label="New password"
        name="password"
        type="password"
        autocomplete="new-password"
        hint="Leave empty to keep your password."
        value={password}
        error={problem?.fields.password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      {sensitive ? (
        <Field
          label="Current password"
          name="current_password"
          type="password"
          autocomplete="current-password"
          hint="Needed to change your e-mail or password."
          value={current}
          error={problem?.fields.current_password}
          onInput={(e) => setCurrent(e.currentTarget.value)}
        />
      ) : null}
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          Save account
        </Button>
      </div>
    </form>
  )
}

// /admin/setup?token=…: the one-time link the server prints while there is no
// administrator (README, quick start) creates the first one through
// POST /api/v1/setup, then signs them in and opens the dashboard.
import { useState } from 'preact/hooks'
import { api, problemOf } from '../../api.ts'
import { navigate, useLocation } from '../../app/router.tsx'
import { useSession } from '../../app/session.tsx'
import { Button } from '../../ui/button.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { toast } from '../../ui/toast.tsx'
import { useSubmit } from '../../ui/use-submit.ts'

export default function Setup() {
  const { query } = useLocation()
  const { setMe } = useSession()
  const token = query.get('token') ?? ''
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')

  const { busy, problem, submit } = useSubmit(async () => {
    const created = await api.POST('/api/v1/setup', { body: { token, email, name, password } })
    if (created.error) {
      const failed = problemOf(created.error)
      // The token is no field of this form: its error is the form's.
      return failed.fields.token ? { ...failed, message: `The setup link ${failed.fields.token}.` } : failed
    }
    const signedIn = await api.POST('/api/v1/auth/login', { body: { email, password } })
    if (signedIn.data) {
      setMe(signedIn.data)
      toast('Administrator created. Welcome to Plinth.')
      navigate('/admin', { replace: true })
    } else navigate('/admin/sign-in', { replace: true })
  })

  return (
    <section class="card narrow">
      <h1>Create the first administrator</h1>
      {token ? (
        <p>This account runs the site: it can write, publish, invite people and change every setting.</p>
      ) : (
        <p class="notice">Open this page with the setup link from the server log: the link carries the one-time code this form needs.</p>
      )}
      <form onSubmit={submit} noValidate>
        <FormError message={problem?.message} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          maxLength={254}
          value={email}
          onInput={(event) => setEmail(event.currentTarget.value)}
          error={problem?.fields.email}
        />
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          required
          maxLength={100}
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
          error={problem?.fields.name}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          hint="8 to 256 characters, not a common one. A passphrase of a few words is good."
          autoComplete="new-password"
          required
          minLength={8}
          maxLength={256}
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
          error={problem?.fields.password}
        />
        <div class="actions">
          <Button type="submit" variant="primary" busy={busy} disabled={!token}>
            Create administrator
          </Button>
        </div>
      </form>
    </section>
  )
}

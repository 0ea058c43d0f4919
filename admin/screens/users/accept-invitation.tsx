// Accepting an invitation (/admin/accept-invitation?token=…, signed out): the mailed
// link opens this screen; a name and a password make the account (POST
// /api/v1/invitations/accept), then the new user signs in as anyone does.
import { useState } from 'preact/hooks'
import { api, problemOf, type User } from '../../api.ts'
import { Link, useLocation } from '../../app/router.tsx'
import { Button } from '../../ui/button.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { useSubmit } from '../../ui/use-submit.ts'

export default function AcceptInvitation() {
  const { query } = useLocation()
  const token = query.get('token') ?? ''
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [made, setMade] = useState<User | undefined>(undefined)

  const { busy, problem, submit } = useSubmit(async () => {
    const { data, error } = await api.POST('/api/v1/invitations/accept', { body: { token, name: name.trim(), password } })
    if (error) return problemOf(error)
    setMade(data)
  })

  if (made) {
    return (
      <section class="card narrow">
        <h1>Your account is ready</h1>
        <p role="status">
          Welcome, {made.name}. Sign in with {made.email} and the password you chose.
        </p>
        <Link class="button primary" href="/admin/sign-in">
          Sign in
        </Link>
      </section>
    )
  }
  if (!token) {
    return (
      <section class="card narrow">
        <h1>Accept an invitation</h1>
        <p class="notice error" role="alert">
          This link has no invitation token. Open the link from your invitation e-mail again, or ask an administrator for a new one.
        </p>
      </section>
    )
  }
  // A bad token is an error about the link, not about a field the person can fix.
  const linkProblem = problem?.fields.token
    ? 'This invitation link is invalid, already used, revoked or expired. Ask an administrator for a new one.'
    : undefined
  return (
    <section class="card narrow">
      <h1>Accept an invitation</h1>
      <p>Choose the name others will see and a password for your account.</p>
      <form onSubmit={submit} noValidate>
        <FormError message={linkProblem ?? (problem && Object.keys(problem.fields).length === 0 ? problem.message : undefined)} />
        <Field
          label="Your name"
          name="name"
          autocomplete="name"
          required
          value={name}
          error={problem?.fields.name}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          hint="8 characters or more; not a common password."
          value={password}
          error={problem?.fields.password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <div class="actions">
          <Button type="submit" variant="primary" busy={busy}>
            Create my account
          </Button>
        </div>
      </form>
    </section>
  )
}

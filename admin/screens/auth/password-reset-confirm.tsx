// /admin/password-reset/confirm?token=…: the link in the reset mail. Sets the new
// password (POST /api/v1/auth/password-reset/confirm), which ends every session,
// then offers to sign in.
import { useState } from 'preact/hooks'
import { api, problemOf } from '../../api.ts'
import { Link, useLocation } from '../../app/router.tsx'
import { Button } from '../../ui/button.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { useSubmit } from '../../ui/use-submit.ts'

export default function PasswordResetConfirm() {
  const { query } = useLocation()
  const token = query.get('token') ?? ''
  const [password, setPassword] = useState('')
  const [done, setDone] = useState(false)

  const { busy, problem, submit } = useSubmit(async () => {
    const { error } = await api.POST('/api/v1/auth/password-reset/confirm', { body: { token, password } })
    if (!error) return setDone(true)
    const failed = problemOf(error)
    // The token is no field of this form: its error is the form's.
    return failed.fields.token ? { ...failed, message: `The link ${failed.fields.token}. Ask for a new one below.` } : failed
  })

  if (done) {
    return (
      <section class="card narrow">
        <h1>Password changed</h1>
        <p class="notice success" role="status">
          Your new password is set, and every session and API token of the account has ended.
        </p>
        <p>
          <Link href="/admin/sign-in">Sign in</Link>
        </p>
      </section>
    )
  }
  return (
    <section class="card narrow">
      <h1>Choose a new password</h1>
      {token ? null : <p class="notice">Open this page with the link from the reset mail.</p>}
      <form onSubmit={submit} noValidate>
        <FormError message={problem?.message} />
        <Field
          label="New password"
          name="password"
          type="password"
          hint="8 to 256 characters, not a common one."
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
            Set the password
          </Button>
        </div>
      </form>
      <p>
        <Link href="/admin/password-reset">Ask for a new link</Link>
      </p>
    </section>
  )
}

// /admin/password-reset: asks for a reset link (POST /api/v1/auth/password-reset).
// The answer is the same whether or not the address has an account.
import { useState } from 'preact/hooks'
import { api, problemOf } from '../../api.ts'
import { Link } from '../../app/router.tsx'
import { Button } from '../../ui/button.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { useSubmit } from '../../ui/use-submit.ts'

export default function PasswordReset() {
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState(false)

  const { busy, problem, submit } = useSubmit(async () => {
    const { error } = await api.POST('/api/v1/auth/password-reset', { body: { email } })
    if (error) return problemOf(error)
    setSent(true)
  })

  return (
    <section class="card narrow">
      <h1>Reset your password</h1>
      {sent ? (
        <p class="notice success" role="status">
          If {email} has an account here, a link to choose a new password is on its way. It works once, for one hour.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <p>We mail you a link to choose a new password.</p>
          <FormError message={problem?.message} />
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
            error={problem?.fields.email}
          />
          <div class="actions">
            <Button type="submit" variant="primary" busy={busy}>
              Send the link
            </Button>
          </div>
        </form>
      )}
      <p>
        <Link href="/admin/sign-in">Back to sign-in</Link>
      </p>
    </section>
  )
}

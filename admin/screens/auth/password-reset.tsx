// /admin/password-reset: asks for a reset link (POST /api/v1/auth/password-reset).
// The answer is the same whether or not the address has an account.
import { useState } from 'preact/hooks'
import { api, type FormProblem, problemOf } from '../../api.ts'
import { Link } from '../../app/router.tsx'
import { Button } from '../../ui/button.tsx'
import { Field, FormError } from '../../ui/field.tsx'

export default function PasswordReset() {
  const [email, setEmail] = useState('')
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [sent, setSent] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setProblem(undefined)
    try {
      const { error } = await api.POST('/api/v1/auth/password-reset', { body: { email } })
      if (error) setProblem(problemOf(error))
      else setSent(true)
    } catch (error) {
      setProblem(problemOf(error))
    } finally {
      setBusy(false)
    }
  }

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

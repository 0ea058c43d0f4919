// Sign-in (POST /api/v1/auth/login). With two-factor on, the API answers
// totp_required: the screen then asks for the 6-digit code (or a recovery code)
// and signs in again with it. After signing in: back to ?next= (a screen under
// /admin, where the session ran out) or the dashboard.
import { useState } from 'preact/hooks'
import { api, type FormProblem, problemOf } from '../../api.ts'
import { Link, navigate, useLocation } from '../../app/router.tsx'
import { useSession } from '../../app/session.tsx'
import { Button } from '../../ui/button.tsx'
import { Field, FormError } from '../../ui/field.tsx'

/** Only a path inside the admin is a place to go back to (never another site). */
export const safeNext = (next: string | null) => (next && /^\/admin(?:[/?#]|$)/.test(next) && !next.startsWith('//') ? next : '/admin')

export default function SignIn() {
  const { query } = useLocation()
  const { setMe } = useSession()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [step, setStep] = useState<'password' | 'code'>('password')
  const [useRecovery, setUseRecovery] = useState(false)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const expired = query.has('next')

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setProblem(undefined)
    try {
      const { data, error } = await api.POST('/api/v1/auth/login', {
        body: { email, password, ...(step === 'code' ? { totp_code: code.trim() } : {}) },
      })
      if (data) {
        setMe(data)
        navigate(safeNext(query.get('next')), { replace: true })
        return
      }
      const failed = problemOf(error)
      if (failed.code === 'totp_required') {
        setStep('code')
        return
      }
      setProblem(failed)
    } catch (error) {
      setProblem(problemOf(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="card narrow">
      <h1>Sign in</h1>
      {expired && step === 'password' ? <p class="notice">Sign in to go on where you were.</p> : null}
      <form onSubmit={submit} noValidate>
        <FormError message={problem?.message} />
        {step === 'password' ? (
          <>
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
            <Field
              label="Password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(event) => setPassword(event.currentTarget.value)}
              error={problem?.fields.password}
            />
          </>
        ) : useRecovery ? (
          <Field
            label="Recovery code"
            name="totp_code"
            hint="One of the recovery codes you saved when you turned on two-factor sign-in. Each works once."
            autoComplete="off"
            required
            value={code}
            onInput={(event) => setCode(event.currentTarget.value)}
            error={problem?.fields.totp_code}
          />
        ) : (
          <Field
            label="Two-factor code"
            name="totp_code"
            hint="The 6-digit code from your authenticator app."
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onInput={(event) => setCode(event.currentTarget.value)}
            error={problem?.fields.totp_code}
          />
        )}
        <div class="actions">
          <Button type="submit" variant="primary" busy={busy}>
            {step === 'password' ? 'Sign in' : 'Verify'}
          </Button>
        </div>
      </form>
      {step === 'code' ? (
        <p>
          <button
            type="button"
            class="link-button"
            onClick={() => {
              setUseRecovery(!useRecovery)
              setCode('')
              setProblem(undefined)
            }}
          >
            {useRecovery ? 'Use a code from the authenticator app' : 'Use a recovery code instead'}
          </button>
        </p>
      ) : (
        <p>
          <Link href="/admin/password-reset">Forgot your password?</Link>
        </p>
      )}
    </section>
  )
}

// /admin/verify-email?token=…: the link in the "Confirm your email address" mail (sign-up,
// a changed address). One click confirms it (POST /api/v1/auth/verify-email): a button
// rather than on load, so a mail scanner that opens links does not spend the token. Then it
// says what happened and where to go next.
import { useState } from 'preact/hooks'
import { api, problemOf } from '../../api.ts'
import { Link, useLocation } from '../../app/router.tsx'
import { Button } from '../../ui/button.tsx'
import { FormError } from '../../ui/field.tsx'
import { useSubmit } from '../../ui/use-submit.ts'

export default function VerifyEmail() {
  const { query } = useLocation()
  const token = query.get('token') ?? ''
  const [done, setDone] = useState(false)

  const {
    busy,
    problem,
    submit: confirm,
  } = useSubmit(async () => {
    const { error } = await api.POST('/api/v1/auth/verify-email', { body: { token } })
    if (!error) return setDone(true)
    const failed = problemOf(error)
    return failed.fields.token
      ? {
          ...failed,
          message: `This link ${failed.fields.token} (a link works once, for 48 hours). If you confirmed your address already, just sign in.`,
        }
      : failed
  })

  if (done) {
    return (
      <section class="card narrow">
        <h1>Address confirmed</h1>
        <p class="notice success" role="status">
          Thank you: your email address is confirmed.
        </p>
        <p>
          <Link href="/admin">Continue to the admin</Link> (you may be asked to sign in) or <a href="/">view the site</a>.
        </p>
      </section>
    )
  }
  return (
    <section class="card narrow">
      <h1>Confirm your email address</h1>
      {token ? (
        <p>Confirm that this address is yours, as the mail asked.</p>
      ) : (
        <p class="notice">Open this page with the link from the confirmation mail.</p>
      )}
      <FormError message={problem?.message} />
      <div class="actions">
        <Button variant="primary" busy={busy} disabled={!token} onClick={confirm}>
          Confirm my address
        </Button>
      </div>
      <p>
        <Link href="/admin/sign-in">Sign in</Link>
      </p>
    </section>
  )
}

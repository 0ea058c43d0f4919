// Two-factor sign-in: set up with a QR code (qrcode draws the otpauth:// URI in the
// browser; this chunk is lazy, so it costs the first load nothing) or the key typed in,
// confirm with a first code, then the recovery codes shown once. When on: replace the
// recovery codes, or turn it off with the password and a code.

import { useEffect, useState } from 'preact/hooks'
import { toDataURL } from 'qrcode'
import { api, type FormProblem, load, problemOf } from '../../api.ts'
import { Button } from '../../ui/button.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { Progress } from '../../ui/progress.tsx'
import { toast } from '../../ui/toast.tsx'
import { useLoaded } from '../../ui/use-loaded.ts'
import { unplacedMessage } from '../../ui/use-submit.ts'

type Setup = { secret: string; otpauth_uri: string }

/** A call's field errors go next to the fields; anything else above the form. */
const general = unplacedMessage

export function TwoFactor() {
  const status = useLoaded(() => load(api.GET('/api/v1/auth/totp')))
  const [setup, setSetup] = useState<Setup | undefined>(undefined)
  const [codes, setCodes] = useState<string[] | undefined>(undefined)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  const begin = async () => {
    setBusy(true)
    setProblem(undefined)
    try {
      setSetup(await load(api.POST('/api/v1/auth/totp/setup')))
    } catch (error) {
      setProblem(error as FormProblem)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="card" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title">Two-factor sign-in</h2>
      <FormError message={general(problem) ?? status.problem?.message} />
      {codes ? (
        <RecoveryCodes codes={codes} onDone={() => setCodes(undefined)} />
      ) : status.data === undefined ? (
        <Progress label="Loading…" />
      ) : status.data.enabled ? (
        <Enabled left={status.data.recovery_codes_left} onCodes={setCodes} onChanged={status.reload} />
      ) : setup ? (
        <Confirming
          setup={setup}
          onEnabled={(recovery) => {
            setSetup(undefined)
            setCodes(recovery)
            status.reload()
          }}
          onCancel={() => setSetup(undefined)}
        />
      ) : (
        <>
          <p>
            <span class="status status-disabled">Off</span> Signing in needs only your password. Turn two-factor sign-in on to also ask for
            a code from an authenticator app on your phone.
          </p>
          <div class="actions">
            <Button variant="primary" busy={busy} onClick={begin}>
              Set up two-factor sign-in
            </Button>
          </div>
        </>
      )}
    </section>
  )
}

function Confirming({ setup, onEnabled, onCancel }: { setup: Setup; onEnabled: (codes: string[]) => void; onCancel: () => void }) {
  const [qr, setQr] = useState<string | undefined>(undefined)
  const [code, setCode] = useState('')
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    toDataURL(setup.otpauth_uri, { margin: 2, width: 200 }).then(setQr, () => setQr(undefined))
  }, [setup.otpauth_uri])

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setProblem(undefined)
    try {
      const { data, error } = await api.POST('/api/v1/auth/totp/enable', { body: { code: code.trim() } })
      if (error) return setProblem(problemOf(error))
      toast('Two-factor sign-in is on.')
      onEnabled(data.recovery_codes)
    } catch (error) {
      setProblem(problemOf(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <ol class="people-steps">
        <li>
          Scan this code with your authenticator app:
          <div class="people-qr">
            {qr ? (
              <img src={qr} width={200} height={200} alt="QR code for your authenticator app" />
            ) : (
              <Progress label="Drawing the QR code…" />
            )}
          </div>
          Or type this key into it:{' '}
          <code class="people-secret" data-secret={setup.secret}>
            {setup.secret.replace(/(.{4})/g, '$1 ').trim()}
          </code>
        </li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      <FormError message={general(problem)} />
      <Field
        label="Code from the app"
        name="code"
        inputMode="numeric"
        autocomplete="one-time-code"
        pattern="[0-9]{6}"
        value={code}
        error={problem?.fields.code}
        onInput={(e) => setCode(e.currentTarget.value)}
      />
      <div class="actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={busy}>
          Turn on
        </Button>
      </div>
    </form>
  )
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div>
      <p class="notice" role="status">
        Your recovery codes, shown this once. Each works once instead of a code, if you lose your phone. Keep them somewhere safe.
      </p>
      <ul class="people-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div class="actions">
        <Button variant="primary" onClick={onDone}>
          I have saved them
        </Button>
      </div>
    </div>
  )
}

function Enabled({ left, onCodes, onChanged }: { left: number; onCodes: (codes: string[]) => void; onChanged: () => void }) {
  const [code, setCode] = useState('')
  const [password, setPassword] = useState('')
  const [offCode, setOffCode] = useState('')
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [offProblem, setOffProblem] = useState<FormProblem | undefined>(undefined)
  const [busy, setBusy] = useState<'codes' | 'off' | undefined>(undefined)

  const regenerate = async (event: Event) => {
    event.preventDefault()
    setBusy('codes')
    setProblem(undefined)
    try {
      const { data, error } = await api.POST('/api/v1/auth/totp/recovery-codes', { body: { code: code.trim() } })
      if (error) return setProblem(problemOf(error))
      onCodes(data.recovery_codes)
      onChanged()
    } catch (error) {
      setProblem(problemOf(error))
    } finally {
      setBusy(undefined)
    }
  }
  const turnOff = async (event: Event) => {
    event.preventDefault()
    setBusy('off')
    setOffProblem(undefined)
    try {
      const { error } = await api.POST('/api/v1/auth/totp/disable', { body: { password, code: offCode.trim() } })
      if (error) return setOffProblem(problemOf(error))
      toast('Two-factor sign-in is off.')
      onChanged()
    } catch (error) {
      setOffProblem(problemOf(error))
    } finally {
      setBusy(undefined)
    }
  }

  return (
    <>
      <p>
        <span class="status status-active">On</span> Signing in asks for a code from your authenticator app. {left} recovery code
        {left === 1 ? '' : 's'} left.
      </p>
      <form onSubmit={regenerate} noValidate aria-labelledby="codes-title">
        <h3 id="codes-title">New recovery codes</h3>
        <p class="hint">Replaces all your recovery codes; the old ones stop working.</p>
        <FormError message={general(problem)} />
        <Field
          label="Code from the app"
          name="codes-code"
          inputMode="numeric"
          autocomplete="one-time-code"
          value={code}
          error={problem?.fields.code}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
        <div class="actions">
          <Button type="submit" busy={busy === 'codes'}>
            Make new recovery codes
          </Button>
        </div>
      </form>
      <form onSubmit={turnOff} noValidate aria-labelledby="off-title">
        <h3 id="off-title">Turn two-factor sign-in off</h3>
        <FormError message={general(offProblem)} />
        <Field
          label="Password"
          name="off-password"
          type="password"
          autocomplete="current-password"
          value={password}
          error={offProblem?.fields.password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <Field
          label="Code from the app or a recovery code"
          name="off-code"
          autocomplete="one-time-code"
          value={offCode}
          error={offProblem?.fields.code}
          onInput={(e) => setOffCode(e.currentTarget.value)}
        />
        <div class="actions">
          <Button type="submit" variant="danger" busy={busy === 'off'}>
            Turn off
          </Button>
        </div>
      </form>
    </>
  )
}

// Site settings (/admin/settings, admins): GET /api/v1/settings, PATCH with only what
// changed; the API's field errors show next to their fields.
import { useEffect, useState } from 'preact/hooks'
import { api, type FormProblem, load, problemOf, type Schemas } from '../../api.ts'
import { Button } from '../../ui/button.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { Progress } from '../../ui/progress.tsx'
import { toast } from '../../ui/toast.tsx'

type Settings = Schemas['SiteSettings']
type Form = Omit<Settings, 'cors_origins'> & { cors_origins: string }

const toForm = (settings: Settings): Form => ({ ...settings, cors_origins: settings.cors_origins.join('\n') })
const origins = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((origin) => origin.trim())
    .filter(Boolean)

const CHECKS: {
  name: 'signup_enabled' | 'require_email_verification' | 'anonymise_ip' | 'webhooks_allow_private'
  label: string
  hint: string
}[] = [
  { name: 'signup_enabled', label: 'Visitors may sign up', hint: 'Off: only invited people get accounts.' },
  {
    name: 'require_email_verification',
    label: 'Require a confirmed e-mail address to sign in',
    hint: 'New accounts confirm with a mailed link.',
  },
  { name: 'anonymise_ip', label: 'Shorten IP addresses of form submissions', hint: 'Keeps IPv4 /24 and IPv6 /48 only.' },
  { name: 'webhooks_allow_private', label: 'Webhooks may call private addresses', hint: 'For development and tests only.' },
]

export default function SiteSettingsScreen() {
  const [saved, setSaved] = useState<Settings | undefined>(undefined)
  const [form, setForm] = useState<Form | undefined>(undefined)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    load(api.GET('/api/v1/settings')).then(
      (settings) => {
        setSaved(settings)
        setForm(toForm(settings))
      },
      (error: FormProblem) => setProblem(error),
    )
  }, [])
  // The zones the browser knows, for the picker (the server checks against its own list).
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []

  if (!form || !saved) {
    return (
      <section>
        <h1>Settings</h1>
        <FormError message={problem?.message} />
        {problem ? null : <Progress label="Loading settings…" />}
      </section>
    )
  }
  const set = <K extends keyof Form>(name: K, value: Form[K]) => setForm({ ...form, [name]: value })

  const submit = async (event: Event) => {
    event.preventDefault()
    const next: Settings = { ...form, cors_origins: origins(form.cors_origins) }
    const changes = Object.fromEntries(
      Object.entries(next).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(saved[name as keyof Settings])),
    )
    if (Object.keys(changes).length === 0) {
      toast('Nothing to save.')
      return
    }
    setBusy(true)
    setProblem(undefined)
    try {
      const { data, error } = await api.PATCH('/api/v1/settings', { body: changes })
      if (error) return setProblem(problemOf(error))
      setSaved(data)
      setForm(toForm(data))
      toast('Settings saved.')
    } catch (error) {
      setProblem(problemOf(error))
    } finally {
      setBusy(false)
    }
  }
  // cors_origins.3 → cors_origins: an origin's error shows under the list.
  const fieldError = (name: string) =>
    problem?.fields[name] ?? Object.entries(problem?.fields ?? {}).find(([field]) => field.startsWith(`${name}.`))?.[1]

  return (
    <section class="people">
      <h1>Settings</h1>
      <form class="card" onSubmit={submit} noValidate>
        <FormError
          message={
            problem && Object.keys(problem.fields).length === 0
              ? problem.message
              : problem
                ? 'Some settings are not valid: see below.'
                : undefined
          }
        />
        <h2>The site</h2>
        <Field
          label="Site title"
          name="title"
          value={form.title}
          error={fieldError('title')}
          onInput={(e) => set('title', e.currentTarget.value)}
        />
        <Field
          as="textarea"
          label="Description"
          name="description"
          rows={2}
          value={form.description}
          error={fieldError('description')}
          onInput={(e) => set('description', e.currentTarget.value)}
        />
        <div class="people-row">
          <Field
            label="Language"
            name="language"
            hint="A language tag, such as en or pt-BR"
            value={form.language}
            error={fieldError('language')}
            onInput={(e) => set('language', e.currentTarget.value)}
          />
          <Field
            label="Time zone"
            name="timezone"
            hint="Such as Europe/Rome"
            list="people-zones"
            value={form.timezone}
            error={fieldError('timezone')}
            onInput={(e) => set('timezone', e.currentTarget.value)}
          />
          <Field
            label="Currency"
            name="currency"
            hint="ISO 4217, such as EUR"
            maxLength={3}
            value={form.currency}
            error={fieldError('currency')}
            onInput={(e) => set('currency', e.currentTarget.value.toUpperCase())}
          />
        </div>
        <datalist id="people-zones">
          {zones.map((zone) => (
            <option value={zone} key={zone} />
          ))}
        </datalist>
        <h2>Accounts and privacy</h2>
        {CHECKS.map(({ name, label, hint }) => (
          <div class="field people-check" key={name}>
            <label>
              <input type="checkbox" name={name} checked={form[name]} onChange={(e) => set(name, e.currentTarget.checked)} /> {label}
            </label>
            <p class="hint">{hint}</p>
            {fieldError(name) ? <p class="error">{fieldError(name)}</p> : null}
          </div>
        ))}
        <h2>API</h2>
        <Field
          as="textarea"
          label="CORS origins"
          name="cors_origins"
          rows={3}
          hint="Origins whose pages may call the API with cookies or tokens, one a line: https://app.example.org"
          value={form.cors_origins}
          error={fieldError('cors_origins')}
          onInput={(e) => set('cors_origins', e.currentTarget.value)}
        />
        <div class="actions">
          <Button type="submit" variant="primary" busy={busy}>
            Save settings
          </Button>
        </div>
      </form>
    </section>
  )
}

// The form builder (/admin/forms/:id, `new` for a new form; editors and admins): the form's
// settings (name, slug, open or closed, what a visitor sees after sending, who is told,
// how long submissions are kept, proof of work) and its fields: add one of every type the
// API knows, edit each (label, name, help, required, limits, pattern, choices, file types),
// remove, and reorder by dragging or with Move up / Move down (keyboard). The server checks
// the definition as a whole; its errors (`fields.<index>.<property>`) show next to the
// control they concern.
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, type FormProblem, problemOf } from '../../api.ts'
import { Link, navigate } from '../../app/router.tsx'
import type { ScreenProps } from '../../app/routes.tsx'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { LeaveGuard } from '../../ui/leave-guard.tsx'
import { LoadFailed } from '../../ui/load-failed.tsx'
import { Progress } from '../../ui/progress.tsx'
import { toast } from '../../ui/toast.tsx'
import {
  ACCEPT_TYPES,
  type AcceptType,
  CHOICE_TYPES,
  FIELD_TYPES,
  type FieldType,
  type Form,
  type FormBody,
  type FormField,
  getForm,
  TEXT_TYPES,
} from './forms-api.ts'

/** A field as the builder edits it: numbers as the text typed, choices one per line, and a key that survives reordering. */
type FieldDraft = {
  key: number
  name: string
  /** The name was typed (or loaded), so the label no longer suggests it. */
  named: boolean
  label: string
  help: string
  type: FieldType
  required: boolean
  min: string
  max: string
  min_length: string
  max_length: string
  pattern: string
  options: string
  accept: AcceptType[]
  max_kb: string
}

type Settings = {
  name: string
  slug: string
  status: Form['status']
  success_message: string
  redirect_path: string
  notify_emails: string
  retention_days: string
  proof_of_work: boolean
}

let nextKey = 1
const text = (value: number | undefined) => (value === undefined ? '' : String(value))
const number = (value: string) => (value.trim() === '' ? undefined : Number(value))

const draftOf = (field: FormField): FieldDraft => ({
  key: nextKey++,
  name: field.name,
  named: true,
  label: field.label,
  help: field.help ?? '',
  type: field.type,
  required: field.required ?? false,
  min: text(field.min),
  max: text(field.max),
  min_length: text(field.min_length),
  max_length: text(field.max_length),
  pattern: field.pattern ?? '',
  options: (field.options ?? []).join('\n'),
  accept: field.accept ?? [],
  max_kb: field.max_bytes === undefined ? '' : String(Math.round(field.max_bytes / 1024)),
})

const newField = (type: FieldType): FieldDraft => ({
  key: nextKey++,
  name: '',
  named: false,
  label: '',
  help: '',
  type,
  required: false,
  min: '',
  max: '',
  min_length: '',
  max_length: '',
  pattern: '',
  options: '',
  accept: type === 'file' ? ['application/pdf'] : [],
  max_kb: '',
})

/** A label as a field name the API accepts (`^[a-z][a-z0-9_]*$`): "Your e-mail" → your_e_mail. */
const nameFrom = (label: string) =>
  label
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 63)

const slugFrom = (name: string) =>
  name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)

/** The API's field from a draft: only the properties its type takes (a type change leaves no stray limit behind). */
function fieldOf(draft: FieldDraft): FormField {
  const field: FormField = { name: draft.name.trim(), label: draft.label.trim(), type: draft.type }
  if (draft.help.trim()) field.help = draft.help.trim()
  if (draft.required) field.required = true
  if (draft.type === 'number') {
    field.min = number(draft.min)
    field.max = number(draft.max)
  }
  if (TEXT_TYPES.includes(draft.type)) {
    field.min_length = number(draft.min_length)
    field.max_length = number(draft.max_length)
    if (draft.pattern) field.pattern = draft.pattern
  }
  if (CHOICE_TYPES.includes(draft.type)) {
    field.options = draft.options
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
  }
  if (draft.type === 'file') {
    field.accept = draft.accept
    const kb = number(draft.max_kb)
    if (kb !== undefined) field.max_bytes = Math.round(kb * 1024)
  }
  return JSON.parse(JSON.stringify(field)) as FormField
}

const settingsOf = (form: Form | undefined): Settings => ({
  name: form?.name ?? '',
  slug: form?.slug ?? '',
  status: form?.status ?? 'open',
  success_message: form?.success_message ?? '',
  redirect_path: form?.redirect_path ?? '',
  notify_emails: (form?.notify_emails ?? []).join('\n'),
  retention_days: form?.retention_days ? String(form.retention_days) : '',
  proof_of_work: form?.proof_of_work ?? false,
})

function bodyOf(settings: Settings, fields: FieldDraft[]): FormBody {
  return {
    name: settings.name.trim(),
    slug: settings.slug.trim(),
    status: settings.status,
    success_message: settings.success_message,
    redirect_path: settings.redirect_path.trim() || null,
    notify_emails: settings.notify_emails
      .split(/[\s,;]+/)
      .map((address) => address.trim())
      .filter(Boolean),
    retention_days: number(settings.retention_days) ?? null,
    proof_of_work: settings.proof_of_work,
    fields: fields.map(fieldOf),
  }
}

export default function Builder({ params }: ScreenProps) {
  const isNew = params.id === 'new'
  const id = Number(params.id)
  const [form, setForm] = useState<Form | undefined>(undefined)
  const [loadProblem, setLoadProblem] = useState<string | undefined>(undefined)
  useEffect(() => {
    setForm(undefined)
    setLoadProblem(undefined)
    if (isNew) return
    if (!Number.isSafeInteger(id) || id < 1) setLoadProblem(`There is no form ${params.id}.`)
    else getForm(id).then(setForm, (problem: FormProblem) => setLoadProblem(problem.message))
  }, [params.id])

  if (loadProblem) {
    return <LoadFailed title="Form" message={loadProblem} back="/admin/forms" backLabel="Back to the forms" />
  }
  if (!isNew && !form) return <Progress label="Loading the form…" />
  return <BuilderForm key={form?.id ?? 'new'} initial={form} />
}

function BuilderForm({ initial }: { initial: Form | undefined }) {
  const [form, setForm] = useState<Form | undefined>(initial)
  const [settings, setSettings] = useState<Settings>(() => settingsOf(initial))
  const [fields, setFields] = useState<FieldDraft[]>(() => (initial ? initial.fields.map(draftOf) : [newField('text')]))
  const [slugTyped, setSlugTyped] = useState(initial !== undefined)
  // What was saved last (a new form: the blank one it starts as, so only a change counts as unsaved).
  const [saved, setSaved] = useState(() =>
    JSON.stringify(bodyOf(settingsOf(initial), initial ? initial.fields.map(draftOf) : [newField('text')])),
  )
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [saving, setSaving] = useState(false)
  const [addType, setAddType] = useState<FieldType>('text')
  const [announce, setAnnounce] = useState('')
  const [confirmDelete, setConfirmDelete] = useState(false)
  const [deleting, setDeleting] = useState(false)
  /** After a keyboard move, the button to give focus back to (the moved card's DOM node moved, which drops focus). */
  const refocus = useRef<string | undefined>(undefined)
  const dragged = useRef<number | undefined>(undefined)
  const [dropAt, setDropAt] = useState<number | undefined>(undefined)

  useEffect(() => {
    if (!refocus.current) return
    document.getElementById(refocus.current)?.focus()
    refocus.current = undefined
  })

  const body = bodyOf(settings, fields)
  const dirty = JSON.stringify(body) !== saved
  const errorOf = (name: string) => {
    const fieldErrors = problem?.fields ?? {}
    if (fieldErrors[name]) return fieldErrors[name]
    const nested = Object.keys(fieldErrors).find((key) => key.startsWith(`${name}.`))
    if (!nested) return undefined
    // `notify_emails.1`, `fields.0.options.2`: an item of a list, named by its place (1 for the first).
    const rest = nested.slice(name.length + 1)
    const place = /^\d+$/.test(rest) ? `Line ${Number(rest) + 1}:` : rest
    return `${place} ${fieldErrors[nested]}`
  }
  const set =
    <K extends keyof Settings>(key: K) =>
    (value: Settings[K]) =>
      setSettings((current) => ({ ...current, [key]: value }))

  const change = (key: number, changes: Partial<FieldDraft>) =>
    setFields((list) => list.map((field) => (field.key === key ? { ...field, ...changes } : field)))

  /** Moves the field at `from` to `to`; the server's errors name positions, so they no longer apply. */
  const move = (from: number, to: number, focus?: 'up' | 'down') => {
    if (to < 0 || to >= fields.length || from === to) return
    const list = [...fields]
    const [field] = list.splice(from, 1)
    if (!field) return
    list.splice(to, 0, field)
    setFields(list)
    setProblem(undefined)
    setAnnounce(`Moved “${field.label || field.name || 'field'}” to position ${to + 1} of ${list.length}.`)
    if (focus) {
      const edge = (focus === 'up' && to === 0) || (focus === 'down' && to === list.length - 1)
      refocus.current = `move-${edge ? (focus === 'up' ? 'down' : 'up') : focus}-${field.key}`
    }
  }

  const add = () => {
    const field = newField(addType)
    setFields((list) => [...list, field])
    setProblem(undefined)
    refocus.current = `field-fields-${fields.length}-label`
  }

  const remove = (index: number) => {
    const field = fields[index]
    setFields((list) => list.filter((_, at) => at !== index))
    setProblem(undefined)
    setAnnounce(`Removed “${field?.label || field?.name || 'field'}”.`)
    refocus.current = 'field-add-field-type'
  }

  const save = async (event: Event) => {
    event.preventDefault()
    setSaving(true)
    const result = form
      ? await api
          .PATCH('/api/v1/forms/{id}', { params: { path: { id: form.id } }, body })
          .catch((error: unknown) => ({ error, data: undefined }))
      : await api.POST('/api/v1/forms', { body }).catch((error: unknown) => ({ error, data: undefined }))
    setSaving(false)
    if (result.error !== undefined || !result.data) {
      setProblem(problemOf(result.error))
      return
    }
    const savedForm = result.data
    setProblem(undefined)
    setForm(savedForm)
    setSaved(JSON.stringify(bodyOf(settingsOf(savedForm), savedForm.fields.map(draftOf))))
    setSlugTyped(true)
    toast(form ? 'Form saved.' : 'Form created.')
    if (!form) navigate(`/admin/forms/${savedForm.id}`, { replace: true })
  }

  const removeForm = async () => {
    if (!form) return
    setDeleting(true)
    const { error } = await api.DELETE('/api/v1/forms/{id}', { params: { path: { id: form.id } } })
    setDeleting(false)
    if (error) {
      setConfirmDelete(false)
      setProblem(problemOf(error))
      return
    }
    toast(`Form “${form.name}” deleted.`)
    navigate('/admin/forms')
  }

  return (
    <section class="form-builder">
      <div class="screen-head">
        <h1>{form ? `Form: ${form.name}` : 'New form'}</h1>
        {form ? (
          <div class="head-links">
            <Link href={`/admin/forms/${form.id}/submissions`}>Submissions</Link>
            {form.status === 'open' ? (
              <a href={`/forms/${form.slug}`} target="_blank" rel="noopener">
                Preview /forms/{form.slug}
              </a>
            ) : null}
          </div>
        ) : null}
      </div>
      <p class="save-state" aria-live="polite">
        {saving ? 'Saving…' : dirty ? 'Unsaved changes' : form ? `Saved (version ${form.version})` : ''}
      </p>
      <form onSubmit={save} noValidate>
        <FormError message={problem?.message} />
        <div class="builder-settings">
          <h2>Settings</h2>
          <Field
            label="Name"
            name="name"
            value={settings.name}
            error={errorOf('name')}
            onInput={(event) => {
              const name = event.currentTarget.value
              setSettings((current) => ({ ...current, name, slug: slugTyped ? current.slug : slugFrom(name) }))
            }}
          />
          <Field
            label="Slug"
            name="slug"
            hint="The public address: /forms/<slug> (lower-case letters, digits and hyphens)"
            value={settings.slug}
            error={errorOf('slug')}
            onInput={(event) => {
              setSlugTyped(true)
              set('slug')(event.currentTarget.value)
            }}
          />
          <Field
            as="select"
            label="Status"
            name="status"
            hint="A closed form refuses new submissions"
            value={settings.status}
            error={errorOf('status')}
            onChange={(event) => set('status')(event.currentTarget.value === 'closed' ? 'closed' : 'open')}
          >
            <option value="open">Open</option>
            <option value="closed">Closed</option>
          </Field>
          <Field
            as="textarea"
            label="Success message"
            name="success_message"
            hint="Shown after sending (empty: a standard thank-you)"
            value={settings.success_message}
            error={errorOf('success_message')}
            onInput={(event) => set('success_message')(event.currentTarget.value)}
          />
          <Field
            label="Redirect after sending"
            name="redirect_path"
            hint="Optional: a path on this site, such as /thanks, instead of the message"
            value={settings.redirect_path}
            error={errorOf('redirect_path')}
            onInput={(event) => set('redirect_path')(event.currentTarget.value)}
          />
          <Field
            as="textarea"
            label="Notification emails"
            name="notify_emails"
            hint="Who is told of each submission: one address a line (at most 10)"
            value={settings.notify_emails}
            error={errorOf('notify_emails')}
            onInput={(event) => set('notify_emails')(event.currentTarget.value)}
          />
          <Field
            label="Keep submissions for (days)"
            name="retention_days"
            type="number"
            min={1}
            max={36500}
            inputMode="numeric"
            hint="Older ones are deleted with their files; empty keeps them until deleted"
            value={settings.retention_days}
            error={errorOf('retention_days')}
            onInput={(event) => set('retention_days')(event.currentTarget.value)}
          />
          <div class={errorOf('proof_of_work') ? 'field check has-error' : 'field check'}>
            <label>
              <input
                type="checkbox"
                name="proof_of_work"
                checked={settings.proof_of_work}
                onChange={(event) => set('proof_of_work')(event.currentTarget.checked)}
              />{' '}
              Ask for a proof of work (ALTCHA)
            </label>
            <p class="hint">The visitor’s browser solves a small puzzle; a submission without it is kept as spam.</p>
            {errorOf('proof_of_work') ? <p class="error">{errorOf('proof_of_work')}</p> : null}
          </div>
        </div>

        <h2 id="fields-heading">Fields</h2>
        <p class="hint">Drag a field by its handle, or use Move up and Move down, to change the order.</p>
        {problem?.fields.fields ? <p class="notice error">Fields: {problem.fields.fields}</p> : null}
        <p class="visually-hidden" aria-live="polite">
          {announce}
        </p>
        <ol class="builder-fields" aria-labelledby="fields-heading">
          {fields.map((field, index) => (
            <li
              key={field.key}
              class={dropAt === index ? 'builder-field drop-target' : 'builder-field'}
              onDragOver={(event) => {
                if (dragged.current === undefined) return
                event.preventDefault()
                setDropAt(index)
              }}
              onDragLeave={() => setDropAt((at) => (at === index ? undefined : at))}
              onDrop={(event) => {
                event.preventDefault()
                const from = fields.findIndex((item) => item.key === dragged.current)
                dragged.current = undefined
                setDropAt(undefined)
                if (from >= 0) move(from, index)
              }}
            >
              <FieldEditor
                field={field}
                index={index}
                count={fields.length}
                errorOf={errorOf}
                onChange={(changes) => change(field.key, changes)}
                onMove={(to, focus) => move(index, to, focus)}
                onRemove={() => remove(index)}
                onDragStart={(event) => {
                  dragged.current = field.key
                  event.dataTransfer?.setData('text/plain', field.name || String(field.key))
                  const card = (event.currentTarget as HTMLElement).closest('li')
                  if (card && event.dataTransfer) event.dataTransfer.setDragImage(card, 20, 20)
                }}
                onDragEnd={() => {
                  dragged.current = undefined
                  setDropAt(undefined)
                }}
              />
            </li>
          ))}
        </ol>
        <div class="add-field">
          <Field
            as="select"
            label="New field’s type"
            name="add-field-type"
            value={addType}
            onChange={(event) => setAddType(event.currentTarget.value as FieldType)}
          >
            {Object.entries(FIELD_TYPES).map(([type, label]) => (
              <option value={type} key={type}>
                {label}
              </option>
            ))}
          </Field>
          <Button onClick={add} disabled={fields.length >= 50}>
            Add field
          </Button>
        </div>

        <div class="actions">
          <Button type="submit" variant="primary" busy={saving}>
            {form ? 'Save form' : 'Create form'}
          </Button>
          {form ? (
            <Button variant="danger" onClick={() => setConfirmDelete(true)}>
              Delete form
            </Button>
          ) : null}
        </div>
      </form>
      <Confirm
        open={confirmDelete}
        title={`Delete “${form?.name ?? ''}”?`}
        confirmLabel="Delete form"
        danger
        busy={deleting}
        onConfirm={removeForm}
        onCancel={() => setConfirmDelete(false)}
      >
        <p>The form, all its submissions and their files are deleted. This cannot be undone.</p>
      </Confirm>
      <LeaveGuard dirty={dirty} message="The changes to this form are not saved yet." />
    </section>
  )
}

function FieldEditor({
  field,
  index,
  count,
  errorOf,
  onChange,
  onMove,
  onRemove,
  onDragStart,
  onDragEnd,
}: {
  field: FieldDraft
  index: number
  count: number
  errorOf: (name: string) => string | undefined
  onChange: (changes: Partial<FieldDraft>) => void
  onMove: (to: number, focus: 'up' | 'down') => void
  onRemove: () => void
  onDragStart: (event: DragEvent) => void
  onDragEnd: () => void
}) {
  const at = `fields.${index}`
  const title = field.label || field.name || FIELD_TYPES[field.type]
  const isText = TEXT_TYPES.includes(field.type)
  const isChoice = CHOICE_TYPES.includes(field.type)
  const whole = problemForWholeField(errorOf, at)
  return (
    <fieldset class="builder-field-body" aria-describedby={whole ? `field-${index}-error` : undefined}>
      <legend>
        <span class="drag-handle" draggable onDragStart={onDragStart} onDragEnd={onDragEnd} title="Drag to reorder" aria-hidden="true">
          ⠿
        </span>{' '}
        Field {index + 1}: {title}
      </legend>
      {whole ? (
        <p class="error" id={`field-${index}-error`}>
          {whole}
        </p>
      ) : null}
      <div class="builder-grid">
        <Field
          label="Label"
          name={`${at}.label`}
          value={field.label}
          error={errorOf(`${at}.label`)}
          onInput={(event) => {
            const label = event.currentTarget.value
            onChange(field.named ? { label } : { label, name: nameFrom(label) })
          }}
        />
        <Field
          label="Name"
          name={`${at}.name`}
          hint="The key in submissions and the CSV: a-z, 0-9 and _"
          value={field.name}
          error={errorOf(`${at}.name`)}
          onInput={(event) => onChange({ name: event.currentTarget.value, named: true })}
        />
        <Field
          as="select"
          label="Type"
          name={`${at}.type`}
          value={field.type}
          error={errorOf(`${at}.type`)}
          onChange={(event) => {
            const type = event.currentTarget.value as FieldType
            onChange({ type, accept: type === 'file' && field.accept.length === 0 ? ['application/pdf'] : field.accept })
          }}
        >
          {Object.entries(FIELD_TYPES).map(([type, label]) => (
            <option value={type} key={type}>
              {label}
            </option>
          ))}
        </Field>
        <Field
          label="Help text"
          name={`${at}.help`}
          value={field.help}
          error={errorOf(`${at}.help`)}
          onInput={(event) => onChange({ help: event.currentTarget.value })}
        />
      </div>
      <div class={errorOf(`${at}.required`) ? 'field check has-error' : 'field check'}>
        <label>
          <input type="checkbox" checked={field.required} onChange={(event) => onChange({ required: event.currentTarget.checked })} />{' '}
          Required
        </label>
        {errorOf(`${at}.required`) ? <p class="error">{errorOf(`${at}.required`)}</p> : null}
      </div>
      {field.type === 'number' ? (
        <div class="builder-grid">
          <Field
            label="Smallest value"
            name={`${at}.min`}
            type="number"
            value={field.min}
            error={errorOf(`${at}.min`)}
            onInput={(event) => onChange({ min: event.currentTarget.value })}
          />
          <Field
            label="Largest value"
            name={`${at}.max`}
            type="number"
            value={field.max}
            error={errorOf(`${at}.max`)}
            onInput={(event) => onChange({ max: event.currentTarget.value })}
          />
        </div>
      ) : null}
      {isText ? (
        <div class="builder-grid">
          <Field
            label="Shortest length"
            name={`${at}.min_length`}
            type="number"
            min={0}
            value={field.min_length}
            error={errorOf(`${at}.min_length`)}
            onInput={(event) => onChange({ min_length: event.currentTarget.value })}
          />
          <Field
            label="Longest length"
            name={`${at}.max_length`}
            type="number"
            min={1}
            value={field.max_length}
            error={errorOf(`${at}.max_length`)}
            onInput={(event) => onChange({ max_length: event.currentTarget.value })}
          />
          <Field
            label="Pattern"
            name={`${at}.pattern`}
            hint="Optional: a regular expression (RE2) the whole answer must match"
            class="mono"
            value={field.pattern}
            error={errorOf(`${at}.pattern`)}
            onInput={(event) => onChange({ pattern: event.currentTarget.value })}
          />
        </div>
      ) : null}
      {isChoice ? (
        <Field
          as="textarea"
          label="Choices"
          name={`${at}.options`}
          hint="One a line"
          value={field.options}
          error={errorOf(`${at}.options`)}
          onInput={(event) => onChange({ options: event.currentTarget.value })}
        />
      ) : null}
      {field.type === 'file' ? (
        <>
          <fieldset
            class={errorOf(`${at}.accept`) ? 'field has-error accept-types' : 'field accept-types'}
            aria-describedby={errorOf(`${at}.accept`) ? `field-${index}-accept-error` : undefined}
          >
            <legend>Accepted file types</legend>
            {Object.entries(ACCEPT_TYPES).map(([type, label]) => (
              <label class="check" key={type}>
                <input
                  type="checkbox"
                  checked={field.accept.includes(type as AcceptType)}
                  onChange={(event) =>
                    onChange({
                      accept: event.currentTarget.checked
                        ? [...field.accept, type as AcceptType]
                        : field.accept.filter((value) => value !== type),
                    })
                  }
                />{' '}
                {label}
              </label>
            ))}
            {errorOf(`${at}.accept`) ? (
              <p class="error" id={`field-${index}-accept-error`}>
                {errorOf(`${at}.accept`)}
              </p>
            ) : null}
          </fieldset>
          <Field
            label="Largest file (KB)"
            name={`${at}.max_bytes`}
            type="number"
            min={1}
            max={10240}
            hint="At most 10,240 KB (10 MB); empty: the largest allowed"
            value={field.max_kb}
            error={errorOf(`${at}.max_bytes`)}
            onInput={(event) => onChange({ max_kb: event.currentTarget.value })}
          />
        </>
      ) : null}
      <div class="actions field-actions">
        <Button id={`move-up-${field.key}`} onClick={() => onMove(index - 1, 'up')} disabled={index === 0}>
          Move up<span class="visually-hidden"> “{title}”</span>
        </Button>
        <Button id={`move-down-${field.key}`} onClick={() => onMove(index + 1, 'down')} disabled={index === count - 1}>
          Move down<span class="visually-hidden"> “{title}”</span>
        </Button>
        <Button variant="danger" onClick={onRemove} disabled={count === 1}>
          Remove<span class="visually-hidden"> “{title}”</span>
        </Button>
      </div>
    </fieldset>
  )
}

/** An error about a field as a whole (`fields.2`), or about a property this editor has no control for. */
function problemForWholeField(errorOf: (name: string) => string | undefined, at: string) {
  const shown = [
    'label',
    'name',
    'type',
    'help',
    'required',
    'min',
    'max',
    'min_length',
    'max_length',
    'pattern',
    'options',
    'accept',
    'max_bytes',
  ]
  const message = errorOf(at)
  if (!message) return undefined
  const property = message.split(' ')[0]?.split('.')[0] ?? ''
  return shown.includes(property) ? undefined : message
}

import type { Challenge } from 'altcha-lib'
import type { FieldError } from '#core/http/errors.ts'
import { HONEYPOT_FIELD, maxLengthOf, TOKEN_FIELD } from './forms.fields.ts'
import { ALTCHA_FIELD, altchaAssets } from './forms.pow.ts'
import type { FormRow } from './forms.queries.ts'
import type { FormField } from './forms.schemas.ts'

/**
 * A form as the theme's `form` template receives it (themes/README.md): each
 * field with its input attributes, the visitor's value kept after an error,
 * and its message; plain values only, escaped by the template.
 */
export function formView(
  form: FormRow,
  options: { token: string; altcha?: Challenge | null; values?: Record<string, unknown>; errors?: FieldError[] },
) {
  const values = options.values ?? {}
  const errors = new Map((options.errors ?? []).map((error) => [error.field, error.message]))
  const fields = form.fields.map((field, index) => fieldView(field, index, values[field.name], errors.get(field.name)))
  return {
    slug: form.slug,
    name: form.name,
    action: `/forms/${form.slug}`,
    multipart: form.fields.some((field) => field.type === 'file'),
    token_field: TOKEN_FIELD,
    token: options.token,
    // The ALTCHA widget's challenge (JSON, for its `challenge` attribute), or '' when the form asks for no proof of work.
    altcha: options.altcha ? JSON.stringify(options.altcha) : '',
    altcha_field: ALTCHA_FIELD,
    altcha_script: options.altcha ? altchaAssets().script.path : '',
    altcha_style: options.altcha ? altchaAssets().style.path : '',
    honeypot: HONEYPOT_FIELD,
    fields,
    // The error summary at the top links to each field (WCAG 3.3.1).
    errors: fields.filter((field) => field.error).map((field) => ({ id: field.id, label: field.label, message: field.error })),
  }
}

const textOf = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '')
const chosen = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [])
const INPUT_TYPES: Record<string, string> = { text: 'text', email: 'email', tel: 'tel', url: 'url', number: 'number', date: 'date' }

function fieldView(field: FormField, index: number, value: unknown, error: string | undefined) {
  const id = `field-${field.name}`
  const picked = chosen(value)
  return {
    id,
    name: field.name,
    label: field.label,
    help: field.help ?? '',
    help_id: field.help ? `${id}-help` : '',
    error: error ?? '',
    error_id: error ? `${id}-error` : '',
    // aria-describedby: the help, then the error, as the screen reader should read them.
    described_by: [field.help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' '),
    required: field.required === true,
    autofocus: false,
    index,
    // One flag per kind of control, for the template's {{#if}}s.
    is_input: field.type in INPUT_TYPES,
    input_type: INPUT_TYPES[field.type] ?? 'text',
    is_textarea: field.type === 'textarea',
    is_select: field.type === 'select',
    is_radio: field.type === 'radio',
    is_checkbox: field.type === 'checkbox' || field.type === 'consent',
    is_checkboxes: field.type === 'checkboxes',
    is_file: field.type === 'file',
    value: textOf(value),
    checked: value === true,
    options: (field.options ?? []).map((option, i) => ({
      value: option,
      label: option,
      id: `${id}-${i}`,
      selected: picked.includes(option),
    })),
    min: field.min ?? '',
    max: field.max ?? '',
    minlength: field.min_length ?? '',
    maxlength: field.type in INPUT_TYPES || field.type === 'textarea' ? maxLengthOf(field) : '',
    accept: (field.accept ?? []).join(','),
  }
}

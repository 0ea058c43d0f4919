import type { RE2JS } from 're2js'
import type { FieldError } from '#core/http/errors.ts'
import { lazyRequire } from '#core/lazy-require.ts'
import type { FieldType, FormField } from './forms.schemas.ts'

/**
 * A form's fields (issue 12, items 1 and 2): the checks on a definition when an
 * editor saves it, and the validation of a visitor's values against it. Both
 * run on the server; what the browser checks is only a convenience.
 */

const TEXT_TYPES: ReadonlySet<FieldType> = new Set(['text', 'email', 'tel', 'url', 'textarea'])
const CHOICE_TYPES: ReadonlySet<FieldType> = new Set(['select', 'radio', 'checkboxes'])
const DEFAULT_MAX_LENGTH = 1000
const DEFAULT_TEXTAREA_MAX_LENGTH = 10_000
export const MAX_FILE_FIELDS = 5

export const maxLengthOf = (field: FormField) =>
  field.max_length ?? (field.type === 'textarea' ? DEFAULT_TEXTAREA_MAX_LENGTH : field.type === 'email' ? 254 : DEFAULT_MAX_LENGTH)

/** The names a definition may not use: the honeypot and the render token travel with the fields. */
export const HONEYPOT_FIELD = 'website_url'
export const TOKEN_FIELD = '_token'

/**
 * Patterns run on RE2 (re2js, a pure JavaScript port): matching takes time
 * linear in the input, whatever the pattern, so a definition cannot make a
 * submission hang the process (decision 0021). Back-references and look-around,
 * which need backtracking, fail to compile and are refused when the form is saved.
 * re2js (a 257 KB module) is required at the first pattern, not at start: most
 * forms have none (decision 0014).
 */
const re2js = lazyRequire<typeof import('re2js')>('re2js')
const compiled = new Map<string, RE2JS>()
function compilePattern(pattern: string): RE2JS {
  let re = compiled.get(pattern)
  if (re === undefined) {
    re = re2js().RE2JS.compile(pattern)
    if (compiled.size > 1000) compiled.clear()
    compiled.set(pattern, re)
  }
  return re
}

/** The problems of a definition's fields, each naming `fields.<index>.<property>`; empty when it is sound. */
export function checkDefinition(fields: readonly FormField[]): FieldError[] {
  const errors: FieldError[] = []
  const error = (index: number, property: string, message: string) =>
    errors.push({ field: `fields.${index}${property ? `.${property}` : ''}`, in: 'body', message })
  const seen = new Set<string>()
  let files = 0
  fields.forEach((field, index) => {
    if (seen.has(field.name)) error(index, 'name', `repeats the name "${field.name}"; field names must be unique`)
    if (field.name === HONEYPOT_FIELD) error(index, 'name', `"${HONEYPOT_FIELD}" is reserved (the spam trap)`)
    seen.add(field.name)
    const isText = TEXT_TYPES.has(field.type)
    const isChoice = CHOICE_TYPES.has(field.type)
    if (field.options !== undefined && !isChoice) error(index, 'options', 'is only for select, radio and checkboxes fields')
    if (isChoice) {
      if (field.options === undefined) error(index, 'options', `is required for a ${field.type} field`)
      else if (new Set(field.options).size !== field.options.length) error(index, 'options', 'has the same choice twice')
    }
    if ((field.min !== undefined || field.max !== undefined) && field.type !== 'number')
      error(index, field.min !== undefined ? 'min' : 'max', 'is only for number fields (text fields use min_length and max_length)')
    if (field.min !== undefined && field.max !== undefined && field.min > field.max) error(index, 'min', 'is larger than max')
    if ((field.min_length !== undefined || field.max_length !== undefined) && !isText)
      error(index, field.min_length !== undefined ? 'min_length' : 'max_length', 'is only for text, email, tel, url and textarea fields')
    if (isText && field.min_length !== undefined && field.min_length > maxLengthOf(field))
      error(index, 'min_length', 'is larger than max_length')
    if (field.pattern !== undefined) {
      if (!isText) error(index, 'pattern', 'is only for text, email, tel, url and textarea fields')
      else {
        try {
          compilePattern(field.pattern)
        } catch (cause) {
          error(index, 'pattern', `is not a regular expression RE2 accepts (${(cause as Error).message.slice(0, 200)})`)
        }
      }
    }
    if (field.type === 'file') {
      files++
      if (field.accept === undefined) error(index, 'accept', 'is required for a file field (the types to accept)')
    } else {
      if (field.accept !== undefined) error(index, 'accept', 'is only for file fields')
      if (field.max_bytes !== undefined) error(index, 'max_bytes', 'is only for file fields')
    }
  })
  if (files > MAX_FILE_FIELDS) errors.push({ field: 'fields', in: 'body', message: `may have at most ${MAX_FILE_FIELDS} file fields` })
  return errors
}

/** A value as it came: a string or strings from a browser's form post, anything from JSON. */
export type RawValue = unknown

const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\]]+$/
const TEL = /^\+?[0-9 ().\-/]{3,40}$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
// A line break in a single-line field (an email, a subject) is how header injection starts: refused there.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/
const LINE_BREAK = /[\r\n]/

/** A stored value: text, a number, a boolean or a list of choices (file fields are stored apart). */
export type StoredValue = string | number | boolean | string[]

/**
 * A visitor's values checked against `fields`: the stored values (unknown names
 * dropped, empty optional fields left out) and one error per bad field. File
 * fields are not read here (the caller checks the bytes) but their presence is
 * reported through `fileNames` for `required`.
 */
export function validateValues(
  fields: readonly FormField[],
  input: Record<string, RawValue>,
  filesPresent: ReadonlySet<string>,
): { values: Record<string, StoredValue>; errors: FieldError[] } {
  const values: Record<string, StoredValue> = {}
  const errors: FieldError[] = []
  for (const field of fields) {
    const result = validateOne(field, input[field.name], filesPresent.has(field.name))
    if (typeof result === 'object' && result !== null && 'error' in result)
      errors.push({ field: field.name, in: 'body', message: result.error })
    else if (result !== undefined) values[field.name] = result
  }
  return { values, errors }
}

type Outcome = StoredValue | undefined | { error: string }

/** A browser sends one string per name, or several for a repeated name; JSON may send anything. */
const single = (raw: RawValue): string | number | boolean | undefined | { error: string } => {
  if (raw === undefined || raw === null) return undefined
  if (Array.isArray(raw)) return raw.length === 1 ? single(raw[0]) : { error: 'must be a single value' }
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return raw
  return { error: 'must be a single value' }
}

function validateOne(field: FormField, raw: RawValue, filePresent: boolean): Outcome {
  const required = field.required === true
  switch (field.type) {
    case 'file':
      return required && !filePresent ? { error: 'is required: choose a file' } : undefined
    case 'checkbox':
    case 'consent': {
      const value = single(raw)
      if (typeof value === 'object') return value
      const checked = value === true || value === 'on' || value === 'true' || value === '1' || value === 'yes'
      const unchecked = value === undefined || value === false || value === '' || value === 'false' || value === '0'
      if (!checked && !unchecked) return { error: 'must be checked or not (true or false)' }
      if (required && !checked) return { error: field.type === 'consent' ? 'must be accepted' : 'must be checked' }
      return checked
    }
    case 'checkboxes': {
      const list = raw === undefined || raw === null || raw === '' ? [] : Array.isArray(raw) ? raw : [raw]
      if (!list.every((item) => typeof item === 'string')) return { error: 'must be a list of choices' }
      const chosen = list as string[]
      const options = field.options ?? []
      const unknown = chosen.find((item) => !options.includes(item))
      if (unknown !== undefined) return { error: `has a choice that is not offered: ${JSON.stringify(unknown.slice(0, 50))}` }
      if (new Set(chosen).size !== chosen.length) return { error: 'has the same choice twice' }
      if (required && chosen.length === 0) return { error: 'is required: choose at least one' }
      return chosen.length === 0 ? undefined : chosen
    }
    default:
      break
  }
  const value = single(raw)
  if (typeof value === 'object') return value
  const text = value === undefined ? '' : String(value)
  if (text.trim() === '') return required ? { error: 'is required' } : undefined
  if (typeof value === 'boolean') return { error: 'must be text' }
  if (CONTROL.test(text)) return { error: 'contains a control character' }
  switch (field.type) {
    case 'number': {
      const number = typeof value === 'number' ? value : /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN
      if (!Number.isFinite(number)) return { error: 'must be a number' }
      if (field.min !== undefined && number < field.min) return { error: `must be at least ${field.min}` }
      if (field.max !== undefined && number > field.max) return { error: `must be at most ${field.max}` }
      return number
    }
    case 'date': {
      const match = DATE.exec(text)
      const date = match ? new Date(`${text}T00:00:00Z`) : undefined
      if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) return { error: 'must be a date (YYYY-MM-DD)' }
      return text
    }
    case 'select':
    case 'radio':
      return (field.options ?? []).includes(text) ? text : { error: 'must be one of the choices offered' }
    default:
      break
  }
  // text, email, tel, url, textarea
  if (typeof value === 'number') return { error: 'must be text' }
  if (field.type !== 'textarea' && LINE_BREAK.test(text)) return { error: 'must be a single line' }
  const length = [...text].length
  if (length > maxLengthOf(field)) return { error: `must be at most ${maxLengthOf(field)} characters` }
  if (field.min_length !== undefined && length < field.min_length) return { error: `must be at least ${field.min_length} characters` }
  if (field.type === 'email' && !EMAIL.test(text)) return { error: 'must be an email address' }
  if (field.type === 'tel' && !TEL.test(text)) return { error: 'must be a telephone number' }
  if (field.type === 'url' && !isWebUrl(text)) return { error: 'must be a web address (http or https)' }
  if (field.pattern !== undefined && !compilePattern(field.pattern).matches(text)) return { error: 'is not in the expected format' }
  return text
}

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

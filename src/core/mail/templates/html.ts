import { escapeHtml } from '../../escape-html.ts'

/**
 * Escaping for mail templates. Everything interpolated into `html\`…\`` is
 * escaped unless it is already `SafeHtml` (the result of another `html\`…\``),
 * so data from users (names, form answers) can never add markup to a mail.
 */
export class SafeHtml {
  readonly value: string
  constructor(value: string) {
    this.value = value
  }
  toString() {
    return this.value
  }
}

/** A tagged template: `html\`<p>${name}</p>\`` escapes `name`; arrays are joined; null and undefined print nothing. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] as string
  values.forEach((value, i) => {
    out += toHtml(value) + strings[i + 1]
  })
  return new SafeHtml(out)
}

function toHtml(value: unknown): string {
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(toHtml).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

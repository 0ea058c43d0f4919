// Money in the shop screens (issue 13, "Products"; decision 0020): amounts travel as integer
// minor units of the site's one currency; the forms type them in major units ("12.50"), turned
// into minor units here from the digits of the text, never through a float. No imports: the
// node tests check these functions directly (test/admin-money.test.ts).

/** The site's currency: its code, the language it is written in, its minor digits (EUR 2, JPY 0, KWD 3), and a formatter. */
export type Money = { currency: string; language: string; digits: number; format: (minor: number) => string }

export function moneyOf(currency: string, language: string): Money {
  let format: Intl.NumberFormat
  try {
    format = new Intl.NumberFormat(language, { style: 'currency', currency })
  } catch {
    format = new Intl.NumberFormat('en', { style: 'currency', currency })
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  // The one division: exact for amounts up to 10^12 (the API's maximum), and Intl rounds to these same digits.
  return { currency, language, digits, format: (minor) => format.format(minor / 10 ** digits) }
}

/** The API's largest amount (products.schemas.ts Money). */
const MAX_MINOR = 1_000_000_000_000

/**
 * Major units typed by a person ("12.50", "12,5", "1 234.50", "12") → integer minor
 * units, from the digits alone: the whole part and the fraction padded to the
 * currency's `digits` are joined as one string of digits. An error message when the
 * text is not an amount of this currency (letters, a sign, more decimals than it has).
 */
export function parseMoney(text: string, digits: number): { minor: number } | { error: string } {
  const cleaned = text.trim().replace(/[\s\u00a0\u202f']/g, '')
  const example = digits === 0 ? '1250' : `12.${'5'.padEnd(digits, '0')}`
  const match = /^(\d*)(?:[.,](\d*))?$/.exec(cleaned)
  const whole = match?.[1] ?? ''
  const fraction = match?.[2] ?? ''
  if (!match || whole.length + fraction.length === 0) return { error: `Write an amount like ${example}.` }
  if (fraction.length > digits) {
    return { error: digits === 0 ? `This currency has no decimals: write ${example}.` : `At most ${digits} decimals: write ${example}.` }
  }
  const digitsText = `${whole || '0'}${fraction.padEnd(digits, '0')}`.replace(/^0+(?=\d)/, '')
  if (digitsText.length > 13) return { error: 'This amount is too large.' }
  const minor = Number(digitsText)
  if (minor > MAX_MINOR) return { error: 'This amount is too large.' }
  return { minor }
}

/** Integer minor units → the plain text a price field shows ("12.50"), from the digits (no float). */
export function minorToText(minor: number, digits: number): string {
  const text = String(minor).padStart(digits + 1, '0')
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`
}

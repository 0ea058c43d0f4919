/**
 * Money for display (issue 11, item 4; decision 0020): an amount is an integer
 * of minor units of an ISO 4217 currency (cents for EUR, yen for JPY, fils for
 * KWD). How many minor units make a major one is the currency's own fraction
 * digits as Intl knows them (2 for EUR, 0 for JPY, 3 for KWD), never assumed.
 *
 * No arithmetic is done on money here except the one division that turns minor
 * units into the number Intl.NumberFormat writes out, and that division is
 * exact to the last digit shown: amounts are at most 10^12 (products.schemas.ts
 * Money), well inside a double's 2^53, and the formatter rounds to the very
 * fraction digits the division used.
 */

const formats = new Map<string, Intl.NumberFormat>()

/**
 * The currency format of `currency` in `language`, made once per pair (building
 * an Intl.NumberFormat costs tens of microseconds; formatting with one, about
 * one). An unknown language falls back to English; the currency is the site's
 * setting, checked against Intl.supportedValuesOf('currency') when it was set.
 */
function formatOf(currency: string, language: string): Intl.NumberFormat {
  const key = `${language} ${currency}`
  let format = formats.get(key)
  if (!format) {
    try {
      format = new Intl.NumberFormat(language, { style: 'currency', currency })
    } catch {
      format = new Intl.NumberFormat('en', { style: 'currency', currency })
    }
    formats.set(key, format)
  }
  return format
}

/** How many decimal places `currency` has (EUR 2, JPY 0, KWD 3), as Intl's data gives it. */
export const fractionDigits = (currency: string): number => formatOf(currency, 'en').resolvedOptions().maximumFractionDigits ?? 2

/**
 * `amountMinor` minor units of `currency`, written out for `language`:
 * formatMoney(123456, 'EUR', 'de') → "1.234,56 €", formatMoney(1500, 'JPY', 'en')
 * → "¥1,500", formatMoney(1500, 'KWD', 'en') → "KWD 1.500". Throws a RangeError for
 * an amount that is not a safe integer (money is never a fraction of a minor unit).
 */
export function formatMoney(amountMinor: number, currency: string, language: string): string {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`an amount of money must be an integer of minor units: ${amountMinor}`)
  const format = formatOf(currency, language)
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  return format.format(amountMinor / 10 ** digits)
}

/**
 * The amount as schema.org's `price` wants it: a plain decimal string with a
 * dot and the currency's fraction digits ("1234.56", "1500", "1.500"), made
 * from the integer's digits without any floating point.
 */
export function decimalAmount(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`an amount of money must be an integer of minor units: ${amountMinor}`)
  const digits = fractionDigits(currency)
  const sign = amountMinor < 0 ? '-' : ''
  const text = String(Math.abs(amountMinor)).padStart(digits + 1, '0')
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`
}

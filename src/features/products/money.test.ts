import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decimalAmount, formatMoney, fractionDigits } from './money.ts'

// Intl writes a no-break space (U+00A0) between amount and symbol where a language wants one.
const nbsp = (text: string) => text.replace(/ /g, '\u00a0')

describe('money formatting (integer minor units → text)', () => {
  test('each currency uses its own fraction digits, as Intl knows them', () => {
    assert.equal(fractionDigits('EUR'), 2)
    assert.equal(fractionDigits('USD'), 2)
    assert.equal(fractionDigits('JPY'), 0)
    assert.equal(fractionDigits('KWD'), 3)
  })

  const cases: [number, string, string, string][] = [
    [123456, 'EUR', 'de', nbsp('1.234,56 €')],
    [1999, 'USD', 'en', '$19.99'],
    [1999, 'EUR', 'en', '€19.99'],
    [1500, 'JPY', 'en', '¥1,500'],
    [1500, 'JPY', 'ja', '￥1,500'],
    [1500, 'KWD', 'en', nbsp('KWD 1.500')],
    [0, 'EUR', 'de', nbsp('0,00 €')],
    [1, 'USD', 'en', '$0.01'],
    // The largest amount the API takes (10^12 minor units) is still exact to the cent.
    [1_000_000_000_001, 'EUR', 'en', '€10,000,000,000.01'],
    [999_999_999_999, 'USD', 'en', '$9,999,999,999.99'],
  ]
  for (const [amount, currency, language, expected] of cases)
    test(`${amount} ${currency} in ${language} is ${expected}`, () => assert.equal(formatMoney(amount, currency, language), expected))

  test('an unknown language falls back to English, with the same currency', () => {
    assert.equal(formatMoney(1999, 'EUR', 'not a language!'), '€19.99')
  })

  test('an amount that is not an integer of minor units is refused, never rounded', () => {
    for (const bad of [19.99, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      assert.throws(() => formatMoney(bad, 'EUR', 'en'), RangeError)
      assert.throws(() => decimalAmount(bad, 'EUR'), RangeError)
    }
  })

  test('decimalAmount writes the digits with a dot and no floating point (schema.org price)', () => {
    assert.equal(decimalAmount(123456, 'EUR'), '1234.56')
    assert.equal(decimalAmount(5, 'EUR'), '0.05')
    assert.equal(decimalAmount(0, 'EUR'), '0.00')
    assert.equal(decimalAmount(1500, 'JPY'), '1500')
    assert.equal(decimalAmount(1500, 'KWD'), '1.500')
    assert.equal(decimalAmount(7, 'KWD'), '0.007')
    assert.equal(decimalAmount(999_999_999_999, 'USD'), '9999999999.99')
  })
})

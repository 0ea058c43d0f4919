// The admin's money helpers (admin/screens/products/money.ts; issue 13, "Products"): a price
// typed in major units becomes integer minor units from its digits, never through a float
// (0.07 stays 7, 1.15 stays 115, 1e12 stays exact), with the currency's own minor digits
// from Intl (EUR 2, JPY 0, KWD 3); anything else is a message for the field.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { minorToText, moneyOf, parseMoney } from '../admin/screens/products/money.ts'

test('the currency minor digits come from Intl: EUR 2, JPY 0, KWD 3', () => {
  assert.deepEqual(
    ['EUR', 'JPY', 'KWD'].map((currency) => moneyOf(currency, 'en').digits),
    [2, 0, 3],
  )
  assert.equal(moneyOf('EUR', 'en').format(1250), '€12.50')
  assert.equal(moneyOf('JPY', 'en').format(1500), '¥1,500')
  assert.equal(moneyOf('EUR', 'de').format(123456).replace(/\s/g, ' '), '1.234,56 €')
  // An unknown language falls back to English rather than failing the screen.
  assert.equal(moneyOf('EUR', 'xx-invalid-tag-!').format(5), '€0.05')
})

test('a typed price becomes integer minor units from its digits', () => {
  const cases: [string, number, number][] = [
    ['12.50', 2, 1250],
    ['12.5', 2, 1250],
    ['12', 2, 1200],
    ['12,5', 2, 1250],
    [' 1 234.56 ', 2, 123456],
    ['0.07', 2, 7],
    ['1.15', 2, 115],
    ['0.29', 2, 29],
    ['.5', 2, 50],
    ['12.', 2, 1200],
    ['0', 2, 0],
    ['0012.30', 2, 1230],
    ['1250', 0, 1250],
    ['1.234', 3, 1234],
    ['10000000000', 2, 1_000_000_000_000],
  ]
  for (const [text, digits, minor] of cases) assert.deepEqual(parseMoney(text, digits), { minor }, `${text} with ${digits} digits`)
})

test('what is not an amount of the currency is a message for its field, never a number', () => {
  const cases: [string, number, RegExp][] = [
    ['12.345', 2, /At most 2 decimals: write 12\.50/],
    ['12.5', 0, /no decimals: write 1250/],
    ['1.2345', 3, /At most 3 decimals: write 12\.500/],
    ['abc', 2, /Write an amount like 12\.50/],
    ['', 2, /Write an amount like/],
    ['-1', 2, /Write an amount like/],
    ['1e3', 2, /Write an amount like/],
    ['1.2.3', 2, /Write an amount like/],
    ['12 €', 2, /Write an amount like/],
    ['.', 2, /Write an amount like/],
    ['0x10', 2, /Write an amount like/],
    ['10000000000.01', 2, /too large/],
    ['99999999999999999999', 2, /too large/],
  ]
  for (const [text, digits, message] of cases) {
    const result = parseMoney(text, digits)
    assert.ok('error' in result, `${text} is refused`)
    assert.match(result.error, message, text)
  }
})

test('minor units read back as the text a price field shows', () => {
  assert.deepEqual(
    [
      minorToText(1250, 2),
      minorToText(7, 2),
      minorToText(0, 2),
      minorToText(1500, 0),
      minorToText(1234, 3),
      minorToText(1_000_000_000_000, 2),
    ],
    ['12.50', '0.07', '0.00', '1500', '1.234', '10000000000.00'],
  )
  for (const minor of [0, 1, 9, 10, 99, 100, 1234567, 999_999_999_999]) {
    for (const digits of [0, 2, 3]) assert.deepEqual(parseMoney(minorToText(minor, digits), digits), { minor })
  }
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { srcsetOf } from '../media/media.service.ts'
import { displayDate } from './site.views.ts'

test('srcsetOf: one source per format, AVIF then WebP then the original formats, widths ascending, whatever the order given', () => {
  const v = (format: 'avif' | 'webp' | 'jpg' | 'png', width: number) => ({ format, width, sha256: `${format}${width}` })
  const given = [v('jpg', 800), v('webp', 1600), v('avif', 400), v('jpg', 400), v('webp', 400), v('avif', 1600), v('webp', 800)]
  assert.deepEqual(srcsetOf(given), [
    { type: 'image/avif', srcset: '/media/avif400.avif 400w, /media/avif1600.avif 1600w' },
    { type: 'image/webp', srcset: '/media/webp400.webp 400w, /media/webp800.webp 800w, /media/webp1600.webp 1600w' },
    { type: 'image/jpeg', srcset: '/media/jpg400.jpg 400w, /media/jpg800.jpg 800w' },
  ])
  assert.deepEqual(srcsetOf([v('png', 200)]), [{ type: 'image/png', srcset: '/media/png200.png 200w' }])
  assert.deepEqual(srcsetOf([]), [])
  assert.equal(given[0]?.format, 'jpg', 'the rows given are not reordered')
})

test('displayDate writes the UTC day in the site language, the same for any time of that day, and falls back to English', () => {
  assert.equal(displayDate(new Date('2026-11-24T00:00:00Z'), 'en'), 'November 24, 2026')
  assert.equal(displayDate(new Date('2026-11-24T23:59:59.999Z'), 'en'), 'November 24, 2026')
  assert.equal(displayDate(new Date('2026-11-25T00:00:00Z'), 'en'), 'November 25, 2026')
  assert.equal(displayDate(new Date('2026-11-24T12:00:00Z'), 'de'), '24. November 2026')
  assert.equal(displayDate(new Date('2026-11-24T12:00:00Z'), 'en'), 'November 24, 2026', 'each language its own words')
  assert.equal(displayDate(new Date('1969-12-31T23:00:00Z'), 'en'), 'December 31, 1969')
  assert.equal(displayDate(new Date('2026-11-24T12:00:00Z'), 'not a language!'), 'November 24, 2026')
})

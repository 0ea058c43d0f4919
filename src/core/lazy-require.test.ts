import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { lazyRequire } from './lazy-require.ts'

test('lazyRequire gives the package require() gives, the same object at every call', () => {
  const re2js = lazyRequire<typeof import('re2js')>('re2js')
  const first = re2js()
  assert.equal(first, createRequire(import.meta.url)('re2js'))
  assert.equal(re2js(), first)
  assert.equal(first.RE2JS.compile('^a+$').matches('aaa'), true)
})

test('lazyRequire of a package that is not installed throws at the call, and again at the next one', () => {
  const missing = lazyRequire('plinth-no-such-package')
  assert.throws(() => missing(), { code: 'MODULE_NOT_FOUND' })
  assert.throws(() => missing(), { code: 'MODULE_NOT_FOUND' })
})

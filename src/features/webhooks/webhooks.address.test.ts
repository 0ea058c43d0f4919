import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkedLookup, RefusedAddressError, refusedAddressReason, refusedLiteralHost } from './webhooks.address.ts'

describe('the address classifier', () => {
  const refused = [
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '0.0.0.0',
    '::',
    '169.254.169.254',
    '169.254.1.1',
    'fe80::1',
    'fe80::1%eth0',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    'fd00::1',
    'fd00:ec2::254',
    'fc00::5',
    '100.64.0.1',
    '100.127.255.254',
    '224.0.0.1',
    'ff02::1',
    '255.255.255.255',
    '192.0.2.10',
    '64:ff9b::7f00:1',
    '64:ff9b::a00:1',
    '64:ff9b:1::1',
    '2002:7f00:1::',
    '2001::1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
  ]
  for (const address of refused) {
    test(`refuses ${address}`, () => {
      assert.equal(typeof refusedAddressReason(address), 'string')
    })
  }

  for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '100.128.0.1']) {
    test(`allows the public address ${address}`, () => {
      assert.equal(refusedAddressReason(address), undefined)
    })
  }

  test('a mapped address names the IPv4 it carries', () => {
    assert.match(refusedAddressReason('::ffff:7f00:1') ?? '', /carries 127\.0\.0\.1/)
  })

  test('literal hosts are checked, names are left to the lookup', () => {
    assert.equal(typeof refusedLiteralHost('127.0.0.1'), 'string')
    assert.equal(typeof refusedLiteralHost('[::ffff:127.0.0.1]'), 'string')
    assert.equal(refusedLiteralHost('localhost'), undefined)
    assert.equal(refusedLiteralHost('hooks.example.com'), undefined)
  })
})

describe('the lookup used when connecting', () => {
  const lookup = (host: string, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) => {
      checkedLookup(host, { all }, (error, address) => resolve({ error, address }))
    })

  test('a name that resolves to loopback (localhost) is refused, with and without `all`', async () => {
    for (const all of [false, true]) {
      const { error } = await lookup('localhost', all)
      assert.ok(error instanceof RefusedAddressError, `refused (all: ${all})`)
      assert.match(error.message, /localhost resolves to (127\.0\.0\.1|::1)/)
    }
  })

  test('a literal loopback address passed to the lookup is refused too', async () => {
    const { error } = await lookup('127.0.0.1', false)
    assert.ok(error instanceof RefusedAddressError)
  })
})

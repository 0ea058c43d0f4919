import dns from 'node:dns'
import type { LookupFunction } from 'node:net'
import net from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Which addresses a webhook may connect to (issue 12, item 6; decision 0022):
 * public unicast only. Refused: loopback, private (RFC 1918, fc00::/7), link-local
 * (169.254/16 with the cloud metadata address, fe80::/10), CGNAT (100.64/10),
 * unspecified, broadcast, multicast, reserved and documentation ranges, and the
 * IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:0:0/96, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) when the address they carry is refused; other
 * translation forms (Teredo, the local-use NAT64 64:ff9b:1::/48) are refused.
 */
export function refusedAddressReason(address: string): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''))
  } catch {
    return 'is not an IP address'
  }
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6
    const embedded = embeddedIpv4(v6)
    if (embedded) {
      const reason = refusedAddressReason(embedded.toString())
      return reason === undefined ? undefined : `carries ${embedded.toString()}, which ${reason}`
    }
  }
  const range = parsed.range()
  return range === 'unicast' ? undefined : `is not a public address (${range})`
}

const NAT64 = ipaddr.parseCIDR('64:ff9b::/96')
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16')

/** The IPv4 address an IPv4-mapped, NAT64 (well-known prefix) or 6to4 address carries. */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (address.isIPv4MappedAddress()) return address.toIPv4Address()
  const bytes = address.toByteArray()
  if (address.match(NAT64)) return new ipaddr.IPv4(bytes.slice(12, 16))
  if (address.match(SIX_TO_FOUR)) return new ipaddr.IPv4(bytes.slice(2, 6))
  return undefined
}

/** A connection refused by the address check: the delivery attempt is recorded as `refused`. */
export class RefusedAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_REFUSED'
  constructor(host: string, address: string, reason: string) {
    super(`${host} resolves to ${address}, which ${reason}; private addresses need the setting webhooks_allow_private`)
    this.name = 'RefusedAddressError'
  }
}

/**
 * Why a literal IP host (`127.0.0.1`, `[::1]`) is refused; undefined for a name or
 * an allowed address. Node connects to a literal IP without calling `lookup`, so
 * the sender checks those before it connects.
 */
export function refusedLiteralHost(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '')
  return net.isIP(host) === 0 ? undefined : refusedAddressReason(host)
}

/**
 * A `lookup` for http(s).request that resolves as usual and then refuses every
 * answer unless all the addresses it returns are allowed: the check happens when
 * the connection is made, on the address connected to, so a name that resolved to
 * a public address when the webhook was saved and to 127.0.0.1 now (DNS
 * rebinding) is still refused.
 */
export const checkedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0)
    const list = addresses as dns.LookupAddress[]
    for (const { address } of list) {
      const reason = refusedAddressReason(address)
      if (reason !== undefined) return callback(new RefusedAddressError(hostname, address, reason), '', 0)
    }
    if (options.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, list)
    const first = list[0]
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0)
    callback(null, first.address, first.family)
  })
}

/**
 * The security headers helmet gives the site's answers (app.ts, securityHeaders),
 * written out once (issue 9, item 8), for the answers that do without helmet:
 * the early server's (it loads before any library) and the probes' (/healthz is
 * called all day: a fixed object costs ~1 µs where helmet's twelve hooks cost ~10;
 * bench, 2026-12-01). hardening.test.ts compares them with helmet's, over http and https.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';object-src 'none';frame-ancestors 'none';form-action 'self';img-src 'self' data:;script-src 'self';style-src 'self'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
}

/** The same, for a site served at `publicUrl`: over https also HSTS and upgrade-insecure-requests, as helmet adds them. */
export function securityHeadersFor(publicUrl: string): Readonly<Record<string, string>> {
  if (!publicUrl.startsWith('https:')) return SECURITY_HEADERS
  return Object.freeze({
    ...SECURITY_HEADERS,
    'content-security-policy': `${SECURITY_HEADERS['content-security-policy']};upgrade-insecure-requests`,
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
  })
}

/**
 * The product catalog's scenarios (issue 11): `plinth seed products --count
 * 100000` on the app's data before its second start, then what the scenarios'
 * paths and headers name: a product in stock (its stock raised so that the
 * decrement scenario never runs out), its slug, and an administrator's session
 * for the stock write.
 */

import { firstAdmin } from './admin.ts'
import type { Kind } from './context.ts'
import { results, root } from './context.ts'
import { childEnv, request } from './http.ts'
import { startChild } from './proc.ts'
import { indent } from './report.ts'
import type { App } from './startup.ts'

export const PRODUCT_COUNT = 100_000

/** `plinth seed products --count 100000`, timed; a failure is a problem and the product scenarios are skipped. */
export async function seedProducts(kind: Kind, env: Record<string, string>) {
  const child = startChild('seed-products', [process.execPath, 'src/cli.ts', 'seed', 'products', '--count', String(PRODUCT_COUNT)], {
    cwd: root,
    env: childEnv(env),
  })
  const exit = await child.exited
  const ms = performance.now() - child.startedAt
  const line = child
    .output()
    .split('\n')
    .find((l) => l.startsWith('added '))
  if (exit.code !== 0 || line === undefined) {
    results.problems.push(`${kind}: plinth seed products failed (${JSON.stringify(exit)}):\n${indent(child.output().slice(-2000))}`)
    process.exitCode = 1
    return { ok: false, ms, what: '' }
  }
  return { ok: true, ms, what: line }
}

/** The values `{product_id}`, `{product_slug}`, `{cookie}` and `{csrf}` in the product scenarios' paths and headers. */
export async function productTargets(app: App): Promise<Record<string, string> | undefined> {
  const list = await request(`${app.base}/api/v1/products?in_stock=true&limit=1&sort=price`)
  const product =
    list.status === 200 ? (JSON.parse(list.body.toString('utf8')) as { data: { id: number; slug: string }[] }).data[0] : undefined
  if (!product) return undefined
  const admin = await firstAdmin(app)
  const login = await request(`${app.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(admin),
  })
  const cookie = String(login.headers['set-cookie'] ?? '').split(';')[0] ?? ''
  const csrf = await request(`${app.base}/api/v1/auth/csrf`, { headers: { cookie } })
  const token = (JSON.parse(csrf.body.toString('utf8')) as { token: string }).token
  const headers = { cookie, 'x-csrf-token': token, 'content-type': 'application/json' }
  const raised = await request(`${app.base}/api/v1/products/${product.id}`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({ stock: 2_000_000_000 }),
  })
  if (raised.status !== 200) throw new Error(`raising the stock answered ${raised.status}: ${raised.body.toString('utf8').slice(0, 300)}`)
  return { product_id: String(product.id), product_slug: product.slug, cookie, csrf: token }
}

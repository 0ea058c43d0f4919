import { randomBytes } from 'node:crypto'
import type { TestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'

/** Test helpers of the product tests (shared by the files of this folder only). */

export type Headers = Record<string, string>

/** A signed-in user of `role` with the headers a cookie-authenticated write needs. */
export async function signedIn(testApp: TestApp, role: Role): Promise<Headers> {
  const user = await createUser(testApp.database.db, { role, verified: true })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { cookie, 'x-csrf-token': csrf }
}

export const call = (testApp: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Headers = {}, payload?: object) =>
  testApp.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

/** A unique suffix, so that tests sharing the file's database never collide on SKUs, slugs or attribute names. */
export const unique = () => randomBytes(4).toString('hex')

/** Creates a product through the API as `editor`; fails the test on anything but 201. */
export async function makeProduct(testApp: TestApp, editor: Headers, body: Record<string, unknown>) {
  const id = unique()
  const response = await call(testApp, 'POST', '/api/v1/products', editor, {
    sku: `SKU-${id}`,
    name: `Product ${id}`,
    price_minor: 1000,
    ...body,
  })
  if (response.statusCode !== 201) throw new Error(`create product: ${response.statusCode} ${response.body}`)
  return response.json() as { id: number; slug: string; sku: string; [key: string]: unknown }
}

export async function makeCategory(testApp: TestApp, editor: Headers, body: Record<string, unknown> = {}) {
  const id = unique()
  const response = await call(testApp, 'POST', '/api/v1/product-categories', editor, { name: `Category ${id}`, ...body })
  if (response.statusCode !== 201) throw new Error(`create category: ${response.statusCode} ${response.body}`)
  return response.json() as { id: number; slug: string; parent_id: number | null; name: string }
}

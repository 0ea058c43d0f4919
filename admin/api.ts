// The admin's one way to the server: the generated typed client of the documented
// /api/v1 API (clients/typescript, decision 0018), in cookie mode on this origin.
// The client itself sends the session's CSRF token on every write. This module adds:
// - `authentication_required` (the session ended, expired or was revoked) on any call
//   sends the browser to /admin/sign-in?next=<this screen>, which comes back after signing in;
// - `problemOf(error)`: a problem+json answer as a message and errors per field, for forms.
import { createPlinthClient, type Problem, type Schemas } from '../clients/typescript/index.ts'

export type { Problem, Schemas }
export type User = Schemas['User']
export type Role = User['role']

export const api = createPlinthClient({ baseUrl: location.origin, credentials: 'same-origin' })

/** The sign-in screen's path, with where to go after signing in. */
export const signInPath = (next: string) =>
  next && next !== '/admin/sign-in' ? `/admin/sign-in?next=${encodeURIComponent(next)}` : '/admin/sign-in'

/** Called when a call answers `authentication_required`: the app's router sends the user to sign in (app/session.tsx). */
let onSignedOut: (next: string) => void = (next) => location.assign(signInPath(next))
export function whenSignedOut(handler: (next: string) => void) {
  onSignedOut = handler
}

api.use({
  async onResponse({ response }) {
    if (response.status !== 401) return undefined
    const body = (await response
      .clone()
      .json()
      .catch(() => undefined)) as Partial<Problem> | undefined
    if (body?.code === 'authentication_required') onSignedOut(location.pathname + location.search)
    return undefined
  },
})

/** What a form shows for a failed call: one message, and a message per field the API names (`errors[].field`, dotted when nested). */
export type FormProblem = { message: string; fields: Record<string, string>; code?: string }

/** A problem+json answer (or a network failure) as a FormProblem. */
export function problemOf(error: unknown): FormProblem {
  if (typeof error === 'object' && error !== null && 'title' in error) {
    const problem = error as Problem
    const fields: Record<string, string> = {}
    // `field` is the body property, dotted for a nested one (`fields.0.label`).
    for (const item of problem.errors ?? []) fields[item.field] ??= item.message
    return { message: problem.detail ?? problem.title, fields, code: problem.code }
  }
  if (error instanceof Error) return { message: `The server could not be reached (${error.message}). Try again.`, fields: {} }
  return { message: 'Something went wrong. Try again.', fields: {} }
}

/**
 * Runs a typed-client call and answers its data, or throws a FormProblem: for
 * screens that show an error the same way whatever the call.
 */
export async function load<Data>(call: Promise<{ data?: Data; error?: unknown }>): Promise<Data> {
  let result: { data?: Data; error?: unknown }
  try {
    result = await call
  } catch (error) {
    throw problemOf(error)
  }
  if (result.error !== undefined) throw problemOf(result.error)
  return result.data as Data
}

export const RANK: Record<Role, number> = { member: 0, author: 1, editor: 2, admin: 3 }
/** Whether `role` has at least the rights of `atLeast` (the server's rule, src/features/users/roles.ts). */
export const hasRole = (role: Role | undefined, atLeast: Role) => role !== undefined && RANK[role] >= RANK[atLeast]

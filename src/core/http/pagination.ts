import { Type } from 'typebox'
import { invalid } from './errors.ts'

/** `limit` and `cursor` for every list (issue: cursor pagination, `next_cursor`). */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}

/** Keyset cursors: the last row's id, opaque to clients (base64url JSON). */
export const encodeCursor = (id: number) => Buffer.from(JSON.stringify({ id })).toString('base64url')

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined
  try {
    const { id } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { id: unknown }
    if (Number.isSafeInteger(id) && (id as number) > 0) return id as number
  } catch {}
  throw invalid([{ field: 'cursor', in: 'querystring', message: 'is not a cursor from this list' }])
}

/** Rows fetched with limit + 1 → the page and the cursor of the next one. */
export function toPage<T extends { id: number }, O>(rows: T[], limit: number, present: (row: T) => O) {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { data: page.map(present), next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null }
}

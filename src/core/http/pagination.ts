import type { RawBuilder } from 'kysely'
import { sql } from '#core/db/database.ts'
import { invalid } from './errors.ts'

// The query schema of a list (`limit`, `cursor`) is PageQuery (TotalQuery for `include_total`), and a page's response schema Page(item), in schemas.ts.

/**
 * Keyset pagination for every list (issue 8, decision 0013). A list is ordered
 * by one sort key and then by id, both in the same direction, so every row has
 * one place and ties on the key are broken by id. A cursor is the position of
 * a page's last row: the sort's name, the row's key and its id, as base64url
 * JSON (`["newest","2026-11-30T10:00:00.123456Z",42]`), opaque to clients. The
 * next page is the rows after it, `(key, id) < ($key, $id)` (`>` ascending), so
 * rows written or deleted between two requests neither repeat nor hide the rows
 * that were there: a keyset has no offsets to shift.
 *
 * Supported: one key column (or an expression) plus id, one direction for both,
 * key types timestamptz, text and bigint. The key must be NOT NULL for every row
 * the list can show, or the row comparison (NULL) would drop rows from later
 * pages; a nullable column is listed through `coalesce` or only where a rule
 * makes it non-null (content.queries.ts). Mixed directions (name asc, id desc)
 * are not supported: a row comparison takes one direction, and one index serves
 * both directions of the same order.
 */
export type SortKeyType = 'timestamptz' | 'text' | 'bigint'

/** What a cursor carries and is checked against: the sort's name, its direction, the type of its key (null: by id alone). */
export type Sort = { readonly name: string; readonly direction: 'asc' | 'desc'; readonly key: SortKeyType | null }

/** The position of a page's last row; the next page starts after it. */
export type Cursor = { key: string | number | null; id: number }

/** A row of a keyset list: its id and `cursor_key`, the column that `keyset(…).cursorKey` adds to the select list. */
export type KeysetRow = { id: number; cursor_key?: string | number | null }

// A timestamp key as keyset(…).cursorKey prints it: UTC, microseconds (a JS Date
// has only milliseconds, and a key that lost digits would skip or repeat rows).
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})\d{3}Z$/
const MAX_TEXT_KEY = 500

const cursorError = (message: string) => invalid([{ field: 'cursor', in: 'querystring', message }])

/** The values of a cursor made by `encodeValues` for the list named `name`. */
const encodeValues = (name: string, values: (string | number)[]) => Buffer.from(JSON.stringify([name, ...values])).toString('base64url')

/**
 * The values of a cursor of the list named `name`; throws a 400 naming `cursor`
 * for anything else (not base64url JSON, another list's or sort's cursor, a
 * different number of values).
 */
function decodeValues(name: string, cursor: string, count: number): unknown[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {}
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string') throw cursorError('is not a cursor from this list')
  if (parsed[0] !== name) throw cursorError(`is from a list sorted otherwise (${parsed[0].slice(0, 40)}); start again without it`)
  if (parsed.length !== count + 1) throw cursorError('is not a cursor from this list')
  return parsed.slice(1)
}

function checkKey(type: SortKeyType, key: unknown): string | number {
  if (type === 'bigint') {
    if (Number.isSafeInteger(key)) return key as number
  } else if (typeof key === 'string') {
    if (type === 'text' && key.length <= MAX_TEXT_KEY && !key.includes('\u0000')) return key
    // Checked to the day, so that PostgreSQL never sees a timestamp it cannot read (a 500).
    const ms = type === 'timestamptz' ? TIMESTAMP.exec(key)?.[1] : undefined
    if (ms !== undefined && !Number.isNaN(Date.parse(`${ms}Z`)) && new Date(`${ms}Z`).toISOString() === `${ms}Z`) return key
  }
  throw cursorError('is not a cursor from this list')
}

/** The cursor after `row` in a list sorted by `sort`. */
export function encodeCursor(sort: Sort, row: KeysetRow): string {
  if (sort.key === null) return encodeValues(sort.name, [row.id])
  if (row.cursor_key === undefined || row.cursor_key === null)
    throw new Error(`list sorted by ${sort.name}: row ${row.id} has no cursor_key`)
  return encodeValues(sort.name, [row.cursor_key, row.id])
}

/** The position in `cursor`, for a list sorted by `sort`; undefined without one. Throws a 400 naming `cursor` when it is not one of this list's. */
export function decodeCursor(sort: Sort, cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined) return undefined
  const values = decodeValues(sort.name, cursor, sort.key === null ? 1 : 2)
  const id = values.at(-1)
  if (!Number.isSafeInteger(id) || (id as number) < 1) throw cursorError('is not a cursor from this list')
  return { key: sort.key === null ? null : checkKey(sort.key, values[0]), id: id as number }
}

const CASTS: Record<SortKeyType, RawBuilder<unknown>> = {
  timestamptz: sql.raw('timestamptz'),
  text: sql.raw('text'),
  bigint: sql.raw('bigint'),
}

/**
 * The SQL of a keyset list sorted by `sort`, whose key is the expression `key`
 * (leave it out for a sort by id alone) and whose id is `id`:
 * - `after`: the condition for the rows after `cursor` (`true` without one);
 * - `orderBy`: `key desc, id desc` (or asc);
 * - `cursorKey`: a select-list column `cursor_key` that `toPage` makes the next cursor from.
 * The key must be NOT NULL for every row the statement can return (see above).
 */
export function keyset(sort: Sort, columns: { key?: RawBuilder<unknown>; id: RawBuilder<unknown> }, cursor: Cursor | undefined) {
  const direction = sql.raw(sort.direction)
  const op = sql.raw(sort.direction === 'desc' ? '<' : '>')
  const { key, id } = columns
  if ((sort.key === null) !== (key === undefined)) throw new Error(`sort ${sort.name}: key expression and key type disagree`)
  if (sort.key === null || key === undefined) {
    return {
      after: cursor === undefined ? sql`true` : sql`${id} ${op} ${cursor.id}`,
      orderBy: sql`${id} ${direction}`,
      cursorKey: sql`null as cursor_key`,
    }
  }
  return {
    // A row comparison: PostgreSQL reads it as a range of a (key, id) index. The key
    // goes as text and is cast in SQL: a parameter typed timestamptz would pass through
    // postgres.js's Date serializer, which keeps only milliseconds.
    after:
      cursor === undefined ? sql`true` : sql`(${key}, ${id}) ${op} (${String(cursor.key)}::text::${CASTS[sort.key]}, ${cursor.id}::bigint)`,
    orderBy: sql`${key} ${direction}, ${id} ${direction}`,
    cursorKey:
      sort.key === 'timestamptz'
        ? sql`to_char(${key} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_key`
        : sql`${key} as cursor_key`,
  }
}

/**
 * Rows fetched with limit + 1 → the page and the cursor of the next one (null
 * on the last page), and `total` when the caller counted (`?include_total=true`,
 * TotalQuery in schemas.ts): the count of the filtered list, whatever the cursor.
 */
export function toPage<T extends KeysetRow, O>(rows: T[], limit: number, present: (row: T) => O, sort: Sort, total?: number) {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  const next_cursor = rows.length > limit && last ? encodeCursor(sort, last) : null
  return total === undefined ? { data: page.map(present), next_cursor } : { data: page.map(present), next_cursor, total }
}

/**
 * Offset cursors, for lists with no stable key to continue after (search, ranked
 * by relevance): the same opaque format and checks, carrying the offset of the
 * next page. Rows written between two pages may shift it by a row.
 */
export const encodeOffsetCursor = (name: string, offset: number) => encodeValues(name, [offset])

/** The offset in `cursor` (0 without one); a 400 naming `cursor` when it is not one of this list's. */
export function decodeOffsetCursor(name: string, cursor: string | undefined): number {
  if (cursor === undefined) return 0
  const [offset] = decodeValues(name, cursor, 1)
  if (!Number.isSafeInteger(offset) || (offset as number) < 1) throw cursorError('is not a cursor from this list')
  return offset as number
}

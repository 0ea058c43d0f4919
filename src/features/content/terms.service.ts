import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflictOnUnique, notFound } from '#core/http/errors.ts'
import type { Cursor } from '#core/http/pagination.ts'
import type { FieldError } from '#core/http/schemas.ts'
import { slugify, slugOrRandom } from './markdown.ts'
import {
  countTerms,
  deleteTerm,
  existingTermIds,
  findTermsByNameOrSlug,
  insertTerm,
  insertTermsIfMissing,
  listTerms,
  type TermKind,
  type TermRow,
  type TermSort,
} from './terms.queries.ts'

/** A page of terms, and their count when `withTotal` (the two statements run side by side). */
export async function listTermPage(db: Db, kind: TermKind, options: { limit: number; sort: TermSort; after?: Cursor; withTotal: boolean }) {
  const [rows, total] = await Promise.all([listTerms(db, kind, options), options.withTotal ? countTerms(db, kind) : undefined])
  return { rows, total }
}

/** A tag or category; the slug comes from the name unless given. 23505 → 409 naming `slug`. */
export async function createTerm(db: Db, kind: TermKind, input: { name: string; slug?: string }): Promise<TermRow> {
  const slug = input.slug ?? slugOrRandom(input.name, 100)
  return conflictOnUnique('slug', 'This slug is taken.', () =>
    db.transaction().execute(async (trx) => {
      const term = await insertTerm(trx, kind, { name: input.name.trim(), slug })
      await recordChanges(trx, termTags(kind, term.id))
      return term
    }),
  )
}

/** Deleting a term takes it off its posts (cards, pages and the feed declare its tag) and out of the sitemap. */
export function deleteTermById(db: Db, kind: TermKind, id: number): Promise<void> {
  return db.transaction().execute(async (trx) => {
    if (!(await deleteTerm(trx, kind, id))) throw notFound(kind === 'tags' ? 'tag' : 'category', id)
    await recordChanges(trx, termTags(kind, id))
  })
}

export const termTags = (kind: TermKind, id: number) =>
  kind === 'tags' ? [tags.tag(id), tags.list('tags')] : [tags.category(id), tags.list('categories')]

/** A term as a post's write names it (issue 10, item 5): by id, or by name (found, or created by editors). */
export type TermInput = { id?: number; name?: string }

/** What a write's terms need: the lookups done, the field errors found, the names to create. */
export type TermPlan = {
  kind: TermKind
  inputs: TermInput[]
  found: Map<string, number>
  missing: Map<string, string>
  errors: FieldError[]
}

/**
 * Looks up the terms `inputs` name, for a post's write, in its transaction;
 * writes nothing. `{id}` must exist. `{name}` is the term with that name
 * (trimmed), or else the one whose slug the name would get (so "postgres" finds
 * "Postgres"); otherwise editors and admins (`mayCreate`) will create it, and
 * authors get a field error: they use the vocabulary, editors keep it
 * (decision 0019). Every unknown id and name gets its error (`tags.2.name`).
 */
export async function planTerms(db: Db, kind: TermKind, field: string, inputs: TermInput[], mayCreate: boolean): Promise<TermPlan> {
  const byId = inputs.flatMap((input) => (input.id === undefined ? [] : [input.id]))
  const known = new Set(byId.length > 0 ? await existingTermIds(db, kind, byId) : [])
  const named = inputs.flatMap((input) => (input.name === undefined ? [] : [input.name.trim()]))
  const slugs = new Map(named.map((name) => [name, slugify(name, 100)]))
  const matches = named.length > 0 ? await findTermsByNameOrSlug(db, kind, named, [...slugs.values()].filter(Boolean)) : []
  const found = new Map<string, number>()
  const missing = new Map<string, string>()
  const errors: FieldError[] = []
  inputs.forEach((input, index) => {
    if (input.id !== undefined && !known.has(input.id)) {
      errors.push({ field: `${field}.${index}.id`, in: 'body', message: `is not a known ${noun(kind)}: ${input.id}` })
    }
    const name = input.name?.trim()
    if (name === undefined || found.has(name) || missing.has(name)) return
    const slug = slugs.get(name) ?? ''
    const match = matches.find((term) => term.name === name) ?? matches.find((term) => slug !== '' && term.slug === slug)
    if (match !== undefined) found.set(name, match.id)
    else if (mayCreate) missing.set(name, slug || slugOrRandom(name, 100))
    else
      errors.push({
        field: `${field}.${index}.name`,
        in: 'body',
        message: `is not an existing ${noun(kind)}; only editors create new ones`,
      })
  })
  return { kind, inputs, found, missing, errors }
}

/**
 * Creates the plan's missing terms and gives the ids of all its terms, in
 * order, without repeats, and the ids it created (whose change tags the caller
 * records). A term created at the same moment by another write is found, not
 * duplicated (insert … on conflict do nothing, then read).
 */
export async function applyTermPlan(db: Db, plan: TermPlan): Promise<{ ids: number[]; created: number[] }> {
  const toCreate = [...plan.missing].map(([name, slug]) => ({ name, slug }))
  const created = toCreate.length > 0 ? await insertTermsIfMissing(db, plan.kind, toCreate) : []
  // A slug taken by another write since the lookup (or two new names with one slug): read what is there now.
  const raced = toCreate.filter((term) => !created.some((row) => row.slug === term.slug))
  const now =
    raced.length > 0
      ? await findTermsByNameOrSlug(
          db,
          plan.kind,
          [],
          raced.map((term) => term.slug),
        )
      : []
  const bySlug = new Map([...now, ...created].map((row) => [row.slug, row.id]))
  const ids = plan.inputs.map((input) => {
    if (input.id !== undefined) return input.id
    const name = (input.name as string).trim()
    const id = plan.found.get(name) ?? bySlug.get(plan.missing.get(name) ?? '')
    if (id === undefined) throw new Error(`${noun(plan.kind)} ${name} was neither found nor created`)
    return id
  })
  return { ids: [...new Set(ids)], created: created.map((row) => row.id) }
}

const noun = (kind: TermKind) => (kind === 'tags' ? 'tag' : 'category')

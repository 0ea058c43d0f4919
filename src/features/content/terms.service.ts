import type { Db } from '#core/db/database.ts'
import { conflictOnUnique, invalid, notFound } from '#core/http/errors.ts'
import { slugify } from './markdown.ts'
import { deleteTerm, insertTerm, listTerms, type TermKind, type TermRow } from './terms.queries.ts'

export const listTermPage = (db: Db, kind: TermKind, options: { limit: number; afterId?: number }) => listTerms(db, kind, options)

/** A tag or category; the slug comes from the name unless given. 23505 → 409 naming `slug`. */
export async function createTerm(db: Db, kind: TermKind, input: { name: string; slug?: string }): Promise<TermRow> {
  const slug = input.slug ?? slugify(input.name, 100)
  if (slug === '') throw invalid([{ field: 'slug', in: 'body', message: 'cannot be made from this name; give one' }])
  return conflictOnUnique('slug', 'This slug is taken.', () => insertTerm(db, kind, { name: input.name.trim(), slug }))
}

export async function deleteTermById(db: Db, kind: TermKind, id: number): Promise<void> {
  if (!(await deleteTerm(db, kind, id))) throw notFound(kind === 'tags' ? 'tag' : 'category', id)
}

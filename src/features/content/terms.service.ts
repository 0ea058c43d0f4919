import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflictOnUnique, notFound } from '#core/http/errors.ts'
import type { Cursor } from '#core/http/pagination.ts'
import { slugOrRandom } from './markdown.ts'
import { deleteTerm, insertTerm, listTerms, type TermKind, type TermRow, type TermSort } from './terms.queries.ts'

export const listTermPage = (db: Db, kind: TermKind, options: { limit: number; sort: TermSort; after?: Cursor }) =>
  listTerms(db, kind, options)

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

const termTags = (kind: TermKind, id: number) =>
  kind === 'tags' ? [tags.tag(id), tags.list('tags')] : [tags.category(id), tags.list('categories')]

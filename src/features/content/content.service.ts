import { type ChangeTag, recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflict, conflictOnUnique, forbidden, invalid, notFound } from '#core/http/errors.ts'
import type { ReservedPaths } from '#core/http/reserved-paths.ts'
import { enqueueJob } from '#core/jobs/queue.ts'
import { mayUseMedia } from '../media/media.service.ts'
import type { SessionUser } from '../users/login/sessions.ts'
import { hasRole } from '../users/roles.ts'
import type { PostTerms } from './content.present.ts'
import {
  deleteEditablePost,
  type EditRight,
  findEditablePostForUpdate,
  findPostTerms,
  findRedirect,
  findRevision,
  findVisiblePost,
  insertPost,
  insertRevision,
  listPosts,
  listRevisions,
  type PostContent,
  type PostFilter,
  type PostRow,
  publishDuePost,
  saveRedirect,
  setPostArchived,
  setPostDraft,
  setPostPublished,
  setPostScheduled,
  updatePostContent,
  type Visibility,
} from './content.queries.ts'
import type { PostType } from './content.schemas.ts'
import { renderMarkdown, slugOrRandom } from './markdown.ts'
import { existingTermIds, setPostTerms, type TermKind } from './terms.queries.ts'

export const PUBLISH_SCHEDULED_JOB = 'content.publish_scheduled'

export type ContentInput = {
  title?: string
  slug?: string
  body?: string
  excerpt?: string
  cover_media_id?: number | null
  seo_title?: string
  seo_description?: string
  tag_ids?: number[]
  category_ids?: number[]
}

type User = Pick<SessionUser, 'id' | 'role'>

/** Anonymous callers and members see published content; authors also their own; editors and admins all. */
export const visibilityFor = (user: User | undefined): Visibility => ({
  seeAll: user !== undefined && hasRole(user.role, 'editor'),
  viewerId: user !== undefined && hasRole(user.role, 'author') ? user.id : null,
})
const editRightFor = (user: User): EditRight => ({ editAll: hasRole(user.role, 'editor'), actorId: user.id })

/** The public URL path of a post or page; a slug change of published content redirects from the old one. */
export const publicPath = (type: PostType, slug: string) => (type === 'post' ? `/blog/${slug}` : `/${slug}`)

export type PostWithTerms = { row: PostRow; terms: PostTerms | undefined }

/** A post with its tags and categories (pages have none). */
const withTerms = async (db: Db, row: PostRow): Promise<PostWithTerms> => ({
  row,
  terms: row.type === 'post' ? await findPostTerms(db, row.id) : undefined,
})

/**
 * What a write to a post or page changed (decision 0011): the item itself, and
 * its list (home, /blog, archives, feed, sitemap, search; the menus for pages)
 * when it is or was on the public site. Without `before`, the list is assumed
 * touched (status changes that did not read the old row).
 */
function changedTags(before: Pick<PostRow, 'status'> | undefined, after: Pick<PostRow, 'type' | 'id' | 'status'>): ChangeTag[] {
  const listed = before === undefined || before.status === 'published' || after.status === 'published'
  return listed ? [tags.content(after.type, after.id), tags.listOf(after.type)] : [tags.content(after.type, after.id)]
}

export const listContent = (db: Db, type: PostType, user: User | undefined, filter: PostFilter) =>
  listPosts(db, type, visibilityFor(user), filter)

/** Throws 404 for content that does not exist or that the caller may not see. */
export async function getContent(db: Db, type: PostType, user: User | undefined, id: number): Promise<PostWithTerms> {
  const row = await findVisiblePost(db, type, id, visibilityFor(user))
  if (!row) throw notFound(type, id)
  return withTerms(db, row)
}

/**
 * A cover must be media the writer may use (media.service: editors and admins
 * any item, authors their own uploads), or the one the post already shows (an
 * author keeps the cover an editor chose). "Does not exist" and "not yours"
 * answer the same 400 (issue 9, item 9).
 */
const mayUseCover = async (db: Db, user: User, id: number, current: number | null | undefined) =>
  id === current || (await mayUseMedia(db, user, id))

async function checkCover(db: Db, user: User, id: number | null | undefined, current?: number | null) {
  if (id === undefined || id === null || (await mayUseCover(db, user, id, current))) return
  throw invalid([{ field: 'cover_media_id', in: 'body', message: `is not an item of your media library: ${id}` }])
}

async function checkTerms(db: Db, kind: TermKind, field: string, ids: number[] | undefined) {
  if (!ids || ids.length === 0) return
  const found = new Set(await existingTermIds(db, kind, ids))
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length > 0) throw invalid([{ field, in: 'body', message: `has unknown ids: ${missing.join(', ')}` }])
}

function contentFrom(input: ContentInput, base: PostContent | undefined): PostContent {
  const title = input.title ?? base?.title ?? ''
  // Any title gives a slug: transliterated, or a short random one (issue 10, item 7).
  const slug = input.slug ?? base?.slug ?? slugOrRandom(title)
  const body = input.body ?? base?.body ?? ''
  return {
    title,
    slug,
    body,
    // Rendered once, here, at save time; reads send the stored HTML.
    body_html: base && input.body === undefined ? base.body_html : renderMarkdown(body),
    excerpt: input.excerpt ?? base?.excerpt ?? '',
    cover_media_id: input.cover_media_id !== undefined ? input.cover_media_id : (base?.cover_media_id ?? null),
    seo_title: input.seo_title ?? base?.seo_title ?? '',
    seo_description: input.seo_description ?? base?.seo_description ?? '',
  }
}

/**
 * A page lives at `/{slug}`, where the app's own top-level paths (`/blog`, `/api`,
 * core/http/reserved-paths.ts) win: a page with one of those slugs could not be
 * reached (issue 8, item 6). Checked when a page gets its slug, on create or on a
 * change of slug; a page saved with such a slug before keeps it until renamed.
 */
function checkPageSlug(reserved: ReservedPaths | undefined, type: PostType, slug: string, before?: string) {
  if (type !== 'page' || reserved === undefined || slug === before || reserved.ownerOf(slug) === undefined) return
  throw invalid([{ field: 'slug', in: 'body', message: `is used by the site itself: /${slug}; choose another` }])
}

/**
 * Any author, editor or admin creates a draft of their own; the first revision is
 * kept with it. `reserved`: the app's own paths, which a page's slug may not take
 * (the API passes them; the demo seed and tests, which choose their slugs, may not).
 */
export function createContent(db: Db, type: PostType, user: User, input: ContentInput, reserved?: ReservedPaths): Promise<PostWithTerms> {
  const content = contentFrom(input, undefined)
  checkPageSlug(reserved, type, content.slug)
  return conflictOnUnique('slug', 'Another one already has this slug.', () =>
    db.transaction().execute(async (trx) => {
      await checkCover(trx, user, input.cover_media_id)
      await checkTerms(trx, 'tags', 'tag_ids', input.tag_ids)
      await checkTerms(trx, 'categories', 'category_ids', input.category_ids)
      const row = await insertPost(trx, type, user.id, content)
      if (input.tag_ids) await setPostTerms(trx, 'tags', row.id, input.tag_ids)
      if (input.category_ids) await setPostTerms(trx, 'categories', row.id, input.category_ids)
      await insertRevision(trx, row.id, user.id, content)
      const created = await withTerms(trx, row)
      await recordChanges(trx, changedTags(row, row))
      return created
    }),
  )
}

/** Locks the post if `user` may edit it: 404 when they cannot see it, 403 when they can see but not edit it. */
async function lockEditable(db: Db, type: PostType, user: User, id: number): Promise<PostRow> {
  const row = await findEditablePostForUpdate(db, type, id, editRightFor(user))
  if (row) return row
  if (await findVisiblePost(db, type, id, visibilityFor(user))) throw forbidden('Authors may change only their own drafts.')
  throw notFound(type, id)
}

async function saveContent(db: Db, before: PostRow, user: User, content: PostContent): Promise<PostRow> {
  const row = await updatePostContent(db, before.id, content)
  await insertRevision(db, row.id, user.id, content)
  if (before.status === 'published' && before.slug !== row.slug) {
    await saveRedirect(db, row.id, publicPath(row.type, before.slug), publicPath(row.type, row.slug))
  }
  return row
}

/** Saves changes as a new revision. A changed slug of published content leaves a 301 redirect behind. `reserved` as for createContent. */
export function updateContent(
  db: Db,
  type: PostType,
  user: User,
  id: number,
  input: ContentInput,
  reserved?: ReservedPaths,
): Promise<PostWithTerms> {
  return conflictOnUnique('slug', 'Another one already has this slug.', () =>
    db.transaction().execute(async (trx) => {
      const before = await lockEditable(trx, type, user, id)
      await checkCover(trx, user, input.cover_media_id, before.cover_media_id)
      await checkTerms(trx, 'tags', 'tag_ids', input.tag_ids)
      await checkTerms(trx, 'categories', 'category_ids', input.category_ids)
      const content = contentFrom(input, before)
      checkPageSlug(reserved, type, content.slug, before.slug)
      const row = await saveContent(trx, before, user, content)
      if (input.tag_ids) await setPostTerms(trx, 'tags', row.id, input.tag_ids)
      if (input.category_ids) await setPostTerms(trx, 'categories', row.id, input.category_ids)
      const updated = await withTerms(trx, row)
      await recordChanges(trx, changedTags(before, row))
      return updated
    }),
  )
}

export function deleteContent(db: Db, type: PostType, user: User, id: number): Promise<void> {
  return db.transaction().execute(async (trx) => {
    const deleted = await deleteEditablePost(trx, type, id, editRightFor(user))
    if (deleted) {
      await recordChanges(trx, changedTags(deleted, { type, id, status: deleted.status }))
      return
    }
    if (await findVisiblePost(trx, type, id, visibilityFor(user))) throw forbidden('Authors may delete only their own drafts.')
    throw notFound(type, id)
  })
}

/** Editors and admins (the route checks the role). */
export const publishContent = (db: Db, type: PostType, id: number) => changeStatus(db, type, id, setPostPublished)
export const unpublishContent = (db: Db, type: PostType, id: number) => changeStatus(db, type, id, setPostDraft)
export const archiveContent = (db: Db, type: PostType, id: number) => changeStatus(db, type, id, setPostArchived)

/** A status change and its change record, in one transaction (the old status is not read: the list counts as touched). */
function changeStatus(
  db: Db,
  type: PostType,
  id: number,
  setStatus: (db: Db, type: PostType, id: number) => Promise<PostRow | undefined>,
): Promise<PostWithTerms> {
  return db.transaction().execute(async (trx) => {
    const row = await setStatus(trx, type, id)
    if (!row) throw notFound(type, id)
    const changed = await withTerms(trx, row)
    await recordChanges(trx, changedTags(undefined, row))
    return changed
  })
}

/**
 * Schedules a draft (or reschedules) for `publishAt`, in the future, and queues
 * the job that publishes it then, in the same transaction. A job left from an
 * earlier schedule finds the post not yet due and does nothing (publishDuePost).
 */
export function scheduleContent(db: Db, type: PostType, id: number, publishAt: Date, now: Date): Promise<PostWithTerms> {
  if (publishAt.getTime() <= now.getTime()) throw invalid([{ field: 'publish_at', in: 'body', message: 'must be in the future' }])
  return db.transaction().execute(async (trx) => {
    const row = await setPostScheduled(trx, type, id, publishAt)
    if (!row) {
      if (await findVisiblePost(trx, type, id, { seeAll: true, viewerId: null })) {
        throw conflict('Only a draft or scheduled item can be scheduled; unpublish it first.', 'status')
      }
      throw notFound(type, id)
    }
    await enqueueJob(trx, { name: PUBLISH_SCHEDULED_JOB, payload: { post_id: row.id }, runAt: publishAt })
    const scheduled = await withTerms(trx, row)
    // Only drafts and scheduled items get here: nothing public changes, the item does.
    await recordChanges(trx, changedTags(row, row))
    return scheduled
  })
}

/** The job's work: safe to run twice, or late (a server that was down publishes on its next start). */
export const publishScheduledContent = (db: Db, postId: number, now: Date) =>
  db.transaction().execute(async (trx) => {
    const row = await publishDuePost(trx, postId, now)
    if (row) await recordChanges(trx, changedTags(undefined, row))
    return row
  })

export async function listContentRevisions(db: Db, type: PostType, user: User, id: number) {
  const post = await getContent(db, type, user, id)
  if (!hasRole(user.role, 'editor') && post.row.author_id !== user.id) throw notFound(type, id)
  return listRevisions(db, id)
}

/**
 * Restores a revision's title, body, excerpt, cover and SEO fields as a new
 * revision (history is never rewritten). The slug stays as it is: the URL is
 * not part of what a writer restores, and changing it would move a published page.
 */
export function restoreRevision(db: Db, type: PostType, user: User, id: number, number: number): Promise<PostWithTerms> {
  return db.transaction().execute(async (trx) => {
    const before = await lockEditable(trx, type, user, id)
    const revision = await findRevision(trx, id, number)
    if (!revision) throw notFound('revision', number)
    // The image a revision showed may have been deleted since, or be one the
    // restoring writer may not use (another author's upload): restore without it.
    const cover =
      revision.cover_media_id !== null && (await mayUseCover(trx, user, revision.cover_media_id, before.cover_media_id))
        ? revision.cover_media_id
        : null
    const row = await saveContent(trx, before, user, { ...revision, slug: before.slug, cover_media_id: cover })
    const restored = await withTerms(trx, row)
    await recordChanges(trx, changedTags(before, row))
    return restored
  })
}

/** Where an old public path now lives (301), for the public site; undefined when nothing moved from it. */
export const findRedirectFor = (db: Db, path: string) => findRedirect(db, path)

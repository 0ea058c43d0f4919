import { type ChangeTag, recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflict, conflictOnUnique, forbidden, invalid, notFound } from '#core/http/errors.ts'
import type { Cursor } from '#core/http/pagination.ts'
import type { ReservedPaths } from '#core/http/reserved-paths.ts'
import { enqueueJob } from '#core/jobs/queue.ts'
import { mayUseMedia } from '../media/media.service.ts'
import type { SessionUser } from '../users/login/sessions.ts'
import { hasRole } from '../users/roles.ts'
import { queueContentEvent } from '../webhooks/webhooks.events.ts'
import {
  countPosts,
  deleteEditablePost,
  type EditRight,
  findEditablePostForUpdate,
  findPostView,
  findRedirect,
  findRevision,
  findVisiblePost,
  insertPost,
  insertRevision,
  listAuthorRows,
  listPosts,
  listRevisions,
  type PostContent,
  type PostFilter,
  type PostRow,
  type PostView,
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
import { setPostTerms } from './terms.queries.ts'
import { applyTermPlan, planTerms, type TermInput, termTags } from './terms.service.ts'

export const PUBLISH_SCHEDULED_JOB = 'content.publish_scheduled'

export type ContentInput = {
  title?: string
  slug?: string
  body?: string
  excerpt?: string
  /** The cover image, by media id; null removes it. */
  cover?: { id: number } | null
  seo_title?: string
  seo_description?: string
  /** The post's tags and categories, replacing the ones it had: each by id or by name (resolveTerms). */
  tags?: TermInput[]
  categories?: TermInput[]
}

type User = Pick<SessionUser, 'id' | 'role'>

/** Anonymous callers and members see published content; authors also their own; editors and admins all. */
export const visibilityFor = (user: User | undefined): Visibility => ({
  seeAll: user !== undefined && hasRole(user.role, 'editor'),
  viewerId: user !== undefined && hasRole(user.role, 'author') ? user.id : null,
})
const editRightFor = (user: User): EditRight => ({ editAll: hasRole(user.role, 'editor'), actorId: user.id })

import { publicPath } from './content.present.ts'

export { publicPath }

/** What a write answers: the row it wrote and the post as reads show it (read in the write's transaction). */
export type SavedPost = { row: PostRow; view: PostView }

const ALL: Visibility = { seeAll: true, viewerId: null }

async function saved(db: Db, row: PostRow): Promise<SavedPost> {
  const view = await findPostView(db, row.type, row.id, ALL)
  if (!view) throw new Error(`${row.type} ${row.id} vanished inside its own transaction`)
  return { row, view }
}

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

/**
 * A page of the list, and with `withTotal` the count of everything its filters
 * select (ignoring the cursor), by a second statement sent at the same time.
 */
export async function listContent(db: Db, type: PostType, user: User | undefined, filter: PostFilter & { withTotal?: boolean }) {
  const v = visibilityFor(user)
  const [rows, total] = await Promise.all([listPosts(db, type, v, filter), filter.withTotal ? countPosts(db, type, v, filter) : undefined])
  return { rows, total }
}

/** Throws 404 for content that does not exist or that the caller may not see. */
export async function getContent(db: Db, type: PostType, user: User | undefined, id: number): Promise<PostView> {
  const view = await findPostView(db, type, id, visibilityFor(user))
  if (!view) throw notFound(type, id)
  return view
}

/**
 * A cover must be media the writer may use (media.service: editors and admins
 * any item, authors their own uploads), or the one the post already shows (an
 * author keeps the cover an editor chose). "Does not exist" and "not yours"
 * answer the same 400 (issue 9, item 9).
 */
const mayUseCover = async (db: Db, user: User, id: number, current: number | null | undefined) =>
  id === current || (await mayUseMedia(db, user, id))

async function checkCover(db: Db, user: User, cover: { id: number } | null | undefined, current?: number | null) {
  if (cover === undefined || cover === null || (await mayUseCover(db, user, cover.id, current))) return
  throw invalid([{ field: 'cover.id', in: 'body', message: `is not an item of your media library: ${cover.id}` }])
}

type ResolvedTerms = { tags?: number[]; categories?: number[]; changes: ChangeTag[] }

/**
 * The terms a write names, as ids (resolveTerms: unknown names created for
 * editors and admins, a 400 for authors), with the change tags of the terms it
 * created. Called before anything of the post is written.
 */
async function resolvePostTerms(db: Db, user: User, input: ContentInput): Promise<ResolvedTerms> {
  const mayCreate = hasRole(user.role, 'editor')
  // One statement at a time: they share the transaction's connection.
  const tagPlan = input.tags && (await planTerms(db, 'tags', 'tags', input.tags, mayCreate))
  const categoryPlan = input.categories && (await planTerms(db, 'categories', 'categories', input.categories, mayCreate))
  const errors = [...(tagPlan?.errors ?? []), ...(categoryPlan?.errors ?? [])]
  if (errors.length > 0) throw invalid(errors)
  const tagsOf = tagPlan && (await applyTermPlan(db, tagPlan))
  const categoriesOf = categoryPlan && (await applyTermPlan(db, categoryPlan))
  return {
    tags: tagsOf?.ids,
    categories: categoriesOf?.ids,
    changes: [
      ...(tagsOf?.created ?? []).flatMap((id) => termTags('tags', id)),
      ...(categoriesOf?.created ?? []).flatMap((id) => termTags('categories', id)),
    ],
  }
}

async function setTerms(db: Db, postId: number, terms: ResolvedTerms) {
  if (terms.tags) await setPostTerms(db, 'tags', postId, terms.tags)
  if (terms.categories) await setPostTerms(db, 'categories', postId, terms.categories)
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
    cover_media_id: input.cover !== undefined ? (input.cover?.id ?? null) : (base?.cover_media_id ?? null),
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
export function createContent(db: Db, type: PostType, user: User, input: ContentInput, reserved?: ReservedPaths): Promise<SavedPost> {
  const content = contentFrom(input, undefined)
  checkPageSlug(reserved, type, content.slug)
  return conflictOnUnique('slug', 'Another one already has this slug.', () =>
    db.transaction().execute(async (trx) => {
      await checkCover(trx, user, input.cover)
      const terms = await resolvePostTerms(trx, user, input)
      const row = await insertPost(trx, type, user.id, content)
      await setTerms(trx, row.id, terms)
      await insertRevision(trx, row.id, user.id, content)
      const created = await saved(trx, row)
      await recordChanges(trx, [...changedTags(row, row), ...terms.changes])
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
): Promise<SavedPost> {
  return conflictOnUnique('slug', 'Another one already has this slug.', () =>
    db.transaction().execute(async (trx) => {
      const before = await lockEditable(trx, type, user, id)
      await checkCover(trx, user, input.cover, before.cover_media_id)
      const content = contentFrom(input, before)
      checkPageSlug(reserved, type, content.slug, before.slug)
      const terms = await resolvePostTerms(trx, user, input)
      const row = await saveContent(trx, before, user, content)
      await setTerms(trx, row.id, terms)
      const updated = await saved(trx, row)
      await queueContentEvent(trx, before, row)
      await recordChanges(trx, [...changedTags(before, row), ...terms.changes])
      return updated
    }),
  )
}

export function deleteContent(db: Db, type: PostType, user: User, id: number): Promise<void> {
  return db.transaction().execute(async (trx) => {
    const deleted = await deleteEditablePost(trx, type, id, editRightFor(user))
    if (deleted) {
      await queueContentEvent(trx, deleted, { type, id, status: deleted.status }, true)
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
): Promise<SavedPost> {
  return db.transaction().execute(async (trx) => {
    const row = await setStatus(trx, type, id)
    if (!row) throw notFound(type, id)
    const changed = await saved(trx, row)
    await queueContentEvent(trx, undefined, row)
    await recordChanges(trx, changedTags(undefined, row))
    return changed
  })
}

/**
 * Schedules a draft (or reschedules) for `publishAt`, in the future, and queues
 * the job that publishes it then, in the same transaction. A job left from an
 * earlier schedule finds the post not yet due and does nothing (publishDuePost).
 */
export function scheduleContent(db: Db, type: PostType, id: number, publishAt: Date, now: Date): Promise<SavedPost> {
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
    const scheduled = await saved(trx, row)
    // Only drafts and scheduled items get here: nothing public changes, the item does.
    await recordChanges(trx, changedTags(row, row))
    return scheduled
  })
}

/** The job's work: safe to run twice, or late (a server that was down publishes on its next start). */
export const publishScheduledContent = (db: Db, postId: number, now: Date) =>
  db.transaction().execute(async (trx) => {
    const row = await publishDuePost(trx, postId, now)
    if (row) await queueContentEvent(trx, undefined, row)
    if (row) await recordChanges(trx, changedTags(undefined, row))
    return row
  })

export async function listContentRevisions(
  db: Db,
  type: PostType,
  user: User,
  id: number,
  page: { limit: number; after: Cursor | undefined },
) {
  const post = await findVisiblePost(db, type, id, visibilityFor(user))
  if (!post || (!hasRole(user.role, 'editor') && post.author_id !== user.id)) throw notFound(type, id)
  return listRevisions(db, id, page)
}

/** Editors: who content can be filtered by (listAuthorRows). */
export const listAuthors = (db: Db, options: { limit: number; after: Cursor | undefined; q: string | undefined }) =>
  listAuthorRows(db, options)

/**
 * Restores a revision's title, body, excerpt, cover and SEO fields as a new
 * revision (history is never rewritten). The slug stays as it is: the URL is
 * not part of what a writer restores, and changing it would move a published page.
 */
export function restoreRevision(db: Db, type: PostType, user: User, id: number, number: number): Promise<SavedPost> {
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
    const restored = await saved(trx, row)
    await queueContentEvent(trx, before, row)
    await recordChanges(trx, changedTags(before, row))
    return restored
  })
}

/** Where an old public path now lives (301), for the public site; undefined when nothing moved from it. */
export const findRedirectFor = (db: Db, path: string) => findRedirect(db, path)

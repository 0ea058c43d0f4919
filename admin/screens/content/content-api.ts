// The content screens' calls: posts and pages share every route (/api/v1/posts, /api/v1/pages),
// so each call here takes the kind and picks the typed path. Pages have no tags or categories.
import { api, load, type Schemas } from '../../api.ts'

export type Kind = 'post' | 'page'
export type Post = Schemas['Post']
export type Revision = Schemas['Revision']
export type Status = Post['status']
export type ListQuery = {
  q?: string
  status?: Status
  author?: number
  sort?: 'newest' | 'oldest' | 'updated' | 'title'
  cursor?: string
  limit?: number
}

/** What a save sends: only the fields that changed (a PATCH keeps the others). */
export type PostChanges = {
  title?: string
  slug?: string
  body?: string
  excerpt?: string
  seo_title?: string
  seo_description?: string
  cover?: { id: number } | null
  tags?: { name: string }[]
  categories?: { name: string }[]
}

/** The kind of content a path under /admin shows: /admin/pages… → page, else post. */
export const kindOf = (path: string): Kind => (path.startsWith('/admin/pages') ? 'page' : 'post')
export const plural = (kind: Kind) => (kind === 'post' ? 'posts' : 'pages')
export const Kind = (kind: Kind) => (kind === 'post' ? 'Post' : 'Page')

export function listContent(kind: Kind, query: ListQuery) {
  const params = { query: { ...query, include_total: true } }
  return kind === 'post' ? load(api.GET('/api/v1/posts', { params })) : load(api.GET('/api/v1/pages', { params }))
}

export function getContent(kind: Kind, id: number) {
  const params = { path: { id } }
  return kind === 'post' ? load(api.GET('/api/v1/posts/{id}', { params })) : load(api.GET('/api/v1/pages/{id}', { params }))
}

/** Pages take no tags or categories: they are left out of a page's body. */
const forKind = (kind: Kind, changes: PostChanges) => {
  if (kind === 'post') return changes
  const { tags: _tags, categories: _categories, ...rest } = changes
  return rest
}

export function createContent(kind: Kind, changes: PostChanges & { title: string }) {
  return kind === 'post'
    ? load(api.POST('/api/v1/posts', { body: changes }))
    : load(api.POST('/api/v1/pages', { body: forKind(kind, changes) as PostChanges & { title: string } }))
}

export function updateContent(kind: Kind, id: number, changes: PostChanges) {
  const params = { path: { id } }
  return kind === 'post'
    ? load(api.PATCH('/api/v1/posts/{id}', { params, body: changes }))
    : load(api.PATCH('/api/v1/pages/{id}', { params, body: forKind(kind, changes) }))
}

export function deleteContent(kind: Kind, id: number) {
  const params = { path: { id } }
  return kind === 'post' ? load(api.DELETE('/api/v1/posts/{id}', { params })) : load(api.DELETE('/api/v1/pages/{id}', { params }))
}

export type StatusAction = 'publish' | 'unpublish' | 'archive'

export function changeStatus(kind: Kind, id: number, action: StatusAction) {
  const params = { path: { id } }
  if (kind === 'post') {
    if (action === 'publish') return load(api.POST('/api/v1/posts/{id}/publish', { params }))
    if (action === 'unpublish') return load(api.POST('/api/v1/posts/{id}/unpublish', { params }))
    return load(api.POST('/api/v1/posts/{id}/archive', { params }))
  }
  if (action === 'publish') return load(api.POST('/api/v1/pages/{id}/publish', { params }))
  if (action === 'unpublish') return load(api.POST('/api/v1/pages/{id}/unpublish', { params }))
  return load(api.POST('/api/v1/pages/{id}/archive', { params }))
}

export function scheduleContent(kind: Kind, id: number, publishAt: string) {
  const params = { path: { id } }
  const body = { publish_at: publishAt }
  return kind === 'post'
    ? load(api.POST('/api/v1/posts/{id}/schedule', { params, body }))
    : load(api.POST('/api/v1/pages/{id}/schedule', { params, body }))
}

/** A page of a post's revisions, newest first (each with its full text, so 10 at a time). */
export function listRevisions(kind: Kind, id: number, cursor: string | undefined) {
  const params = { path: { id }, query: { limit: 10, cursor } }
  return kind === 'post'
    ? load(api.GET('/api/v1/posts/{id}/revisions', { params }))
    : load(api.GET('/api/v1/pages/{id}/revisions', { params }))
}

export function restoreRevision(kind: Kind, id: number, rev: number) {
  const params = { path: { id, rev } }
  return kind === 'post'
    ? load(api.POST('/api/v1/posts/{id}/revisions/{rev}/restore', { params }))
    : load(api.POST('/api/v1/pages/{id}/revisions/{rev}/restore', { params }))
}

export const previewMarkdown = (body: string) => load(api.POST('/api/v1/preview', { body: { body } }))

export const STATUS_LABELS: Record<Status, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  published: 'Published',
  archived: 'Archived',
}

/** A date and time in the browser's time zone, short. */
export const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : ''

/** Editors: who content can be filtered by (id and name), by name; `q` a part of the name. */
export const listAuthors = (query: { q?: string; limit?: number; cursor?: string }) =>
  load(api.GET('/api/v1/authors', { params: { query } }))

import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Clock } from '#core/clock.ts'
import type { Db } from '#core/db/database.ts'
import { notFound } from '#core/http/errors.ts'
import { sendWithEtag } from '#core/http/etag.ts'
import { decodeCursor, toPage } from '#core/http/pagination.ts'
import type { ReservedPaths } from '#core/http/reserved-paths.ts'
import { type AppInstance, IdParams, PageQuery, problems, QueryString, TotalQuery } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import type { Actor } from '../users/login/auth.hooks.ts'
import { requireRole } from '../users/roles.ts'
import { presentAuthor, presentPost, presentRevision, presentTerm } from './content.present.ts'
import { AUTHOR_SORT, POST_SORTS, REVISION_SORT } from './content.queries.ts'
import {
  AuthorListQuery,
  AuthorPage,
  ListQuery,
  Post,
  PostPage,
  type PostType,
  RedirectQuery,
  RevisionListQuery,
  RevisionPage,
  RevisionParams,
  ScheduleBody,
  TermBody,
  TermPage,
  TermSchema,
  writeBodies,
} from './content.schemas.ts'
import {
  archiveContent,
  createContent,
  deleteContent,
  findRedirectFor,
  getContent,
  listAuthors,
  listContent,
  listContentRevisions,
  publishContent,
  restoreRevision,
  type SavedPost,
  scheduleContent,
  unpublishContent,
  updateContent,
} from './content.service.ts'
import { previewRoutes } from './preview.routes.ts'
import { TERM_SORTS } from './terms.queries.ts'
import { createTerm, deleteTermById, listTermPage } from './terms.service.ts'

const user = (request: FastifyRequest) => request.actor?.user
const actorUser = (request: FastifyRequest) => (request.actor as Actor).user
const saved = ({ view }: SavedPost) => presentPost(view)

/** "Post" or "Page", for operationIds (listPosts, getPage, …). */
const capital = (type: PostType) => (type === 'post' ? 'Post' : 'Page')

/** Posts and pages (issue 4, part 2): the same routes under /api/v1/posts and /api/v1/pages. */
function contentTypeRoutes(app: AppInstance, db: Db, type: PostType, clock: Clock, paths: ReservedPaths) {
  const base = `/api/v1/${type}s`
  const tags = [`${type}s`]
  const bodies = writeBodies(type)
  const One = capital(type)

  app.get(
    base,
    {
      config: { responseCache: true },
      schema: {
        operationId: `list${One}s`,
        tags,
        summary: `List ${type}s`,
        description: `Published only, unless you may see more; filter by status, author, slug${type === 'post' ? ', tag, category' : ''}, or search them with q. Items are render-ready (url, author, cover${type === 'post' ? ', tags, categories' : ''}) and leave out the body, except with ?slug= (how a front end fetches one ${type} by its URL). \`include_total=true\` adds the count of the filtered list.`,
        querystring: ListQuery(type),
        response: { 200: PostPage },
      },
    },
    async (request) => {
      const q = request.query
      const sort = POST_SORTS[q.sort]
      const { rows, total } = await listContent(db, type, user(request), {
        limit: q.limit,
        sort: q.sort,
        after: decodeCursor(sort, q.cursor),
        status: q.status,
        authorId: q.author,
        slug: q.slug,
        q: q.q,
        tag: q.tag,
        category: q.category,
        withTotal: q.include_total,
      })
      return toPage(rows, q.limit, presentPost, sort, total)
    },
  )

  app.get(
    `${base}/:id`,
    {
      config: { responseCache: true },
      schema: {
        operationId: `get${One}`,
        tags,
        summary: `One ${type}, with its body`,
        description: 'ETag; If-None-Match → 304.',
        params: IdParams,
        response: { 200: Post, 304: Type.Null({ description: 'Not modified (If-None-Match matched the ETag)' }), ...problems('not_found') },
      },
    },
    async (request, reply) => sendWithEtag(request, reply, presentPost(await getContent(db, type, user(request), request.params.id))),
  )

  app.post(
    base,
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: `create${One}`,
        tags,
        summary: `Create a draft ${type}`,
        description:
          type === 'post'
            ? 'Authors and up. Tags and categories by id or by name: editors and admins create unknown names; authors use existing ones.'
            : 'Authors and up.',
        body: bodies.create,
        response: { 201: Post, ...problems('conflict') },
      },
    },
    async (request, reply) => reply.code(201).send(saved(await createContent(db, type, actorUser(request), request.body, paths))),
  )

  app.patch(
    `${base}/:id`,
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: `update${One}`,
        tags,
        summary: `Change a ${type}; saves a revision`,
        description: 'Authors: their own drafts only. Fields left out keep their value; `tags`/`categories` replace the whole list.',
        params: IdParams,
        body: bodies.patch,
        response: { 200: Post, ...problems('forbidden', 'not_found', 'conflict') },
      },
    },
    async (request) => saved(await updateContent(db, type, actorUser(request), request.params.id, request.body, paths)),
  )

  app.delete(
    `${base}/:id`,
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: `delete${One}`,
        tags,
        summary: `Delete a ${type}`,
        description: 'Authors: their own drafts only.',
        params: IdParams,
        response: { 204: Type.Null({ description: `The ${type} is deleted` }), ...problems('forbidden', 'not_found') },
      },
    },
    async (request, reply) => {
      await deleteContent(db, type, actorUser(request), request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    `${base}/:id/publish`,
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: `publish${One}`,
        tags,
        summary: `Publish a ${type} now (editors)`,
        params: IdParams,
        response: { 200: Post, ...problems('not_found') },
      },
    },
    async (request) => saved(await publishContent(db, type, request.params.id)),
  )

  app.post(
    `${base}/:id/unpublish`,
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: `unpublish${One}`,
        tags,
        summary: `Take a ${type} back to draft (editors)`,
        params: IdParams,
        response: { 200: Post, ...problems('not_found') },
      },
    },
    async (request) => saved(await unpublishContent(db, type, request.params.id)),
  )

  app.post(
    `${base}/:id/archive`,
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: `archive${One}`,
        tags,
        summary: `Archive a ${type} (editors)`,
        description: 'Off the site, history kept; unpublish makes it a draft again.',
        params: IdParams,
        response: { 200: Post, ...problems('not_found') },
      },
    },
    async (request) => saved(await archiveContent(db, type, request.params.id)),
  )

  app.post(
    `${base}/:id/schedule`,
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: `schedule${One}`,
        tags,
        summary: `Publish a ${type} at a future time (editors)`,
        params: IdParams,
        body: ScheduleBody,
        response: { 200: Post, ...problems('not_found', 'conflict') },
      },
    },
    async (request) => saved(await scheduleContent(db, type, request.params.id, new Date(request.body.publish_at), clock())),
  )

  app.get(
    `${base}/:id/revisions`,
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: `list${One}Revisions`,
        tags,
        summary: `Revisions of a ${type}, newest first`,
        params: IdParams,
        querystring: RevisionListQuery,
        response: { 200: RevisionPage, ...problems('not_found') },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query
      const rows = await listContentRevisions(db, type, actorUser(request), request.params.id, {
        limit,
        after: decodeCursor(REVISION_SORT, cursor),
      })
      return toPage(rows, limit, presentRevision, REVISION_SORT)
    },
  )

  app.post(
    `${base}/:id/revisions/:rev/restore`,
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: `restore${One}Revision`,
        tags,
        summary: `Restore a revision of a ${type} as a new revision`,
        params: RevisionParams,
        response: { 200: Post, ...problems('forbidden', 'not_found') },
      },
    },
    async (request) => {
      const { id, rev } = request.params
      return saved(await restoreRevision(db, type, actorUser(request), id, rev))
    },
  )
}

/** Tags and categories: anyone lists them; editors create and delete them. */
function termRoutes(app: AppInstance, db: Db, kind: 'tags' | 'categories') {
  const base = `/api/v1/${kind}`
  const [one, One, Many] = kind === 'tags' ? ['tag', 'Tag', 'Tags'] : ['category', 'Category', 'Categories']
  app.get(
    base,
    {
      config: { responseCache: true },
      schema: {
        operationId: `list${Many}`,
        tags: [kind],
        summary: `List ${kind}`,
        description: 'By name (default), oldest or newest first. `include_total=true` adds the count.',
        querystring: QueryString({
          ...PageQuery,
          ...TotalQuery,
          sort: Type.Union([Type.Literal('name'), Type.Literal('oldest'), Type.Literal('newest')], { default: 'name' }),
        }),
        response: { 200: TermPage },
      },
    },
    async (request) => {
      const q = request.query
      const sort = TERM_SORTS[q.sort]
      const { rows, total } = await listTermPage(db, kind, {
        limit: q.limit,
        sort: q.sort,
        after: decodeCursor(sort, q.cursor),
        withTotal: q.include_total,
      })
      return toPage(rows, q.limit, presentTerm, sort, total)
    },
  )
  app.post(
    base,
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: `create${One}`,
        tags: [kind],
        summary: `Create a ${one} (editors)`,
        body: TermBody,
        response: { 201: TermSchema, ...problems('conflict') },
      },
    },
    async (request, reply) => reply.code(201).send(presentTerm(await createTerm(db, kind, request.body))),
  )
  app.delete(
    `${base}/:id`,
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: `delete${One}`,
        tags: [kind],
        summary: `Delete a ${one} (editors)`,
        params: IdParams,
        response: { 204: Type.Null({ description: `The ${one} is deleted` }), ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await deleteTermById(db, kind, request.params.id)
      return reply.code(204).send(null)
    },
  )
}

export function contentRoutes(app: AppInstance, deps: Pick<Deps, 'db' | 'clock' | 'paths'>) {
  const { db } = deps
  contentTypeRoutes(app, db, 'post', deps.clock, deps.paths)
  contentTypeRoutes(app, db, 'page', deps.clock, deps.paths)
  termRoutes(app, db, 'tags')
  termRoutes(app, db, 'categories')
  previewRoutes(app, deps)

  app.get(
    '/api/v1/authors',
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: 'listAuthors',
        tags: ['posts'],
        summary: 'Who content can be filtered by (editors): users who may write and anyone who wrote, by name',
        description:
          'Id and display name only (no e-mail address or role), for the `author` filter of GET /api/v1/posts and /api/v1/pages. `q`: a part of the name.',
        querystring: AuthorListQuery,
        response: { 200: AuthorPage },
      },
    },
    async (request) => {
      const { limit, cursor, q } = request.query
      const rows = await listAuthors(db, { limit, after: decodeCursor(AUTHOR_SORT, cursor), q })
      return toPage(rows, limit, presentAuthor, AUTHOR_SORT)
    },
  )

  app.get(
    '/api/v1/redirects',
    {
      schema: {
        operationId: 'getRedirect',
        tags: ['redirects'],
        summary: 'Where an old public path moved to',
        description: 'A 301 left behind by a slug change of published content.',
        querystring: RedirectQuery,
        response: {
          200: Type.Object({ from: Type.String(), to: Type.String(), status: Type.Literal(301) }),
          ...problems('not_found'),
        },
      },
    },
    async (request) => {
      const { path } = request.query
      const redirect = await findRedirectFor(db, path)
      if (!redirect) throw notFound('redirect', path)
      return { from: redirect.from_path, to: redirect.to_path, status: 301 as const }
    },
  )
}

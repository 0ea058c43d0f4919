import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Clock } from '#core/clock.ts'
import type { Db } from '#core/db/database.ts'
import { notFound } from '#core/http/errors.ts'
import { sendWithEtag } from '#core/http/etag.ts'
import { decodeCursor, toPage } from '#core/http/pagination.ts'
import type { ReservedPaths } from '#core/http/reserved-paths.ts'
import { type AppInstance, IdParams, Page, PageQuery, QueryString } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import type { Actor } from '../users/login/auth.hooks.ts'
import { requireRole } from '../users/roles.ts'
import { presentPost, presentRevision, presentTerm } from './content.present.ts'
import { POST_SORTS } from './content.queries.ts'
import {
  ListQuery,
  Post,
  type PostType,
  RedirectQuery,
  Revision,
  RevisionParams,
  ScheduleBody,
  TermBody,
  TermSchema,
  writeBodies,
} from './content.schemas.ts'
import {
  archiveContent,
  createContent,
  deleteContent,
  findRedirectFor,
  getContent,
  listContent,
  listContentRevisions,
  type PostWithTerms,
  publishContent,
  restoreRevision,
  scheduleContent,
  unpublishContent,
  updateContent,
} from './content.service.ts'
import { TERM_SORTS } from './terms.queries.ts'
import { createTerm, deleteTermById, listTermPage } from './terms.service.ts'

const user = (request: FastifyRequest) => request.actor?.user
const actorUser = (request: FastifyRequest) => (request.actor as Actor).user
const present = (post: PostWithTerms) => presentPost(post.row, post.terms)

/** Posts and pages (issue 4, part 2): the same routes under /api/v1/posts and /api/v1/pages. */
function contentTypeRoutes(app: AppInstance, db: Db, type: PostType, clock: Clock, paths: ReservedPaths) {
  const base = `/api/v1/${type}s`
  const tags = [`${type}s`]
  const bodies = writeBodies(type)

  app.get(
    base,
    {
      schema: {
        tags,
        summary: `List ${type}s (published only, unless you may see more); filter by status, author, slug${type === 'post' ? ', tag, category' : ''}. Items leave out the body, except with ?slug= (how a front end fetches one ${type} by its URL)`,
        querystring: ListQuery(type),
        response: { 200: Page(Post) },
      },
    },
    async (request) => {
      const q = request.query
      const sort = POST_SORTS[q.sort]
      const rows = await listContent(db, type, user(request), {
        limit: q.limit,
        sort: q.sort,
        after: decodeCursor(sort, q.cursor),
        status: q.status,
        authorId: q.author,
        slug: q.slug,
        tag: q.tag,
        category: q.category,
      })
      return toPage(rows, q.limit, (row) => presentPost(row, row), sort)
    },
  )

  app.get(
    `${base}/:id`,
    { schema: { tags, summary: `One ${type} (ETag; If-None-Match → 304)`, params: IdParams, response: { 200: Post } } },
    async (request, reply) => sendWithEtag(request, reply, present(await getContent(db, type, user(request), request.params.id))),
  )

  app.post(
    base,
    {
      onRequest: requireRole('author'),
      schema: { tags, summary: `Create a draft ${type} (authors and up)`, body: bodies.create, response: { 201: Post } },
    },
    async (request, reply) => reply.code(201).send(present(await createContent(db, type, actorUser(request), request.body, paths))),
  )

  app.patch(
    `${base}/:id`,
    {
      onRequest: requireRole('author'),
      schema: {
        tags,
        summary: `Change a ${type}; saves a revision (authors: their own drafts only)`,
        params: IdParams,
        body: bodies.patch,
        response: { 200: Post },
      },
    },
    async (request) => present(await updateContent(db, type, actorUser(request), request.params.id, request.body, paths)),
  )

  app.delete(
    `${base}/:id`,
    { onRequest: requireRole('author'), schema: { tags, summary: `Delete a ${type} (authors: their own drafts only)`, params: IdParams } },
    async (request, reply) => {
      await deleteContent(db, type, actorUser(request), request.params.id)
      return reply.code(204).send()
    },
  )

  app.post(
    `${base}/:id/publish`,
    {
      onRequest: requireRole('editor'),
      schema: { tags, summary: `Publish a ${type} now (editors)`, params: IdParams, response: { 200: Post } },
    },
    async (request) => present(await publishContent(db, type, request.params.id)),
  )

  app.post(
    `${base}/:id/unpublish`,
    {
      onRequest: requireRole('editor'),
      schema: { tags, summary: `Take a ${type} back to draft (editors)`, params: IdParams, response: { 200: Post } },
    },
    async (request) => present(await unpublishContent(db, type, request.params.id)),
  )

  app.post(
    `${base}/:id/archive`,
    {
      onRequest: requireRole('editor'),
      schema: {
        tags,
        summary: `Archive a ${type}: off the site, history kept; unpublish makes it a draft again (editors)`,
        params: IdParams,
        response: { 200: Post },
      },
    },
    async (request) => present(await archiveContent(db, type, request.params.id)),
  )

  app.post(
    `${base}/:id/schedule`,
    {
      onRequest: requireRole('editor'),
      schema: {
        tags,
        summary: `Publish a ${type} at a future time (editors)`,
        params: IdParams,
        body: ScheduleBody,
        response: { 200: Post },
      },
    },
    async (request) => present(await scheduleContent(db, type, request.params.id, new Date(request.body.publish_at), clock())),
  )

  app.get(
    `${base}/:id/revisions`,
    {
      onRequest: requireRole('author'),
      schema: {
        tags,
        summary: `Revisions of a ${type}, newest first`,
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(Revision) }) },
      },
    },
    async (request) => ({ data: (await listContentRevisions(db, type, actorUser(request), request.params.id)).map(presentRevision) }),
  )

  app.post(
    `${base}/:id/revisions/:rev/restore`,
    {
      onRequest: requireRole('author'),
      schema: { tags, summary: `Restore a revision of a ${type} as a new revision`, params: RevisionParams, response: { 200: Post } },
    },
    async (request) => {
      const { id, rev } = request.params
      return present(await restoreRevision(db, type, actorUser(request), id, rev))
    },
  )
}

/** Tags and categories: anyone lists them; editors create and delete them. */
function termRoutes(app: AppInstance, db: Db, kind: 'tags' | 'categories') {
  const base = `/api/v1/${kind}`
  app.get(
    base,
    {
      schema: {
        tags: [kind],
        summary: `List ${kind}: by name (default), oldest or newest first`,
        querystring: QueryString({
          ...PageQuery,
          sort: Type.Union([Type.Literal('name'), Type.Literal('oldest'), Type.Literal('newest')], { default: 'name' }),
        }),
        response: { 200: Page(TermSchema) },
      },
    },
    async (request) => {
      const q = request.query
      const sort = TERM_SORTS[q.sort]
      const rows = await listTermPage(db, kind, { limit: q.limit, sort: q.sort, after: decodeCursor(sort, q.cursor) })
      return toPage(rows, q.limit, presentTerm, sort)
    },
  )
  app.post(
    base,
    {
      onRequest: requireRole('editor'),
      schema: {
        tags: [kind],
        summary: `Create a ${kind === 'tags' ? 'tag' : 'category'} (editors)`,
        body: TermBody,
        response: { 201: TermSchema },
      },
    },
    async (request, reply) => reply.code(201).send(presentTerm(await createTerm(db, kind, request.body))),
  )
  app.delete(
    `${base}/:id`,
    {
      onRequest: requireRole('editor'),
      schema: { tags: [kind], summary: `Delete a ${kind === 'tags' ? 'tag' : 'category'} (editors)`, params: IdParams },
    },
    async (request, reply) => {
      await deleteTermById(db, kind, request.params.id)
      return reply.code(204).send()
    },
  )
}

export function contentRoutes(app: AppInstance, deps: Pick<Deps, 'db' | 'clock' | 'paths'>) {
  const { db } = deps
  contentTypeRoutes(app, db, 'post', deps.clock, deps.paths)
  contentTypeRoutes(app, db, 'page', deps.clock, deps.paths)
  termRoutes(app, db, 'tags')
  termRoutes(app, db, 'categories')

  app.get(
    '/api/v1/redirects',
    {
      schema: {
        tags: ['redirects'],
        summary: 'Where an old public path moved to (301), after a slug change of published content',
        querystring: RedirectQuery,
        response: { 200: Type.Object({ from: Type.String(), to: Type.String(), status: Type.Literal(301) }) },
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

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Db } from '#core/db/database.ts'
import { notFound } from '#core/http/errors.ts'
import { sendWithEtag } from '#core/http/etag.ts'
import { decodeCursor, PageQuery, toPage } from '#core/http/pagination.ts'
import type { Actor } from '../users/auth.hooks.ts'
import { requireRole } from '../users/roles.ts'
import { presentPost, presentRevision, presentTerm } from './content.present.ts'
import type { PostStatus, PostType } from './content.queries.ts'
import {
  IdParams,
  ListQuery,
  Post,
  page,
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
  type ContentInput,
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
import { createTerm, deleteTermById, listTermPage } from './terms.service.ts'

const user = (request: FastifyRequest) => request.actor?.user
const actorUser = (request: FastifyRequest) => (request.actor as Actor).user
const id = (request: FastifyRequest) => (request.params as { id: number }).id
const present = (post: PostWithTerms) => presentPost(post.row, post.terms)

type ListQueryValue = {
  limit: number
  cursor?: string
  status?: PostStatus
  author?: number
  slug?: string
  sort: 'newest' | 'oldest'
  tag?: string
  category?: string
}

/** Posts and pages (issue 4, part 2): the same routes under /api/v1/posts and /api/v1/pages. */
function contentTypeRoutes(app: FastifyInstance, db: Db, type: PostType) {
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
        response: { 200: page(Post) },
      },
    },
    async (request) => {
      const q = request.query as ListQueryValue
      const rows = await listContent(db, type, user(request), {
        limit: q.limit,
        afterId: decodeCursor(q.cursor),
        order: q.sort,
        status: q.status,
        authorId: q.author,
        slug: q.slug,
        tag: q.tag,
        category: q.category,
      })
      return toPage(rows, q.limit, (row) => presentPost(row, row))
    },
  )

  app.get(
    `${base}/:id`,
    { schema: { tags, summary: `One ${type} (ETag; If-None-Match → 304)`, params: IdParams, response: { 200: Post } } },
    async (request, reply) => sendWithEtag(request, reply, present(await getContent(db, type, user(request), id(request)))),
  )

  app.post(
    base,
    {
      preHandler: requireRole('author'),
      schema: { tags, summary: `Create a draft ${type} (authors and up)`, body: bodies.create, response: { 201: Post } },
    },
    async (request, reply) =>
      reply.code(201).send(present(await createContent(db, type, actorUser(request), request.body as ContentInput))),
  )

  app.patch(
    `${base}/:id`,
    {
      preHandler: requireRole('author'),
      schema: {
        tags,
        summary: `Change a ${type}; saves a revision (authors: their own drafts only)`,
        params: IdParams,
        body: bodies.patch,
        response: { 200: Post },
      },
    },
    async (request) => present(await updateContent(db, type, actorUser(request), id(request), request.body as ContentInput)),
  )

  app.delete(
    `${base}/:id`,
    { preHandler: requireRole('author'), schema: { tags, summary: `Delete a ${type} (authors: their own drafts only)`, params: IdParams } },
    async (request, reply) => {
      await deleteContent(db, type, actorUser(request), id(request))
      return reply.code(204).send()
    },
  )

  app.post(
    `${base}/:id/publish`,
    {
      preHandler: requireRole('editor'),
      schema: { tags, summary: `Publish a ${type} now (editors)`, params: IdParams, response: { 200: Post } },
    },
    async (request) => present(await publishContent(db, type, id(request))),
  )

  app.post(
    `${base}/:id/unpublish`,
    {
      preHandler: requireRole('editor'),
      schema: { tags, summary: `Take a ${type} back to draft (editors)`, params: IdParams, response: { 200: Post } },
    },
    async (request) => present(await unpublishContent(db, type, id(request))),
  )

  app.post(
    `${base}/:id/archive`,
    {
      preHandler: requireRole('editor'),
      schema: {
        tags,
        summary: `Archive a ${type}: off the site, history kept; unpublish makes it a draft again (editors)`,
        params: IdParams,
        response: { 200: Post },
      },
    },
    async (request) => present(await archiveContent(db, type, id(request))),
  )

  app.post(
    `${base}/:id/schedule`,
    {
      preHandler: requireRole('editor'),
      schema: {
        tags,
        summary: `Publish a ${type} at a future time (editors)`,
        params: IdParams,
        body: ScheduleBody,
        response: { 200: Post },
      },
    },
    async (request) =>
      present(await scheduleContent(db, type, id(request), new Date((request.body as { publish_at: string }).publish_at), new Date())),
  )

  app.get(
    `${base}/:id/revisions`,
    {
      preHandler: requireRole('author'),
      schema: {
        tags,
        summary: `Revisions of a ${type}, newest first`,
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(Revision) }) },
      },
    },
    async (request) => ({ data: (await listContentRevisions(db, type, actorUser(request), id(request))).map(presentRevision) }),
  )

  app.post(
    `${base}/:id/revisions/:rev/restore`,
    {
      preHandler: requireRole('author'),
      schema: { tags, summary: `Restore a revision of a ${type} as a new revision`, params: RevisionParams, response: { 200: Post } },
    },
    async (request) => {
      const params = request.params as { id: number; rev: number }
      return present(await restoreRevision(db, type, actorUser(request), params.id, params.rev))
    },
  )
}

/** Tags and categories: anyone lists them; editors create and delete them. */
function termRoutes(app: FastifyInstance, db: Db, kind: 'tags' | 'categories') {
  const base = `/api/v1/${kind}`
  app.get(
    base,
    {
      schema: {
        tags: [kind],
        summary: `List ${kind}`,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: page(TermSchema) },
      },
    },
    async (request) => {
      const q = request.query as { limit: number; cursor?: string }
      const rows = await listTermPage(db, kind, { limit: q.limit, afterId: decodeCursor(q.cursor) })
      return toPage(rows, q.limit, presentTerm)
    },
  )
  app.post(
    base,
    {
      preHandler: requireRole('editor'),
      schema: {
        tags: [kind],
        summary: `Create a ${kind === 'tags' ? 'tag' : 'category'} (editors)`,
        body: TermBody,
        response: { 201: TermSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(presentTerm(await createTerm(db, kind, request.body as { name: string; slug?: string }))),
  )
  app.delete(
    `${base}/:id`,
    {
      preHandler: requireRole('editor'),
      schema: { tags: [kind], summary: `Delete a ${kind === 'tags' ? 'tag' : 'category'} (editors)`, params: IdParams },
    },
    async (request, reply) => {
      await deleteTermById(db, kind, id(request))
      return reply.code(204).send()
    },
  )
}

export function contentRoutes(app: FastifyInstance, deps: { db: Db }) {
  const { db } = deps
  contentTypeRoutes(app, db, 'post')
  contentTypeRoutes(app, db, 'page')
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
      const path = (request.query as { path: string }).path
      const redirect = await findRedirectFor(db, path)
      if (!redirect) throw notFound('redirect', path)
      return { from: redirect.from_path, to: redirect.to_path, status: 301 as const }
    },
  )
}

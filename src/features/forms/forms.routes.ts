import type { Readable } from 'node:stream'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import { Type } from 'typebox'
import { decodeCursor, toPage } from '#core/http/pagination.ts'
import { type AppInstance, IdParams, Page, problems } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import type { Theme } from '../site/theme.ts'
import { requireRole } from '../users/roles.ts'
import { FORM_BODY_LIMIT, MULTIPART_LIMITS, readFormBody } from './forms.body.ts'
import { submissionsCsv } from './forms.csv.ts'
import { formEmbedder } from './forms.embed.ts'
import { HONEYPOT_FIELD } from './forms.fields.ts'
import { submissionMail } from './forms.mail.ts'
import { DEFAULT_THANKS, formPages } from './forms.pages.ts'
import { issueToken, proofOfWork } from './forms.pow.ts'
import { presentForm, presentFormListItem, presentSubmission } from './forms.present.ts'
import { FORM_SORT, SUBMISSION_SORT } from './forms.queries.ts'
import {
  BulkStatusBody,
  CreateFormBody,
  CsvQuery,
  FileParams,
  Form,
  FormListItem,
  FormListQuery,
  PublicForm,
  SlugParams,
  StatusBody,
  Submission,
  SubmissionListQuery,
  SubmissionParams,
  SubmissionReceipt,
  SubmitParams,
  UpdateFormBody,
} from './forms.schemas.ts'
import {
  changeSubmissionStatus,
  createForm,
  deleteForm,
  deleteSubmission,
  getForm,
  getOpenForm,
  getSubmission,
  listForms,
  listSubmissions,
  openSubmissionFile,
  type SubmitDeps,
  submitForm,
  updateForm,
} from './forms.service.ts'
import { renderTokens } from './forms.spam.ts'

const formsTag = ['forms']
const submissionsTag = ['form-submissions']
const FileDownloadParams = Type.Object({ ...SubmissionParams.properties, fileId: FileParams.properties.fileId })

/**
 * Forms (issue 12, items 1-5): definitions for editors and admins under
 * /api/v1/forms, their submissions (list, search, status, delete, CSV, files),
 * and the public side — the form pages under /forms and the JSON submission
 * route — which parse url-encoded and multipart bodies in a scope of their own.
 * Returns the embedder the public site puts forms into pages with.
 */
export async function formsRoutes(
  app: AppInstance,
  deps: Pick<Deps, 'db' | 'clock' | 'config' | 'paths' | 'mail' | 'secrets' | 'privateStore'> & { theme: Theme },
) {
  const { db, clock, privateStore } = deps
  deps.paths.reserve('forms', ['forms'])
  deps.mail.register(submissionMail)
  const tokens = renderTokens(deps.secrets)
  const pow = proofOfWork(deps.secrets)
  const limits = { perAddress: deps.config.formLimitPerAddress, perForm: deps.config.formLimitPerForm }
  const submitDeps: SubmitDeps = { db, clock, privateStore, tokens, pow, publicUrl: deps.config.publicUrl, limits }
  const editor = requireRole('editor')

  // --- definitions ---------------------------------------------------------
  app.get(
    '/api/v1/forms',
    {
      onRequest: editor,
      schema: {
        operationId: 'listForms',
        tags: formsTag,
        summary: 'List forms, newest first, each with its number of new submissions (editors)',
        querystring: FormListQuery,
        response: { 200: Page(FormListItem) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query
      const rows = await listForms(db, { limit, after: decodeCursor(FORM_SORT, cursor) })
      return toPage(rows, limit, presentFormListItem, FORM_SORT)
    },
  )

  app.post(
    '/api/v1/forms',
    {
      onRequest: editor,
      schema: {
        operationId: 'createForm',
        tags: formsTag,
        summary: 'Create a form (editors)',
        description:
          'Fields are checked as a whole: unique names, sane limits, options for choices, and patterns RE2 accepts (linear time).',
        body: CreateFormBody,
        response: { 201: Form, ...problems('conflict') },
      },
    },
    async (request, reply) => reply.code(201).send(presentForm(await createForm(db, request.body, clock()))),
  )

  app.get(
    '/api/v1/forms/:id',
    {
      onRequest: editor,
      schema: {
        operationId: 'getForm',
        tags: formsTag,
        summary: 'One form (editors)',
        params: IdParams,
        response: { 200: Form, ...problems('not_found') },
      },
    },
    async (request) => presentForm(await getForm(db, request.params.id)),
  )

  app.patch(
    '/api/v1/forms/:id',
    {
      onRequest: editor,
      schema: {
        operationId: 'updateForm',
        tags: formsTag,
        summary: 'Change a form; the new definition is the next version (editors)',
        params: IdParams,
        body: UpdateFormBody,
        response: { 200: Form, ...problems('not_found', 'conflict') },
      },
    },
    async (request) => presentForm(await updateForm(db, request.params.id, request.body, clock())),
  )

  app.delete(
    '/api/v1/forms/:id',
    {
      onRequest: editor,
      schema: {
        operationId: 'deleteForm',
        tags: formsTag,
        summary: 'Delete a form with its submissions and their files (editors)',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await deleteForm(db, privateStore, request.params.id)
      return reply.code(204).send(null)
    },
  )

  // --- submissions, for editors --------------------------------------------
  app.get(
    '/api/v1/forms/:id/submissions',
    {
      onRequest: editor,
      schema: {
        operationId: 'listFormSubmissions',
        tags: submissionsTag,
        summary: 'List a form’s submissions, newest first; filter by status, search the values (`q`)',
        params: IdParams,
        querystring: SubmissionListQuery,
        response: { 200: Page(Submission), ...problems('not_found') },
      },
    },
    async (request) => {
      const { limit, cursor, status, q } = request.query
      const rows = await listSubmissions(db, request.params.id, { limit, after: decodeCursor(SUBMISSION_SORT, cursor), status, q })
      return toPage(rows, limit, (row) => presentSubmission(row, row.files), SUBMISSION_SORT)
    },
  )

  app.get(
    '/api/v1/forms/:id/submissions.csv',
    {
      onRequest: editor,
      schema: {
        operationId: 'exportFormSubmissions',
        tags: submissionsTag,
        summary: 'All of a form’s submissions as CSV (RFC 4180, UTF-8, streamed)',
        description:
          "Cells that a spreadsheet would read as a formula (starting with =, +, -, @, tab or CR) start with a '. `bom=true` adds a UTF-8 byte order mark.",
        params: IdParams,
        querystring: CsvQuery,
        response: {
          200: { description: 'The CSV, streamed', content: { 'text/csv': { schema: Type.Unsafe<Readable>(Type.String()) } } },
          ...problems('not_found'),
        },
      },
    },
    async (request, reply) => {
      const form = await getForm(db, request.params.id)
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${form.slug}-submissions.csv"`)
        .header('cache-control', 'private, no-store')
      return reply.send(submissionsCsv(db, form, { bom: request.query.bom, status: request.query.status }))
    },
  )

  app.get(
    '/api/v1/forms/:id/submissions/:submissionId',
    {
      onRequest: editor,
      schema: {
        operationId: 'getFormSubmission',
        tags: submissionsTag,
        summary: 'One submission with its files',
        params: SubmissionParams,
        response: { 200: Submission, ...problems('not_found') },
      },
    },
    async (request) => {
      const { row, files } = await getSubmission(db, request.params.id, request.params.submissionId)
      return presentSubmission(row, files)
    },
  )

  app.patch(
    '/api/v1/forms/:id/submissions/:submissionId',
    {
      onRequest: editor,
      schema: {
        operationId: 'updateFormSubmission',
        tags: submissionsTag,
        summary: 'Set a submission’s status (new, read, spam, archived)',
        params: SubmissionParams,
        body: StatusBody,
        response: { 200: Submission, ...problems('not_found') },
      },
    },
    async (request) => {
      const { id, submissionId } = request.params
      await changeSubmissionStatus(db, id, [submissionId], request.body.status, clock())
      const { row, files } = await getSubmission(db, id, submissionId)
      return presentSubmission(row, files)
    },
  )

  app.patch(
    '/api/v1/forms/:id/submissions',
    {
      onRequest: editor,
      schema: {
        operationId: 'updateFormSubmissions',
        tags: submissionsTag,
        summary: 'Set the status of many submissions at once (all or none)',
        params: IdParams,
        body: BulkStatusBody,
        response: { 204: Type.Null({ description: 'Changed' }), ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await changeSubmissionStatus(db, request.params.id, request.body.ids, request.body.status, clock())
      return reply.code(204).send(null)
    },
  )

  app.delete(
    '/api/v1/forms/:id/submissions/:submissionId',
    {
      onRequest: editor,
      schema: {
        operationId: 'deleteFormSubmission',
        tags: submissionsTag,
        summary: 'Delete a submission and its files',
        params: SubmissionParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await deleteSubmission(db, privateStore, request.params.id, request.params.submissionId)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/v1/forms/:id/submissions/:submissionId/files/:fileId',
    {
      onRequest: editor,
      schema: {
        operationId: 'downloadFormSubmissionFile',
        tags: submissionsTag,
        summary: 'Download a file of a submission (editors; files are never public)',
        params: FileDownloadParams,
        response: {
          200: {
            description: 'The file, as an attachment',
            content: { 'application/octet-stream': { schema: Type.Unsafe<Readable>(Type.String({ format: 'binary' })) } },
          },
          ...problems('not_found'),
        },
      },
    },
    async (request, reply) => {
      const { id, submissionId, fileId } = request.params
      const { file, stream, size } = await openSubmissionFile(db, privateStore, id, submissionId, fileId)
      // Always a download, never rendered on our origin (a visitor's file may be anything the field accepted).
      const name = file.original_name.replace(/["\\]/g, '_') || `file.${file.extension}`
      reply
        .type(file.mime_type)
        .header('content-length', size)
        .header('content-disposition', `attachment; filename="${encodeURIComponent(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`)
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
      return reply.send(stream)
    },
  )

  // --- the public side: form pages and the JSON submission route ------------
  await app.register(async (scope: AppInstance) => {
    await scope.register(formbody, { bodyLimit: FORM_BODY_LIMIT })
    await scope.register(multipart, { limits: MULTIPART_LIMITS })

    scope.post(
      '/api/v1/forms/:slug/tokens',
      {
        config: { ignoreSession: true },
        schema: {
          operationId: 'createFormToken',
          tags: formsTag,
          summary: 'A form’s fields and a fresh render token, for a headless front end (public)',
          description:
            'Show the form, then send the token back as `_token` with the submission, and leave the honeypot field out (or empty).',
          params: SlugParams,
          response: { 201: PublicForm, ...problems('not_found', 'form_closed') },
        },
      },
      async (request, reply) => {
        const form = await getOpenForm(db, request.params.slug)
        reply.header('cache-control', 'no-store')
        return reply.code(201).send({
          slug: form.slug,
          name: form.name,
          fields: form.fields,
          ...(await issueToken({ tokens, pow }, form, clock())),
          honeypot: HONEYPOT_FIELD,
        })
      },
    )

    scope.post(
      '/api/v1/forms/:id/submissions',
      {
        bodyLimit: FORM_BODY_LIMIT,
        // A visitor's submission never acts for a signed-in caller: their session is not read, so no CSRF token is needed.
        config: { ignoreSession: true },
        schema: {
          operationId: 'submitForm',
          tags: submissionsTag,
          summary: 'Submit a form as JSON or multipart/form-data (public)',
          description:
            'The body holds the field values by name, `_token` from createFormToken, and nothing in the honeypot field. Unknown fields are dropped. ' +
            'A submission the spam traps catch is answered exactly as an accepted one. ' +
            'The path takes the form’s slug where the editors’ routes on the same path (GET, PATCH) take its id.',
          params: SubmitParams,
          consumes: ['application/json', 'multipart/form-data', 'application/x-www-form-urlencoded'],
          response: {
            201: SubmissionReceipt,
            ...problems('not_found', 'form_closed', 'submission_invalid', 'body_too_large', 'unsupported_media_type', 'too_many_requests'),
          },
        },
      },
      async (request, reply) => {
        const form = await getOpenForm(db, request.params.id)
        const body = await readFormBody(request)
        await submitForm(submitDeps, form, { ...body, ip: request.ip, userAgent: request.headers['user-agent'] })
        return reply.code(201).send({ message: form.success_message || DEFAULT_THANKS })
      },
    )

    formPages(scope, { db, clock, config: deps.config, theme: deps.theme, tokens, pow, submitDeps })
  })

  // For the public site: a page's `[form:<slug>]` becomes the form (forms.embed.ts).
  return { embedForms: formEmbedder({ db, clock, theme: deps.theme, tokens, pow }) }
}

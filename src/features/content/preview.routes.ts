import { Type } from 'typebox'
import type { Clock } from '#core/clock.ts'
import type { Db } from '#core/db/database.ts'
import { tooManyRequests } from '#core/http/errors.ts'
import type { AppInstance } from '#core/http/schemas.ts'
import { type LimitRule, takeLimit } from '#core/security/limiter.ts'
import type { Actor } from '../users/login/auth.hooks.ts'
import { requireRole } from '../users/roles.ts'
import { MAX_BODY_LENGTH } from './content.schemas.ts'
import { renderMarkdown } from './markdown.ts'

/**
 * Previews per writer: an editor's preview pane asks about once a second while
 * the writer types (debounced), so 120 a minute leaves room for two tabs; a
 * script that renders as fast as it can is stopped for a minute.
 */
export const PREVIEW_LIMIT: LimitRule = { limit: 120, windowMs: 60_000, lockMs: 60_000 }

const PreviewBody = Type.Object(
  { body: Type.String({ maxLength: MAX_BODY_LENGTH, description: 'Markdown, as a post’s or page’s `body`' }) },
  { additionalProperties: false },
)
const PreviewResult = Type.Object({
  body_html: Type.String({ description: 'the sanitised HTML a save would store as `body_html` (the site shows the same)' }),
})

/**
 * `POST /api/v1/preview` (issue 13): Markdown → the HTML a save would store,
 * by the renderer and sanitiser saves use (markdown.ts), without saving. For
 * the admin editor's live preview; writers only (authors and up), counted per
 * writer (PREVIEW_LIMIT) on top of the API's general rate limit.
 */
export function previewRoutes(app: AppInstance, deps: { db: Db; clock: Clock }) {
  app.post(
    '/api/v1/preview',
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: 'previewMarkdown',
        tags: ['posts'],
        summary: 'Render Markdown as a save would, without saving',
        description: `Authors and up. The same renderer and sanitiser as a save of a post or page. At most ${PREVIEW_LIMIT.limit} a minute per user (then 429 for a minute).`,
        body: PreviewBody,
        response: { 200: PreviewResult },
      },
    },
    async (request) => {
      const user = (request.actor as Actor).user
      const wait = await takeLimit(deps.db, { key: `preview:user:${user.id}`, ...PREVIEW_LIMIT }, deps.clock())
      if (wait > 0) throw tooManyRequests(wait)
      return { body_html: renderMarkdown(request.body.body) }
    },
  )
}

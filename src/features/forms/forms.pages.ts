import type { FastifyReply } from 'fastify'
import { tags } from '#core/changes/changes.ts'
import { HttpError } from '#core/http/errors.ts'
import { sendPublicPage } from '#core/http/public-page.ts'
import type { AppInstance } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import { findSite } from '../site/site.queries.ts'
import { layoutTags, pageMeta, siteView } from '../site/site.views.ts'
import type { Theme } from '../site/theme.ts'
import { readFormBody } from './forms.body.ts'
import { altchaAssets, issueToken, type ProofOfWork } from './forms.pow.ts'
import type { FormRow } from './forms.queries.ts'
import { SlugParams } from './forms.schemas.ts'
import { getOpenForm, type SubmitDeps, submitForm } from './forms.service.ts'
import type { RenderTokens } from './forms.spam.ts'
import { formView } from './forms.views.ts'

export const DEFAULT_THANKS = 'Thank you: your message has been sent.'

/**
 * The public form pages (issue 12, item 2), working without JavaScript:
 * `GET /forms/{slug}` shows the form with a fresh render token (never cached:
 * each visitor gets their own token); `POST /forms/{slug}` (url-encoded or
 * multipart) answers 303 to the thank-you page or the form's redirect path
 * (post/redirect/get), or 422 with the form again, the visitor's values kept
 * and a message per field.
 */
export function formPages(
  app: AppInstance,
  deps: Pick<Deps, 'db' | 'clock' | 'config'> & { theme: Theme; tokens: RenderTokens; pow: ProofOfWork; submitDeps: SubmitDeps },
) {
  const { db, theme } = deps

  async function sendForm(reply: FastifyReply, form: FormRow, status: number, options: Parameters<typeof formView>[1]) {
    const site = siteView(await findSite(db))
    const body = theme.render('form', {
      site,
      meta: pageMeta(site, deps.config.publicUrl, { title: form.name, path: `/forms/${form.slug}` }),
      current: `/forms/${form.slug}`,
      form: formView(form, options),
    })
    return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body)
  }

  // The ALTCHA widget's script, stylesheet and worker (forms.pow.ts), each at a URL naming its content.
  for (const asset of Object.values(altchaAssets()))
    app.get(asset.path, { schema: { hide: true } }, (_request, reply) =>
      reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body),
    )

  app.get('/forms/:slug', { schema: { hide: true, params: SlugParams } }, async (request, reply) => {
    const form = await getOpenForm(db, request.params.slug)
    return sendForm(reply, form, 200, await issueToken(deps, form, deps.clock()))
  })

  // The form is public and anonymous: a signed-in editor trying their own form posts it as any visitor
  // (the session is not read, so the page needs no CSRF token; decision 0021).
  app.post('/forms/:slug', { config: { ignoreSession: true }, schema: { hide: true, params: SlugParams } }, async (request, reply) => {
    const form = await getOpenForm(db, request.params.slug)
    const body = await readFormBody(request)
    try {
      await submitForm(deps.submitDeps, form, { ...body, ip: request.ip, userAgent: request.headers['user-agent'] })
    } catch (error) {
      if (!(error instanceof HttpError) || error.code !== 'submission_invalid') throw error
      // The same token again (it was not used): the visitor's time on the form keeps counting.
      const reuse = typeof body.token === 'string' && body.token.length <= 200 ? body.token : undefined
      const issued = await issueToken(deps, form, deps.clock(), reuse)
      return sendForm(reply, form, 422, { ...issued, values: body.values, errors: error.fields })
    }
    return reply
      .code(303)
      .header('location', form.redirect_path ?? `/forms/${form.slug}/thanks`)
      .send()
  })

  app.get('/forms/:slug/thanks', { schema: { hide: true, params: SlugParams } }, async (request, reply) => {
    const form = await getOpenForm(db, request.params.slug)
    const site = siteView(await findSite(db))
    const body = theme.render('form-thanks', {
      site,
      meta: pageMeta(site, deps.config.publicUrl, { title: form.name, path: null, noindex: true }),
      form: { name: form.name },
      message: form.success_message || DEFAULT_THANKS,
    })
    return sendPublicPage(request, reply, { body, tags: [...layoutTags, tags.form(Number(form.id))] })
  })
}

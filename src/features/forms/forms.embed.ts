import { type ChangeTag, tags } from '#core/changes/changes.ts'
import type { Clock } from '#core/clock.ts'
import type { Db } from '#core/db/database.ts'
import { FORM_EMBED_ATTRIBUTE, FORM_EMBED_HTML } from '../content/markdown.ts'
import type { Theme } from '../site/theme.ts'
import { issueToken, type ProofOfWork } from './forms.pow.ts'
import { getFormBySlug } from './forms.service.ts'
import type { RenderTokens } from './forms.spam.ts'
import { formView } from './forms.views.ts'

/** More embeds than this in one page are left as the "not available" notice (each costs a query and a token). */
const MAX_FORMS_PER_PAGE = 5

export type EmbeddedForms = {
  html: string
  /** `form:<id>` of each form shown, `list:forms` when a slug named none (a form made later with it changes the page). */
  tags: ChangeTag[]
  /**
   * A render token went into the page: it is for this visitor alone (a token is
   * used once; a second visitor posting a cached copy would be caught as a
   * replay), so the page must not be kept by any cache (decision 0021).
   */
  perVisitor: boolean
}

export type FormEmbedder = (html: string) => Promise<EmbeddedForms>

/**
 * Puts forms in a page's stored HTML (issue 12, item 2): each placeholder the
 * Markdown's `[form:<slug>]` left (content/markdown.ts) becomes the theme's
 * `form-embed` template — the form as on its own page, with a fresh render
 * token, posting to /forms/{slug} — or, for a form that does not exist or is
 * closed, a short "This form is not available" notice. HTML without a
 * placeholder comes back as it is, without a query.
 */
export function formEmbedder(deps: { db: Db; clock: Clock; theme: Theme; tokens: RenderTokens; pow: ProofOfWork }): FormEmbedder {
  return async (html) => {
    if (!html.includes(FORM_EMBED_ATTRIBUTE)) return { html, tags: [], perVisitor: false }
    const slugs = [...new Set(Array.from(html.matchAll(FORM_EMBED_HTML), (match) => match[1] as string))].slice(0, MAX_FORMS_PER_PAGE)
    const forms = await Promise.all(slugs.map((slug) => getFormBySlug(deps.db, slug)))
    const rendered = new Map<string, string>()
    const shown: ChangeTag[] = []
    let perVisitor = false
    const now = deps.clock()
    for (const [index, slug] of slugs.entries()) {
      const form = forms[index]
      shown.push(form ? tags.form(Number(form.id)) : tags.list('forms'))
      const open = form?.status === 'open'
      if (form && open) perVisitor = true
      const view = form && open ? formView(form, await issueToken(deps, form, now)) : null
      rendered.set(slug, deps.theme.render('form-embed', { form: view }))
    }
    const unavailable = deps.theme.render('form-embed', { form: null })
    return {
      html: html.replace(FORM_EMBED_HTML, (_, slug: string) => rendered.get(slug) ?? unavailable),
      tags: shown,
      perVisitor,
    }
  }
}

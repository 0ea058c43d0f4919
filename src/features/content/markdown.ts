import MarkdownIt from 'markdown-it'
import anchor from 'markdown-it-anchor'
import footnote from 'markdown-it-footnote'
import sanitizeHtml from 'sanitize-html'

/**
 * Markdown → sanitised HTML (issue 4, part 3). Raw HTML in the source is off
 * (`html: false`, so it is shown as text), and the output still goes through an
 * allow-list: a bug or a plugin in the renderer must not be enough to let a
 * script, an event handler or a `javascript:`/`data:` URL through.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false }).use(footnote).use(anchor, { slugify: anchorSlug })

// Table column alignment (`| ---: |`) as a class, not markdown-it's inline
// `style`: the site's Content-Security-Policy refuses inline styles, and the
// theme styles `.align-left/.align-center/.align-right`.
markdown.core.ruler.push('align_classes', (state) => {
  for (const token of state.tokens) {
    if (token.type !== 'th_open' && token.type !== 'td_open') continue
    const align = /^text-align:(left|right|center)$/.exec(String(token.attrGet('style') ?? ''))?.[1]
    if (!token.attrs) continue
    token.attrs = token.attrs.filter(([name]) => name !== 'style')
    if (align) token.attrSet('class', `align-${align}`)
  }
})

function anchorSlug(text: string) {
  return slugify(text) || 'section'
}

const ALLOWED = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    's',
    'del',
    'a',
    'img',
    'ul',
    'ol',
    'li',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'sup',
    'sub',
    'section',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'id', 'class', 'rel'],
    img: ['src', 'alt', 'title'],
    h1: ['id'],
    h2: ['id'],
    h3: ['id'],
    h4: ['id'],
    h5: ['id'],
    h6: ['id'],
    code: ['class'],
    li: ['id', 'class'],
    sup: ['class', 'id'],
    section: ['class'],
    hr: ['class'],
    ol: ['class', 'start'],
  },
  allowedClasses: { th: ['align-left', 'align-center', 'align-right'], td: ['align-left', 'align-center', 'align-right'] },
  allowedStyles: {},
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
} satisfies sanitizeHtml.IOptions

export function renderMarkdown(source: string): string {
  return sanitizeHtml(markdown.render(source), ALLOWED)
}

/** A URL slug from any text: lower-case ASCII letters and digits joined by single hyphens. */
export function slugify(text: string, maxLength = 200): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, '')
}

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
    th: ['style'],
    td: ['style'],
    li: ['id', 'class'],
    sup: ['class', 'id'],
    section: ['class'],
    hr: ['class'],
    ol: ['class', 'start'],
  },
  // Table cell alignment is the only style markdown-it writes.
  allowedStyles: { '*': { 'text-align': [/^(left|right|center)$/] } },
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

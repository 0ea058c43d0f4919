import { randomBytes } from 'node:crypto'
import type MarkdownIt from 'markdown-it'
import type footnote from 'markdown-it-footnote'
import type sanitizeHtml from 'sanitize-html'
import type { transliterate } from 'transliteration'
import { lazyRequire } from '#core/lazy-require.ts'

// markdown-it, sanitize-html (with htmlparser2 and postcss) and transliteration
// (a table of every script it knows) are ~7 MB of heap that only a write or a
// preview uses: the public pages serve the stored HTML (decision 0019). So they
// are loaded at the first call (decision 0014), synchronously: renderMarkdown
// and slugify stay synchronous for their many callers.
const markdownIt = lazyRequire<typeof MarkdownIt>('markdown-it')
const markdownItFootnote = lazyRequire<typeof footnote>('markdown-it-footnote')
const sanitize = lazyRequire<typeof sanitizeHtml>('sanitize-html')
const transliteration = lazyRequire<{ transliterate: typeof transliterate }>('transliteration')
let markdown: ReturnType<typeof MarkdownIt> | undefined

/**
 * `[form:<slug>]` alone in a paragraph embeds that form (issue 12, item 2;
 * decision 0021). The stored HTML keeps a placeholder, FORM_EMBED_HTML; the
 * public page puts the form in its place when it renders (a fresh render token
 * for each visitor: the form itself is never stored with the revision). Written
 * as code (`` `[form:contact]` ``) or escaped (`\[form:contact]`), it stays text.
 */
export const FORM_EMBED_ATTRIBUTE = 'data-plinth-form'
export const FORM_EMBED_HTML = new RegExp(`<div ${FORM_EMBED_ATTRIBUTE}="([a-z0-9]+(?:-[a-z0-9]+)*)"></div>`, 'g')
const FORM_TAG = /^\[form:([a-z0-9]+(?:-[a-z0-9]+)*)\]$/

/**
 * Markdown → sanitised HTML (issue 4, part 3). Raw HTML in the source is off
 * (`html: false`, so it is shown as text), and the output still goes through an
 * allow-list: a bug or a plugin in the renderer must not be enough to let a
 * script, an event handler or a `javascript:`/`data:` URL through.
 */
function markdownRenderer(): ReturnType<typeof MarkdownIt> {
  if (markdown) return markdown
  const MarkdownItClass = markdownIt()
  const renderer = new MarkdownItClass({ html: false, linkify: true, typographer: false }).use(markdownItFootnote())

  // Every heading gets an id from its text (`## A heading` → `id="a-heading"`,
  // `section` when the text gives no slug), unique in the document: a repeat gets
  // -1, -2, … (the ids markdown-it-anchor gave). Linear in the number of headings
  // (issue 9, item 5): `next` remembers, per slug, the first number that may still
  // be free, where the plugin tried -1, -2, … from the start for every repeat and
  // looked every heading up again in the token list (a 50 KB body of equal
  // headings took 10 seconds). An id base-n can only come from base, so every
  // taken id is stepped over at most once.
  renderer.core.ruler.push('heading_ids', (state) => {
    const taken = new Set<string>()
    const next = new Map<string, number>()
    const tokens = state.tokens
    for (let i = 0; i < tokens.length; i++) {
      const heading = tokens[i]
      if (heading?.type !== 'heading_open') continue
      const children = tokens[i + 1]?.children ?? []
      let text = ''
      for (const child of children) if (child.type === 'text' || child.type === 'code_inline') text += child.content
      const base = slugify(text) || 'section'
      let id = base
      let n = next.get(base) ?? 1
      while (taken.has(id)) id = `${base}-${n++}`
      next.set(base, n)
      taken.add(id)
      heading.attrSet('id', id)
    }
  })

  // Table column alignment (`| ---: |`) as a class, not markdown-it's inline
  // `style`: the site's Content-Security-Policy refuses inline styles, and the
  // theme styles `.align-left/.align-center/.align-right`.
  renderer.core.ruler.push('align_classes', (state) => {
    for (const token of state.tokens) {
      if (token.type !== 'th_open' && token.type !== 'td_open') continue
      const align = /^text-align:(left|right|center)$/.exec(String(token.attrGet('style') ?? ''))?.[1]
      if (!token.attrs) continue
      token.attrs = token.attrs.filter(([name]) => name !== 'style')
      if (align) token.attrSet('class', `align-${align}`)
    }
  })

  // `[form:<slug>]` alone in a paragraph: the placeholder (FORM_EMBED_ATTRIBUTE above).
  renderer.core.ruler.push('form_embeds', (state) => {
    const tokens = state.tokens
    for (let i = 0; i + 2 < tokens.length; i++) {
      const inline = tokens[i + 1]
      if (tokens[i]?.type !== 'paragraph_open' || inline?.type !== 'inline' || tokens[i + 2]?.type !== 'paragraph_close') continue
      const only = inline.children?.length === 1 ? inline.children[0] : undefined
      const slug = only?.type === 'text' ? FORM_TAG.exec(inline.content.trim())?.[1] : undefined
      if (slug === undefined || slug.length > 100) continue
      const placeholder = new state.Token('html_block', '', 0)
      placeholder.content = `<div ${FORM_EMBED_ATTRIBUTE}="${slug}"></div>\n`
      tokens.splice(i, 3, placeholder)
    }
  })
  markdown = renderer
  return renderer
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
    'div',
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
    // Only the form_embeds rule writes a div (raw HTML in the source is off).
    div: [FORM_EMBED_ATTRIBUTE],
  },
  allowedClasses: { th: ['align-left', 'align-center', 'align-right'], td: ['align-left', 'align-center', 'align-right'] },
  allowedStyles: {},
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
} satisfies sanitizeHtml.IOptions

export function renderMarkdown(source: string): string {
  return sanitize()(markdownRenderer().render(source), ALLOWED)
}

/**
 * A URL slug from any text: lower-case ASCII letters and digits joined by single
 * hyphens, at most `maxLength` long. Other scripts are transliterated
 * (`transliteration`: Cyrillic, Greek, Arabic, Chinese as pinyin, Japanese kana,
 * Korean, …; issue 10, item 7): `Привет, мир` → `privet-mir`, `你好世界` →
 * `ni-hao-shi-jie`, `Crème brûlée` → `creme-brulee` as before. Empty
 * when nothing is left (emoji, punctuation): see slugOrRandom.
 */
export function slugify(text: string, maxLength = 200): string {
  return transliteration()
    .transliterate(text.normalize('NFKC'))
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, '')
}

/** slugify, or when the text gives no slug (only emoji or punctuation), a short random one: 8 hex digits. */
export const slugOrRandom = (text: string, maxLength = 200): string => slugify(text, maxLength) || randomBytes(4).toString('hex')

// Tags whose text runs on into the text around them (`<strong>word</strong>.`
// stays `word.`); every other tag separates words.
const INLINE_TAGS = new Set(['a', 'em', 'strong', 's', 'del', 'code', 'sup', 'sub'])
const TAG_NAME = /<\/?([a-z][a-z0-9]*)/y
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters being replaced
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g
const WHITE_SPACE = /[\t\n\v\f\r ]+/
/** Longer runs of text without white space lose their punctuation (see searchText). */
export const SEARCH_RUN_MAX_LENGTH = 100
// ASCII punctuation, and the entities sanitize-html writes, which are punctuation too.
const RUN_PUNCTUATION = /&(?:lt|gt|quot|#39|amp);|[!-/:-@[-`{-~]/g

/**
 * The text of sanitised HTML (renderMarkdown's output) for the search index
 * (`posts.search_text`, migration 0025), in time linear in its length (issue 9,
 * item 5). Tags go (inline ones without a trace, others leaving a space),
 * control characters become spaces (search snippets use two of them as
 * highlight markers), white space collapses to single spaces; entities stay
 * encoded, so no `<` reaches PostgreSQL's text search parser, which would read a
 * tag there.
 *
 * That parser backtracks over runs of text without white space that look
 * almost like host names, URLs, e-mail addresses or file paths (`a_a_a_…`,
 * `.a-1.a-1…`): its time grows with the square of the run's length (a 50 KB
 * run took 24 seconds on PostgreSQL), and it never backtracks across a space.
 * So a run longer than SEARCH_RUN_MAX_LENGTH characters has its ASCII
 * punctuation and entities turned into spaces: a long URL is indexed as its
 * words, and no run the parser sees is both long and made of punctuation.
 */
export function searchText(html: string): string {
  const parts: string[] = []
  let at = 0
  while (at < html.length) {
    const open = html.indexOf('<', at)
    if (open === -1) {
      parts.push(html.slice(at))
      break
    }
    parts.push(html.slice(at, open))
    // sanitize-html writes `>` in text and attribute values as `&gt;`: the next `>` ends the tag.
    const close = html.indexOf('>', open)
    if (close === -1) break
    TAG_NAME.lastIndex = open
    const name = TAG_NAME.exec(html)?.[1]
    parts.push(name !== undefined && INLINE_TAGS.has(name) ? '' : ' ')
    at = close + 1
  }
  const words: string[] = []
  for (const run of parts.join('').replace(CONTROL_CHARACTERS, ' ').split(WHITE_SPACE)) {
    if (run === '') continue
    if (run.length <= SEARCH_RUN_MAX_LENGTH) words.push(run)
    else for (const word of run.replace(RUN_PUNCTUATION, ' ').split(WHITE_SPACE)) if (word !== '') words.push(word)
  }
  return words.join(' ')
}

import { type Static, Type } from 'typebox'
import { html } from './html.ts'
import { layout } from './layout.ts'

/**
 * A heading, paragraphs, an optional button with a link, and an optional note
 * in small print: enough for account mails (verify your address, reset your
 * password) and notifications. Every field is plain text.
 */
export const NoticeData = Type.Object(
  {
    heading: Type.String({ minLength: 1, maxLength: 200 }),
    paragraphs: Type.Array(Type.String({ maxLength: 10_000 }), { maxItems: 50 }),
    // Only http(s) links: a `javascript:` or `data:` URL must never become a button.
    action: Type.Optional(
      Type.Object(
        { label: Type.String({ minLength: 1, maxLength: 100 }), url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 }) },
        { additionalProperties: false },
      ),
    ),
    footnote: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
)
export type NoticeData = Static<typeof NoticeData>

export function renderNotice(data: NoticeData): { text: string; html: string } {
  const text = [
    data.heading,
    ...data.paragraphs,
    ...(data.action ? [`${data.action.label}: ${data.action.url}`] : []),
    ...(data.footnote ? [`--\n${data.footnote}`] : []),
  ].join('\n\n')
  const body = html`<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3">${data.heading}</h1>
${data.paragraphs.map((paragraph) => html`<p style="margin:0 0 16px">${paragraph}</p>\n`)}${
  data.action
    ? html`<p style="margin:24px 0"><a href="${data.action.url}" style="display:inline-block;padding:10px 18px;background:#1c1917;color:#ffffff;text-decoration:none;border-radius:6px">${data.action.label}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#57534e">Or open this link: <a href="${data.action.url}" style="color:#57534e">${data.action.url}</a></p>\n`
    : ''
}${data.footnote ? html`<p style="margin:24px 0 0;font-size:13px;color:#78716c">${data.footnote}</p>\n` : ''}`
  return { text: `${text}\n`, html: layout({ title: data.heading, body }) }
}

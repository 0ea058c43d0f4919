import { Type } from 'typebox'
import { defineMailTemplate } from '#core/mail/mailer.ts'
import { renderNotice } from '#core/mail/templates/notice.ts'

/**
 * The notification of a new submission (issue 12, item 5), to each of the
 * form's `notify_emails`. Every value is plain text in the notice layout (HTML
 * escaped there); nothing a visitor typed reaches a header except the reply-to
 * address, which is checked as one address without line breaks (forms.fields.ts,
 * core/mail's payload schema).
 */
export const submissionMail = defineMailTemplate('forms.submission', {
  data: Type.Object(
    {
      form_name: Type.String({ minLength: 1, maxLength: 200 }),
      values: Type.Array(Type.Object({ label: Type.String({ maxLength: 200 }), value: Type.String({ maxLength: 20_000 }) }), {
        maxItems: 60,
      }),
      url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 }),
    },
    { additionalProperties: false },
  ),
  render: ({ form_name, values, url }) =>
    renderNotice({
      heading: `New submission: ${form_name}`,
      paragraphs: values.map(({ label, value }) => `${label}: ${value}`),
      action: { label: 'Open it in the admin', url },
      footnote: 'You get this mail because your address is in the form’s notification list.',
    }),
})

/** A mail subject from a form's name: one line, at most 200 characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: line breaks and control characters never reach a header
export const subjectFor = (formName: string) => `New submission: ${formName.replace(/[\u0000-\u001f\u007f]+/g, ' ')}`.slice(0, 200)

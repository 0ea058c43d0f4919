import { Type } from 'typebox'
import { defineMailTemplate, type MailTemplates } from '#core/mail/mailer.ts'
import { renderNotice } from '#core/mail/templates/notice.ts'

/**
 * The mails the users feature sends (issue 8, item 3: a feature registers its own
 * templates; core lists none). Each carries the name to greet and the one-time
 * link; the wording lives here, the frame is core's notice layout.
 */
const LinkMailData = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    // Only http(s) links: the link becomes a button.
    url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 }),
  },
  { additionalProperties: false },
)

export const verifyEmailMail = defineMailTemplate('users.verify_email', {
  data: LinkMailData,
  render: ({ name, url }) =>
    renderNotice({
      heading: `Hello ${name}`,
      paragraphs: ['Please confirm that this is your email address.'],
      action: { label: 'Confirm my address', url },
      footnote: 'The link works once, for 48 hours. If you did not create an account, ignore this mail.',
    }),
})

export const passwordResetMail = defineMailTemplate('users.password_reset', {
  data: LinkMailData,
  render: ({ name, url }) =>
    renderNotice({
      heading: `Hello ${name}`,
      paragraphs: ['Someone (we hope you) asked to reset the password of your account.'],
      action: { label: 'Choose a new password', url },
      footnote: 'The link works once, for one hour. If you did not ask for it, ignore this mail: your password stays as it is.',
    }),
})

/** Registers the users feature's mails in the app's templates (app.ts calls it while building the app). */
export function registerUsersMail(mail: MailTemplates) {
  mail.register(verifyEmailMail, passwordResetMail)
}

export type LinkMailTemplate = typeof verifyEmailMail

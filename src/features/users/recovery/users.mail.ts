import { Type } from 'typebox'
import { defineMailTemplate, type MailTemplates } from '#core/mail/mailer.ts'
import { renderNotice } from '#core/mail/templates/notice.ts'
import { invitationMail } from '../invitations/invitations.mail.ts'

/**
 * The mails the users feature sends (issue 8, item 3: a feature registers its own
 * templates; core lists none). Each carries the name to greet and the one-time
 * link; the wording lives here, the frame is core's notice layout.
 */
// The name is only given for an address the user has verified: nothing a visitor
// typed goes into mail to an address nobody has confirmed (issue 9, item 4).
const LinkMailData = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    // Only http(s) links: the link becomes a button.
    url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 }),
  },
  { additionalProperties: false },
)

export const verifyEmailMail = defineMailTemplate('users.verify_email', {
  data: LinkMailData,
  // The link is kept redacted once the mail is sent (issue 9, item 7).
  secretFields: ['url'],
  render: ({ name, url }) =>
    renderNotice({
      heading: name ? `Hello ${name}` : 'Hello',
      paragraphs: ['Please confirm that this is your email address.'],
      action: { label: 'Confirm my address', url },
      footnote: 'The link works once, for 48 hours. If you did not create an account, ignore this mail.',
    }),
})

export const passwordResetMail = defineMailTemplate('users.password_reset', {
  data: LinkMailData,
  // The link is kept redacted once the mail is sent (issue 9, item 7).
  secretFields: ['url'],
  render: ({ name, url }) =>
    renderNotice({
      heading: name ? `Hello ${name}` : 'Hello',
      paragraphs: ['Someone (we hope you) asked to reset the password of your account.'],
      action: { label: 'Choose a new password', url },
      footnote: 'The link works once, for one hour. If you did not ask for it, ignore this mail: your password stays as it is.',
    }),
})

/**
 * To the owner of an address someone tried to sign up with (issue 9, item 4):
 * the sign-up answers as for a new account, and the owner learns of it here.
 * It carries nothing the visitor typed; the links are the site's own pages.
 */
export const signupExistingMail = defineMailTemplate('users.signup_existing', {
  data: Type.Object({ url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 }) }, { additionalProperties: false }),
  render: ({ url }) =>
    renderNotice({
      heading: 'Hello',
      paragraphs: [
        'Someone (perhaps you) tried to create an account with this email address. You already have an account, so no new one was made.',
        'To get in, sign in as usual; if you forgot your password, ask for a reset link on the sign-in page.',
      ],
      action: { label: 'Go to the site', url },
      footnote: 'If it was not you, ignore this mail: nothing about your account changed.',
    }),
})

/** Registers the users feature's mails in the app's templates (app.ts calls it while building the app). */
export function registerUsersMail(mail: MailTemplates) {
  mail.register(verifyEmailMail, passwordResetMail, signupExistingMail, invitationMail)
}

export type LinkMailTemplate = typeof verifyEmailMail

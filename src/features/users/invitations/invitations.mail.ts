import { Type } from 'typebox'
import { defineMailTemplate } from '#core/mail/mailer.ts'
import { renderNotice } from '#core/mail/templates/notice.ts'
import { Role } from '../users.schemas.ts'

/**
 * The invitation (issue 13): the role and the one-time link, nothing else. The
 * site's name is not in it (the inviter may not have set one); the link is the
 * site's own admin page. The link is kept redacted once the mail is sent.
 */
export const invitationMail = defineMailTemplate('users.invitation', {
  data: Type.Object(
    { url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 }), role: Role, days: Type.Integer({ minimum: 1, maximum: 30 }) },
    { additionalProperties: false },
  ),
  secretFields: ['url'],
  render: ({ url, role, days }) =>
    renderNotice({
      heading: 'Hello',
      paragraphs: [
        // admin, editor and author begin with a vowel.
        `An administrator invited you to join this site as ${role === 'member' ? 'a member' : `an ${role}`}.`,
        'Choose your name and a password to create your account.',
      ],
      action: { label: 'Accept the invitation', url },
      footnote: `The link works once, for ${days} days. If you did not expect it, ignore this mail: no account is made.`,
    }),
})

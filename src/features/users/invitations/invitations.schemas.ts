import { Type } from 'typebox'
import { named, PageQuery, QueryString } from '#core/http/schemas.ts'
import { Email, Password } from '../login/auth.schemas.ts'
import { DisplayName, Role } from '../users.schemas.ts'

export const Invitation = named(
  'Invitation',
  Type.Object(
    {
      id: Type.Integer(),
      email: Type.String(),
      role: Role,
      invited_by: Type.Union([Type.Integer(), Type.Null()], { description: 'the inviting administrator, null once deleted' }),
      expires_at: Type.String({ format: 'date-time' }),
      expired: Type.Boolean({ description: 'the link no longer works; revoke it and invite again' }),
      created_at: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
)

export const InvitationBody = Type.Object({ email: Email, role: Role }, { additionalProperties: false })

export const InvitationListQuery = QueryString({ ...PageQuery })

export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 100, description: 'the token of the mailed link' }),
    name: DisplayName,
    password: Password,
  },
  { additionalProperties: false },
)

import { Type } from 'typebox'
import { DisplayName, Role } from '../users.schemas.ts'
import { PASSWORD_MAX, PASSWORD_MIN } from './passwords.ts'

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 })
export const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })
const Name = DisplayName

export const User = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    name: Type.String(),
    role: Role,
    email_verified: Type.Boolean(),
    disabled: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'User', additionalProperties: false },
)

export const SignupBody = Type.Object({ email: Email, password: Password, name: Name }, { additionalProperties: false })

/**
 * The answer to every accepted sign-up, new address or known (issue 9, item 4;
 * decision 0007): it says nothing about whether an account was made.
 */
export const SignupAccepted = Type.Object(
  { status: Type.Literal('check_your_email'), message: Type.String() },
  { $id: 'SignupAccepted', additionalProperties: false },
)
export const SIGNUP_ACCEPTED = {
  status: 'check_your_email',
  message: 'Check your email: we sent a message to this address. Then sign in.',
} as const

// Login accepts any string up to the limits: a password that fails today's rules
// must still get the generic 401, not a 400 that says something about it.
export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }),
    totp_code: Type.Optional(Type.String({ minLength: 6, maxLength: 32, description: 'a 6-digit code, or a recovery code' })),
  },
  { additionalProperties: false },
)

// Unknown fields (role, id, email_verified, …) are refused with a 400, never applied.
export const UpdateMeBody = Type.Object(
  {
    name: Type.Optional(Name),
    email: Type.Optional(Email),
    password: Type.Optional(Password),
    current_password: Type.Optional(Type.String({ minLength: 1, maxLength: PASSWORD_MAX })),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const CsrfToken = Type.Object({ token: Type.String() }, { additionalProperties: false })

export const SetupBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 100 }), email: Email, password: Password, name: Name },
  { additionalProperties: false },
)

export const PasswordResetBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }) }, { additionalProperties: false })
export const PasswordResetConfirmBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 100 }), password: Password },
  { additionalProperties: false },
)
export const VerifyEmailBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false })

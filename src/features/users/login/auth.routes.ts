import { stringifySetCookie } from 'cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { unauthorized } from '#core/http/errors.ts'
import { type AppInstance, NoContent, problems } from '#core/http/schemas.ts'
import type { Deps } from '../../../deps.ts'
import { completeSetup } from '../admin/setup.service.ts'
import { requestMeta } from '../audit.ts'
import { confirmPasswordReset, requestPasswordReset, verifyEmail } from '../recovery/recovery.service.ts'
import { requireSession, requireUser } from '../roles.ts'
import { beginTotpSetup, disableTotp, enableTotp, readTwoFactorStatus, regenerateRecoveryCodes } from '../two-factor/two-factor.ts'
import { presentUser } from '../users.present.ts'
import type { Actor, SessionActor } from './auth.hooks.ts'
import {
  CsrfToken,
  LoginBody,
  PasswordResetBody,
  PasswordResetConfirmBody,
  SetupBody,
  SIGNUP_ACCEPTED,
  SignupAccepted,
  SignupBody,
  UpdateMeBody,
  User,
  VerifyEmailBody,
} from './auth.schemas.ts'
import { logIn, logOut, signUp, updateOwnAccount } from './auth.service.ts'
import { SESSION_COOKIE } from './sessions.ts'

const inSession = (request: FastifyRequest) => request.actor as SessionActor
const tags = ['auth']

export function authRoutes(app: AppInstance, deps: Pick<Deps, 'db' | 'config' | 'clock' | 'secrets'>) {
  const { db } = deps
  const secure = deps.config.publicUrl.startsWith('https:')
  const setSessionCookie = (reply: FastifyReply, value: string, expires: Date) =>
    reply.header(
      'set-cookie',
      stringifySetCookie({
        name: SESSION_COOKIE,
        value,
        httpOnly: true,
        sameSite: deps.config.sessionCookieSameSite,
        secure,
        path: '/',
        expires,
      }),
    )

  app.post(
    '/api/v1/auth/signup',
    {
      config: { checkOrigin: true },
      schema: {
        operationId: 'signUp',
        tags,
        summary: 'Create an account',
        description:
          'Answers 202 and mails the address (a verification link, or a notice when it already has an account): the same answer whether or not it has one.',
        body: SignupBody,
        response: { 202: SignupAccepted, ...problems('signup_disabled') },
      },
    },
    async (request, reply) => {
      await signUp(db, request.body, requestMeta(request), deps.config.publicUrl, deps.clock())
      return reply.code(202).send(SIGNUP_ACCEPTED)
    },
  )

  app.post(
    '/api/v1/auth/login',
    {
      config: { checkOrigin: true },
      schema: {
        operationId: 'logIn',
        tags,
        summary: 'Sign in',
        description: 'Answers the user and sets the session cookie; with two-factor on, `totp_code` is needed too.',
        body: LoginBody,
        response: {
          200: User,
          ...problems('invalid_credentials', 'totp_required', 'totp_invalid', 'account_disabled', 'email_not_verified'),
        },
      },
    },
    async (request, reply) => {
      const { user, session } = await logIn(db, request.body, requestMeta(request), deps.clock(), deps.secrets)
      setSessionCookie(reply, session.token, session.expiresAt)
      return presentUser(user)
    },
  )

  app.post(
    '/api/v1/auth/logout',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'logOut',
        tags,
        summary: 'Sign out (revokes the session)',
        response: { 204: NoContent('Signed out; the cookie is cleared') },
      },
    },
    async (request, reply) => {
      await logOut(db, inSession(request), requestMeta(request))
      setSessionCookie(reply, '', new Date(0))
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/v1/auth/me',
    { onRequest: requireUser, schema: { operationId: 'getMe', tags, summary: 'The signed-in user', response: { 200: User } } },
    async (request) => presentUser((request.actor as Actor).user),
  )

  app.patch(
    '/api/v1/auth/me',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'updateMe',
        tags,
        summary: 'Change your name, email or password',
        description:
          'current_password is required for a new email or password; either ends every session and API token, and this session continues under a new cookie.',
        body: UpdateMeBody,
        response: { 200: User, ...problems('conflict') },
      },
    },
    async (request, reply) => {
      const { user, session } = await updateOwnAccount(
        db,
        inSession(request),
        request.body,
        requestMeta(request),
        deps.config.publicUrl,
        deps.clock(),
      )
      // A new password or address ended every session: this one goes on as a new session (GET /auth/csrf for its token).
      if (session) setSessionCookie(reply, session.token, session.expiresAt)
      return presentUser(user)
    },
  )

  app.get(
    '/api/v1/auth/csrf',
    {
      schema: {
        operationId: 'getCsrfToken',
        tags,
        summary: 'The CSRF token of your session',
        description: 'Send it in the X-CSRF-Token header with every write made with the session cookie.',
        security: [{ session: [] }],
        response: { 200: CsrfToken, ...problems('authentication_required') },
      },
    },
    async (request) => {
      if (request.actor?.via !== 'session') throw unauthorized('The CSRF token belongs to a browser session; sign in first.')
      return { token: request.actor.csrfToken }
    },
  )

  app.post(
    '/api/v1/setup',
    {
      config: { checkOrigin: true },
      schema: {
        operationId: 'completeSetup',
        tags,
        summary: 'Create the first administrator',
        description: 'With the token of the one-time setup link printed in the server log.',
        body: SetupBody,
        response: { 201: User, ...problems('conflict') },
      },
    },
    async (request, reply) => {
      return reply.code(201).send(presentUser(await completeSetup(db, request.body, requestMeta(request), deps.clock())))
    },
  )

  app.post(
    '/api/v1/auth/password-reset',
    {
      config: { checkOrigin: true },
      schema: {
        operationId: 'requestPasswordReset',
        tags,
        summary: 'Mail a password-reset link',
        description: 'Answers 202 whether or not the address has an account.',
        body: PasswordResetBody,
        // No body (typed undefined, so `send()`), documented as null.
        response: { 202: Type.Unsafe<undefined>(Type.Null({ description: 'Accepted: a link is mailed if the address has an account' })) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(db, request.body.email, deps.config.publicUrl, requestMeta(request), deps.clock())
      return reply.code(202).send()
    },
  )

  app.post(
    '/api/v1/auth/password-reset/confirm',
    {
      config: { checkOrigin: true },
      schema: {
        operationId: 'confirmPasswordReset',
        tags,
        summary: 'Set a new password with the mailed token',
        description: 'Ends every session and API token of the account.',
        body: PasswordResetConfirmBody,
        response: { 204: NoContent('The password is changed') },
      },
    },
    async (request, reply) => {
      await confirmPasswordReset(db, request.body, requestMeta(request), deps.clock())
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/v1/auth/verify-email',
    {
      config: { checkOrigin: true },
      schema: {
        operationId: 'verifyEmail',
        tags,
        summary: 'Confirm an email address with the mailed token',
        body: VerifyEmailBody,
        response: { 204: NoContent('The address is verified') },
      },
    },
    async (request, reply) => {
      await verifyEmail(db, request.body.token, requestMeta(request), deps.clock())
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/v1/auth/totp',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'getTotpStatus',
        tags,
        summary: 'Whether two-factor sign-in is on',
        response: {
          200: Type.Object({ enabled: Type.Boolean(), recovery_codes_left: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
        },
      },
    },
    async (request) => readTwoFactorStatus(db, inSession(request).user.id),
  )

  app.post(
    '/api/v1/auth/totp/recovery-codes',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'regenerateRecoveryCodes',
        tags,
        summary: 'Replace your recovery codes',
        description: 'Needs a current code (or a recovery code). Answers ten new single-use codes, shown once; the old ones stop working.',
        body: Type.Object({ code: Type.String({ minLength: 6, maxLength: 32 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ recovery_codes: Type.Array(Type.String()) }), ...problems('conflict') },
      },
    },
    async (request) =>
      regenerateRecoveryCodes(db, deps.secrets, inSession(request).user, request.body.code, requestMeta(request), deps.clock()),
  )

  app.post(
    '/api/v1/auth/totp/setup',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'beginTotpSetup',
        tags,
        summary: 'Start turning two-factor sign-in on',
        description: 'Answers a new secret and its otpauth:// URI for an authenticator app; confirm with POST /api/v1/auth/totp/enable.',
        response: { 200: Type.Object({ secret: Type.String(), otpauth_uri: Type.String() }), ...problems('conflict') },
      },
    },
    async (request) => beginTotpSetup(db, deps.secrets, inSession(request).user),
  )

  app.post(
    '/api/v1/auth/totp/enable',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'enableTotp',
        tags,
        summary: 'Turn two-factor sign-in on with a current code',
        description: 'Answers ten single-use recovery codes, shown once.',
        body: Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ recovery_codes: Type.Array(Type.String()) }), ...problems('conflict') },
      },
    },
    async (request) => enableTotp(db, deps.secrets, inSession(request).user, request.body.code, requestMeta(request), deps.clock()),
  )

  app.post(
    '/api/v1/auth/totp/disable',
    {
      onRequest: requireSession,
      schema: {
        operationId: 'disableTotp',
        tags,
        summary: 'Turn two-factor sign-in off',
        description: 'Needs the password and a current or recovery code.',
        body: Type.Object(
          { password: Type.String({ minLength: 1, maxLength: 256 }), code: Type.String({ minLength: 6, maxLength: 32 }) },
          { additionalProperties: false },
        ),
        response: { 204: NoContent('Two-factor sign-in is off') },
      },
    },
    async (request, reply) => {
      await disableTotp(db, deps.secrets, inSession(request).user, request.body, requestMeta(request), deps.clock())
      return reply.code(204).send(null)
    },
  )
}

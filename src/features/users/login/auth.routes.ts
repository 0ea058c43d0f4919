import { stringifySetCookie } from 'cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { unauthorized } from '#core/http/errors.ts'
import type { AppInstance } from '#core/http/schemas.ts'
import type { Deps } from '../../../deps.ts'
import { completeSetup } from '../admin/setup.service.ts'
import { requestMeta } from '../audit.ts'
import { confirmPasswordReset, requestPasswordReset, verifyEmail } from '../recovery/recovery.service.ts'
import { requireSession, requireUser } from '../roles.ts'
import { beginTotpSetup, disableTotp, enableTotp } from '../two-factor/two-factor.ts'
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
        tags,
        summary: 'Create an account: 202 and a mail to the address, the same answer whether or not it already has an account',
        body: SignupBody,
        response: { 202: SignupAccepted },
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
      schema: { tags, summary: 'Sign in: answers the user and sets the session cookie', body: LoginBody, response: { 200: User } },
    },
    async (request, reply) => {
      const { user, session } = await logIn(db, request.body, requestMeta(request), deps.clock(), deps.secrets)
      setSessionCookie(reply, session.token, session.expiresAt)
      return presentUser(user)
    },
  )

  app.post(
    '/api/v1/auth/logout',
    { onRequest: requireSession, schema: { tags, summary: 'Sign out: revokes the session' } },
    async (request, reply) => {
      await logOut(db, inSession(request), requestMeta(request))
      setSessionCookie(reply, '', new Date(0))
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/auth/me',
    { onRequest: requireUser, schema: { tags, summary: 'The signed-in user', response: { 200: User } } },
    async (request) => presentUser((request.actor as Actor).user),
  )

  app.patch(
    '/api/v1/auth/me',
    {
      onRequest: requireSession,
      schema: {
        tags,
        summary:
          'Change your name, email or password (current_password required for email and password; either ends every session and API token, and this session continues under a new cookie)',
        body: UpdateMeBody,
        response: { 200: User },
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
    { schema: { tags, summary: 'The CSRF token of your session, for the X-CSRF-Token header', response: { 200: CsrfToken } } },
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
        tags,
        summary: 'Create the first administrator with the one-time link printed in the server log',
        body: SetupBody,
        response: { 201: User },
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
      schema: { tags, summary: 'Mail a password-reset link (202 whether or not the address has an account)', body: PasswordResetBody },
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
      schema: { tags, summary: 'Set a new password with the mailed token; ends every session', body: PasswordResetConfirmBody },
    },
    async (request, reply) => {
      await confirmPasswordReset(db, request.body, requestMeta(request), deps.clock())
      return reply.code(204).send()
    },
  )

  app.post(
    '/api/v1/auth/verify-email',
    { config: { checkOrigin: true }, schema: { tags, summary: 'Confirm an email address with the mailed token', body: VerifyEmailBody } },
    async (request, reply) => {
      await verifyEmail(db, request.body.token, requestMeta(request), deps.clock())
      return reply.code(204).send()
    },
  )

  app.post(
    '/api/v1/auth/totp/setup',
    {
      onRequest: requireSession,
      schema: {
        tags,
        summary: 'Start two-factor sign-in: a new secret and its otpauth:// URI for an authenticator app',
        response: { 200: Type.Object({ secret: Type.String(), otpauth_uri: Type.String() }) },
      },
    },
    async (request) => beginTotpSetup(db, deps.secrets, inSession(request).user),
  )

  app.post(
    '/api/v1/auth/totp/enable',
    {
      onRequest: requireSession,
      schema: {
        tags,
        summary: 'Turn two-factor sign-in on with a current code; answers ten single-use recovery codes, shown once',
        body: Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ recovery_codes: Type.Array(Type.String()) }) },
      },
    },
    async (request) => enableTotp(db, deps.secrets, inSession(request).user, request.body.code, requestMeta(request), deps.clock()),
  )

  app.post(
    '/api/v1/auth/totp/disable',
    {
      onRequest: requireSession,
      schema: {
        tags,
        summary: 'Turn two-factor sign-in off (password and a current or recovery code)',
        body: Type.Object(
          { password: Type.String({ minLength: 1, maxLength: 256 }), code: Type.String({ minLength: 6, maxLength: 32 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await disableTotp(db, deps.secrets, inSession(request).user, request.body, requestMeta(request), deps.clock())
      return reply.code(204).send()
    },
  )
}

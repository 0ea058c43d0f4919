import formbody from '@fastify/formbody'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { escapeHtml } from '#core/escape-html.ts'
import { HttpError } from '#core/http/errors.ts'
import type { AppInstance } from '#core/http/schemas.ts'
import type { Deps } from '../../../deps.ts'
import { requestMeta } from '../audit.ts'
import { SetupBody } from '../login/auth.schemas.ts'
import { completeSetup } from './setup.service.ts'

type SetupForm = { token?: string; email?: string; name?: string; password?: string }

/**
 * A field of a form that failed validation, as sent: with `attachValidation` the
 * handler runs on an invalid form too, so its body is not a SetupBody (it may be
 * missing, or hold a field twice, as an array).
 */
const sentField = (body: unknown, name: keyof SetupForm): unknown =>
  typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined

/** The text fields of an invalid form, to show again. */
function sentText(body: unknown): SetupForm {
  const text = (name: keyof SetupForm) => {
    const value = sentField(body, name)
    return typeof value === 'string' ? value : undefined
  }
  return { token: text('token'), email: text('email'), name: text('name'), password: text('password') }
}

// A repeated ?token= is parsed as an array: the form then opens without a token, as before there was a schema.
const SetupPageQuery = Type.Object({ token: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])) })

/**
 * The page behind the one-time setup link printed at the first start
 * (`/admin/setup?token=…`): a plain HTML form, working without JavaScript, that
 * creates the first administrator through the same service as
 * `POST /api/v1/setup`. The admin UI (issue 13) will take this URL over.
 *
 * The form posts url-encoded fields, parsed only inside this plugin. It needs
 * no CSRF token: there is no session yet, and the one-time token it carries is
 * the secret a forged request would lack; other origins are refused as for
 * sign-in (`checkOrigin`).
 */
export async function setupPage(app: AppInstance, deps: Pick<Deps, 'db' | 'clock' | 'paths'>) {
  // /admin/setup now, the admin interface later (issue 13).
  deps.paths.reserve('admin', ['admin'])
  // A scope made by register keeps the type provider only when its parameter is typed.
  await app.register(async (scope: AppInstance) => {
    await scope.register(formbody, { bodyLimit: 4096 })

    scope.get('/admin/setup', { schema: { hide: true, querystring: SetupPageQuery } }, (request, reply) =>
      sendPage(reply, 200, form({ token: typeof request.query.token === 'string' ? request.query.token : '' })),
    )

    scope.post(
      '/admin/setup',
      { config: { checkOrigin: true }, attachValidation: true, schema: { hide: true, body: SetupBody } },
      async (request, reply) => {
        if (request.validationError) {
          const fields = (request.validationError.validation ?? []).map(
            (issue: { instancePath: string }) => issue.instancePath.replace(/^\//, '') || 'form',
          )
          const missing = (['email', 'name', 'password', 'token'] as const).filter((field) => !sentField(request.body, field))
          const problem = missing.length > 0 ? `Fill in: ${missing.join(', ')}.` : `Check: ${[...new Set(fields)].join(', ')}.`
          return sendPage(reply, 400, form(sentText(request.body), `${problem} Passwords are 8 to 256 characters.`))
        }
        try {
          const user = await completeSetup(deps.db, request.body, requestMeta(request), deps.clock())
          return sendPage(reply, 201, done(user.email))
        } catch (error) {
          if (!(error instanceof HttpError) || error.status >= 500) throw error
          return sendPage(reply, error.status, form(request.body, error.message))
        }
      },
    )
  })
}

function sendPage(reply: FastifyReply, status: number, main: string) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer') // the URL carries the one-time token
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>Set up Plinth</title></head>
<body>
<main>
${main}
</main>
</body>
</html>
`)
}

const form = (values: SetupForm, error?: string) => `<h1>Create the first administrator</h1>
${values.token ? '' : '<p>Open this page with the setup link from the server log: the link carries the one-time code this form needs.</p>'}
${error ? `<p role="alert"><strong>${escapeHtml(error)}</strong></p>` : ''}
<form method="post" action="/admin/setup">
<input type="hidden" name="token" value="${escapeHtml(values.token ?? '')}">
<p><label for="email">Email</label><br><input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${escapeHtml(values.email ?? '')}"></p>
<p><label for="name">Name</label><br><input id="name" name="name" autocomplete="name" required maxlength="100" value="${escapeHtml(values.name ?? '')}"></p>
<p><label for="password">Password (8 to 256 characters, not a common one)</label><br><input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="256"></p>
<p><button type="submit">Create administrator</button></p>
</form>`

const done = (email: string) => `<h1>Administrator created</h1>
<p>${escapeHtml(email)} is the site's administrator. The setup link no longer works.</p>
<p>Sign in with <code>POST /api/v1/auth/login</code> (see the README, “Auth for front-end developers”), then write and publish through the API.</p>
<p><a href="/">Go to the site</a></p>`

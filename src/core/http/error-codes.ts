/**
 * Every `code` a problem+json answer can carry, defined once: a client branches
 * on these, and they never change meaning. HttpError accepts only these, and
 * Fastify's own client errors are mapped onto them (no `fst_…` code reaches a
 * client). README lists them; the OpenAPI document can list them from here.
 */
export const ERROR_CODES = {
  // 400: the request itself is malformed
  bad_request: { status: 400, meaning: 'The request is malformed (a malformed multipart body, a character that cannot be stored).' },
  validation_failed: { status: 400, meaning: 'Some fields are invalid; `errors[]` names each field, where it is and what is wrong.' },
  empty_body: { status: 400, meaning: 'Content-Type says JSON but the body is empty.' },
  invalid_json: { status: 400, meaning: 'The body is not valid JSON (or carries a `__proto__`/`constructor` key).' },
  json_too_deep: { status: 400, meaning: 'The JSON body is nested deeper than 32 levels.' },
  invalid_content_length: { status: 400, meaning: 'The body size does not match Content-Length.' },
  invalid_url: { status: 400, meaning: 'The URL is not valid (a malformed percent-encoding).' },
  // 401: who is calling is unknown
  authentication_required: { status: 401, meaning: 'Sign in (session cookie) or send an API token.' },
  invalid_credentials: { status: 401, meaning: 'Wrong email or password.' },
  api_token_invalid: { status: 401, meaning: 'The Bearer token is malformed, unknown, expired or revoked.' },
  totp_required: { status: 401, meaning: 'Two-factor is on: send `totp_code`.' },
  totp_invalid: { status: 401, meaning: 'The two-factor code is wrong or was already used.' },
  // 403: known, but not allowed
  csrf_token_missing: { status: 403, meaning: 'A cookie-authenticated write without the X-CSRF-Token header.' },
  csrf_token_invalid: { status: 403, meaning: 'The X-CSRF-Token header is not this session’s token.' },
  origin_not_allowed: {
    status: 403,
    meaning: 'A write, a sign-in or a CORS preflight from an origin not allowed (CORS_ORIGINS, setting cors_origins).',
  },
  session_required: { status: 403, meaning: 'The route needs a browser session, not an API token.' },
  role_required: { status: 403, meaning: 'Your role is too low for this route.' },
  scope_required: { status: 403, meaning: 'The API token lacks the scope this route needs (read, write, admin).' },
  forbidden: { status: 403, meaning: 'Not allowed for you (an author changing a post that is not their own draft).' },
  signup_disabled: { status: 403, meaning: 'Sign-up is turned off on this site.' },
  account_disabled: { status: 403, meaning: 'This account is disabled.' },
  email_not_verified: { status: 403, meaning: 'Confirm your email address first.' },
  // other client errors
  not_found: { status: 404, meaning: 'Nothing is at this URL, or the resource does not exist (or is not visible to you).' },
  not_acceptable: { status: 406, meaning: 'The request cannot be answered in an acceptable form.' },
  conflict: { status: 409, meaning: 'The change conflicts with existing data; `errors[]` names the field when known.' },
  form_closed: { status: 410, meaning: 'The form is closed and takes no more submissions.' },
  body_too_large: { status: 413, meaning: 'The body is larger than the limit.' },
  uri_too_long: { status: 414, meaning: 'A path parameter is longer than the limit.' },
  unsupported_media_type: { status: 415, meaning: 'The Content-Type (or charset, or file type) is not accepted here.' },
  submission_invalid: {
    status: 422,
    meaning: 'Some fields of a form submission are invalid; `errors[]` names each field and what is wrong.',
  },
  too_many_requests: { status: 429, meaning: 'Rate limited; retry after the `Retry-After` seconds.' },
  client_error: { status: 400, meaning: 'Any other client error (a status without a more specific code).' },
  // server side
  internal_error: { status: 500, meaning: 'Our fault; quote `request_id` when reporting it.' },
  service_unavailable: { status: 503, meaning: 'Starting, stopping or overloaded; retry after `Retry-After`.' },
} as const satisfies Record<string, { status: number; meaning: string }>

export type ErrorCode = keyof typeof ERROR_CODES

/** Fastify's (and its plugins') client-error codes, as ours. Anything unlisted falls back by status (fallbackCode). */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_VALIDATION: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_BAD_URL: 'invalid_url',
  FST_ERR_INVALID_URL: 'invalid_url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_NOT_FOUND: 'not_found',
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: 'unsupported_media_type',
  FST_ERR_ROUTE_MISSING_CONTENT: 'empty_body',
  FST_PARTS_LIMIT: 'body_too_large',
  FST_FILES_LIMIT: 'body_too_large',
  FST_FIELDS_LIMIT: 'body_too_large',
  FST_REQ_FILE_TOO_LARGE: 'body_too_large',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
}

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'authentication_required',
  403: 'forbidden',
  404: 'not_found',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'body_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
}

/** Our code for a framework client error: by its code when known, else by its status; never the framework's own. */
export function codeForFrameworkError(frameworkCode: string | undefined, status: number): ErrorCode {
  return (frameworkCode !== undefined ? FASTIFY_CODES[frameworkCode] : undefined) ?? BY_STATUS[status] ?? 'client_error'
}

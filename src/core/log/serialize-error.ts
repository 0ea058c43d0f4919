/**
 * An error for the log (issue 9, item 7): name, message, code (a SQLSTATE for a
 * database error), the constraint's name and the stack, and its cause the same
 * way. Everything else is dropped: postgres.js and PGlite errors carry the
 * statement (`query`), its `parameters`, and `detail`/`where` texts that quote
 * row values — e-mail addresses, token hashes, TOTP secrets.
 */
export function serializeError(error: unknown, depth = 0): { [key: string]: unknown; type: string; message: string; stack: string } {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null))
    return { type: typeof error, message: String(error), stack: '' }
  const source = error as Error & { code?: unknown; constraint?: unknown; constraint_name?: unknown; cause?: unknown }
  const code = typeof source.code === 'string' || typeof source.code === 'number' ? source.code : undefined
  const constraint = source.constraint_name ?? source.constraint
  return {
    type: source.constructor?.name ?? 'Error',
    name: source.name,
    message: safeErrorMessage(source),
    ...(code === undefined ? {} : { code }),
    ...(typeof constraint === 'string' ? { constraint } : {}),
    stack: typeof source.stack === 'string' ? redactStack(source.stack, source.message, safeErrorMessage(source)) : '',
    ...(source.cause !== undefined && depth < 5 ? { cause: serializeError(source.cause, depth + 1) } : {}),
  }
}

/**
 * An error's message, without the input value a database quotes in some of
 * them: a data exception (SQLSTATE class 22, `invalid input syntax for type
 * integer: "…"`) ends with the value it could not take.
 */
export function safeErrorMessage(error: { message?: unknown; code?: unknown }): string {
  const message = typeof error.message === 'string' ? error.message : String(error.message ?? '')
  if (typeof error.code === 'string' && /^22[0-9A-Z]{3}$/.test(error.code)) return message.replace(/: ".*"$/s, ': "…"')
  return message
}

const redactStack = (stack: string, message: string, safe: string) => (message === safe ? stack : stack.replace(message, safe))

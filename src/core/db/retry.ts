import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Whether an error means "the database cannot be reached yet" (issue 8,
 * item 8): nothing listens at the address, the name does not resolve yet, the
 * connection timed out or was cut, or the server is starting, shutting down or
 * full. Such a start is retried. Anything else (a wrong password, a changed
 * migration, a damaged PGlite directory) is a mistake that waiting will not mend.
 */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  return (
    NETWORK_CODES.has(code) ||
    // SQLSTATE class 08: connection exceptions; 57P01–57P03: admin shutdown,
    // crash shutdown, cannot connect now (starting up); 53300: too many connections.
    /^08[0-9A-Z]{3}$/.test(code) ||
    /^57P0[1-3]$/.test(code) ||
    code === '53300'
  )
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // postgres.js's own
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
])

export const RETRY_FIRST_MS = 500
export const RETRY_MAX_MS = 10_000

/** 0.5 s, 1 s, 2 s, 4 s, 8 s, then 10 s for every later attempt. */
export const retryDelayMs = (attempt: number) => Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, attempt - 1))

/**
 * Runs `step` until it succeeds. When it fails because the database is
 * unreachable, `onRetry` hears about it and the step runs again after a
 * growing pause (0.5 s doubling up to 10 s), for as long as it takes; any other
 * error is thrown. `signal` ends the wait: the promise then rejects with the
 * signal's reason (an AbortError), which is how a SIGTERM during the wait stops it.
 */
export async function retryWhileUnreachable<T>(
  step: () => Promise<T>,
  options: { signal: AbortSignal; onRetry: (info: { attempt: number; delayMs: number; error: Error }) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal.throwIfAborted()
    try {
      return await step()
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason
      if (!isUnreachable(error)) throw error
      const delayMs = retryDelayMs(attempt)
      options.onRetry({ attempt, delayMs, error: error as Error })
      await sleep(delayMs, undefined, { signal: options.signal })
    }
  }
}

import { createHmac } from 'node:crypto'
import { checkedLookup, RefusedAddressError, refusedLiteralHost } from './webhooks.address.ts'
import type { ATTEMPT_OUTCOMES } from './webhooks.schemas.ts'

// As require() gives them: an ES import of node:http loads Node's bundled
// undici for its WebSocket getters, ~13 MB the server never uses (decision 0014).
const http = process.getBuiltinModule('node:http')
const https = process.getBuiltinModule('node:https')

/** What a receiver computes to check a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (README, Webhooks). */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`
}

/** How much of an answer is kept (the attempt's `response_excerpt`); the rest is not read. */
export const EXCERPT_BYTES = 1024
export const DEFAULT_TIMEOUT_MS = 10_000
const MAX_ERROR_LENGTH = 1000

export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number]
export type SendResult = {
  outcome: AttemptOutcome
  statusCode: number | null
  error: string | null
  excerpt: string | null
  durationMs: number
}

export type SendOptions = {
  /** The whole exchange (connect, send, the answer's head, the excerpt) must fit in this. */
  timeoutMs: number
  /** The setting webhooks_allow_private: connect to loopback and private addresses too. */
  allowPrivate: boolean
  /** Aborts the request (the job worker gives up on a stopping instance). */
  signal?: AbortSignal
}

class TimeoutError extends Error {}

/**
 * POSTs `body` to `url` once: no redirects followed (a 3xx is a failure), the
 * address checked when connecting (webhooks.address.ts) unless private
 * addresses are allowed, at most `EXCERPT_BYTES` of the answer read. Never
 * throws: every failure is an outcome for the attempt log.
 */
export function sendWebhook(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendResult> {
  const started = performance.now()
  const elapsed = () => Math.max(0, Math.round(performance.now() - started))
  const target = new URL(url)
  const literalRefusal = options.allowPrivate ? undefined : refusedLiteralHost(target.hostname)
  if (literalRefusal !== undefined) {
    const error = new RefusedAddressError(target.hostname, target.hostname, literalRefusal)
    return Promise.resolve({ outcome: 'refused', statusCode: null, error: error.message, excerpt: null, durationMs: 0 })
  }
  const client = target.protocol === 'https:' ? https : http
  return new Promise<SendResult>((resolve) => {
    let statusCode: number | null = null
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const finish = (failure?: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      request.destroy()
      const excerpt = size > 0 ? Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8').replaceAll('\u0000', '') : null
      if (statusCode !== null) {
        const ok = statusCode >= 200 && statusCode < 300
        resolve({
          outcome: ok ? 'succeeded' : 'http_error',
          statusCode,
          error: ok ? null : `the receiver answered ${statusCode}`,
          excerpt,
          durationMs: elapsed(),
        })
        return
      }
      const outcome: AttemptOutcome =
        failure instanceof TimeoutError ? 'timeout' : failure instanceof RefusedAddressError ? 'refused' : 'network_error'
      const message = failure ? failure.message || ((failure as NodeJS.ErrnoException).code ?? failure.name) : 'no answer'
      resolve({ outcome, statusCode: null, error: message.slice(0, MAX_ERROR_LENGTH), excerpt: null, durationMs: elapsed() })
    }
    const request = client.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      // A fresh connection each time, closed after: no pooled socket outlives the check of its address.
      agent: false,
      ...(options.allowPrivate ? {} : { lookup: checkedLookup }),
    })
    const timer = setTimeout(() => finish(new TimeoutError(`no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs)
    const onAbort = () => finish(new Error('the delivery was abandoned (the instance is stopping)'))
    options.signal?.addEventListener('abort', onAbort, { once: true })
    request.on('error', (error) => finish(error))
    request.on('response', (response) => {
      statusCode = response.statusCode ?? null
      response.on('data', (chunk: Buffer) => {
        if (size < EXCERPT_BYTES) chunks.push(chunk)
        size += chunk.length
        // Enough for the excerpt: the rest of a large answer is not read.
        if (size >= EXCERPT_BYTES) finish()
      })
      response.on('end', () => finish())
      response.on('error', (error) => finish(error))
      response.on('close', () => finish())
    })
    request.end(body)
  })
}

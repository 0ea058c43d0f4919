import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Bodies under this size are sent as they are (also the compression plugin's threshold, app.ts). */
export const COMPRESS_FROM_BYTES = 1024

/**
 * Brotli's quality for a body compressed for one response (the plugin's setting, app.ts). Its
 * default (11) costs milliseconds per response; measured on a 23 KB home page (decision 0010):
 * quality 2 takes 143 µs for 7.5 KB, quality 4 253 µs for 7.0 KB, gzip -6 143 µs for 7.4 KB.
 */
export const BROTLI_QUALITY_PER_RESPONSE = 2

/** A body's compressed forms, each made at the first request that asks for it and kept by the caller. */
export type CompressedForms = { br?: Buffer; gzip?: Buffer }

/**
 * The form of `body` this request accepts — Brotli, else gzip, else the text — with
 * `Vary: Accept-Encoding` and `Content-Encoding` set, so the compression plugin leaves it
 * alone. A form missing from `forms` is made and stored there: the caller keeps `forms`
 * for the next request of the same bytes (the response cache, public pages).
 */
export function encodeFor(
  request: FastifyRequest,
  reply: FastifyReply,
  body: string,
  forms: CompressedForms,
  options: { brotliQuality: number; vary?: string },
): string | Buffer {
  if (!varyByEncoding(reply, body, options.vary)) return body
  const encoding = acceptedEncoding(request.headers['accept-encoding'])
  if (encoding === 'identity') return body
  reply.header('content-encoding', encoding)
  if (encoding === 'br') {
    forms.br ??= brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: options.brotliQuality } })
    return forms.br
  }
  forms.gzip ??= gzipSync(body)
  return forms.gzip
}

/**
 * Sets `Vary: Accept-Encoding` (after `vary`, the answer's own) when `body` is large enough to
 * be sent compressed, and answers whether it is. A 304 sends the Vary its 200 would (RFC 9110 §15.4.5).
 */
export function varyByEncoding(reply: FastifyReply, body: string, vary?: string): boolean {
  if (Buffer.byteLength(body) < COMPRESS_FROM_BYTES) return false
  reply.header('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding')
  return true
}

/** br, else gzip, else identity, from Accept-Encoding (a coding with q=0 is refused; `*` accepts br). */
export function acceptedEncoding(header: string | undefined): 'br' | 'gzip' | 'identity' {
  if (!header) return 'identity'
  let gzip = false
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';')
    const refused = params.some((param) => /^\s*q\s*=\s*0(?:\.0{0,3})?\s*$/.test(param))
    if (refused) continue
    if (name === 'br' || name === '*') return 'br'
    if (name === 'gzip') gzip = true
  }
  return gzip ? 'gzip' : 'identity'
}

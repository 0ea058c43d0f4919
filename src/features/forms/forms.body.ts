import type { FastifyRequest } from 'fastify'
import { badRequest, HttpError, invalid } from '#core/http/errors.ts'
import { HONEYPOT_FIELD, type RawValue, TOKEN_FIELD } from './forms.fields.ts'
import { ALTCHA_FIELD } from './forms.pow.ts'
import { MAX_FILE_BYTES } from './forms.schemas.ts'
import type { UploadedFile } from './forms.service.ts'

/** The multipart limits of a form post (issue 12, item 3): a file over MAX_FILE_BYTES or too many parts is a 413. */
export const MULTIPART_LIMITS = { fileSize: MAX_FILE_BYTES, files: 5, fields: 120, parts: 125, fieldSize: 20_000, headerPairs: 20 }
/** The url-encoded and JSON body limit of a form post. */
export const FORM_BODY_LIMIT = 256 * 1024

export type FormBody = { values: Record<string, RawValue>; files: UploadedFile[]; token: unknown; honeypot: unknown; altcha: unknown }

/** Splits the token, the honeypot and the proof of work from the values a visitor sent. */
function split(fields: Record<string, RawValue>, files: UploadedFile[]): FormBody {
  const { [TOKEN_FIELD]: token, [HONEYPOT_FIELD]: honeypot, [ALTCHA_FIELD]: altcha, ...values } = fields
  return {
    values,
    files,
    token: Array.isArray(token) ? token[0] : token,
    honeypot: Array.isArray(honeypot) ? honeypot.join('') : honeypot,
    altcha: Array.isArray(altcha) ? altcha[0] : altcha,
  }
}

/**
 * A form post's body, whatever its type: url-encoded (a browser without
 * files), multipart (a browser with files, or a headless client), or a JSON
 * object (the API). A repeated name becomes a list (checkboxes). Parse errors
 * are 400s, oversized parts 413s; never a 500.
 */
export async function readFormBody(request: FastifyRequest): Promise<FormBody> {
  if (!request.isMultipart()) {
    const body = request.body
    if (body === undefined || body === null) return split({}, [])
    if (typeof body !== 'object' || Array.isArray(body))
      throw invalid([{ field: 'body', in: 'body', message: 'must be an object of field values' }])
    const entries = Object.entries(body as Record<string, unknown>)
    if (entries.length > MULTIPART_LIMITS.fields) throw new HttpError(413, 'body_too_large', 'The form has too many fields.')
    return split(Object.fromEntries(entries), [])
  }
  const fields: Record<string, RawValue> = {}
  const files: UploadedFile[] = []
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer()
        // A file input left empty sends a part with no name and no bytes: no file.
        if (bytes.length === 0 && part.filename === '') continue
        files.push({ field: part.fieldname, bytes, filename: cleanFilename(part.filename) })
      } else {
        if (part.valueTruncated) throw new HttpError(413, 'body_too_large', `The field ${part.fieldname} is too long.`)
        const value = String(part.value)
        const before = fields[part.fieldname]
        fields[part.fieldname] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before as string, value]
      }
    }
  } catch (error) {
    // Busboy's parse errors are plain Errors: a 400. Ours and the plugin's sized ones (413) pass.
    const status = (error as { statusCode?: number }).statusCode
    if (error instanceof HttpError || (typeof status === 'number' && status >= 400 && status < 500)) throw error
    throw badRequest(`The multipart body is malformed: ${(error as Error).message}`)
  }
  return split(fields, files)
}

/** The client's file name, kept for display only: no path, no control characters. */
const cleanFilename = (filename: string) =>
  (filename.split(/[\\/]/).at(-1) ?? '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .slice(0, 255)

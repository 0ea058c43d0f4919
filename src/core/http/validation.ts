import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'

/**
 * Request validation with two Ajv instances: query strings, params and headers
 * are text, so their values are coerced to the schema's types ("2" → 2); a JSON
 * body is not, so `{"name": 42}` is a 400 rather than the string "42".
 */
export function registerValidation(app: FastifyInstance) {
  const options: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false, addUsedSchema: false }
  const body = addFormats.default(new Ajv({ ...options, coerceTypes: false }))
  const text = addFormats.default(new Ajv({ ...options, coerceTypes: 'array' }))
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema))
}

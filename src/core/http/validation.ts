import { Ajv, type Options, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import fastJsonStringify from 'fast-json-stringify'
import type { FastifyInstance } from 'fastify'

/**
 * Request validation and response serialisation: Fastify's compilers, replaced so that each
 * schema is compiled once per process and only when a request first needs it.
 *
 * Fastify compiles every route's schemas when the app gets ready: about 100 routes, each with
 * params, query and body validators and a serializer per response status (ten problem statuses
 * on most), which cost some 400 ms of CPU per app. A server paid that before its first answer,
 * and the test suite, which builds an app per test, paid it some 900 times per database. Here a
 * route holds a function that compiles on its first call, from a process-wide cache keyed by the
 * schema's JSON (the same problem schema on fifty routes is compiled once). A schema error
 * therefore shows at the route's first request rather than at start: every route is requested
 * by the suite, and `npm run lint:api` checks the schemas as a document.
 *
 * Two Ajv instances: query strings, params and headers are text, so their values are coerced to
 * the schema's types ("2" → 2); a JSON body is not, so `{"name": 42}` is a 400 rather than the
 * string "42".
 */
const options: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false, addUsedSchema: false }
const ajv = {
  body: addFormats.default(new Ajv({ ...options, coerceTypes: false })),
  text: addFormats.default(new Ajv({ ...options, coerceTypes: 'array' })),
}
const validators = new Map<string, ValidateFunction>()
const serializers = new Map<string, (data: unknown) => string>()

type LazyValidator = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => boolean) & {
  errors?: ValidateFunction['errors']
  schemaEnv?: object
}

function lazyValidator(schema: object, kind: keyof typeof ajv): LazyValidator {
  const key = `${kind} ${JSON.stringify(schema)}`
  let compiled: ValidateFunction | undefined
  const validate: LazyValidator = (data, context) => {
    if (!compiled) {
      compiled = validators.get(key) ?? ajv[kind].compile(schema)
      validators.set(key, compiled)
    }
    // Ajv changes a root value (a coerced or defaulted query string) only through its parent, which
    // Fastify passes when the function has a `schemaEnv`, as Ajv's own functions do.
    const valid = context ? compiled(data, context) : compiled(data)
    validate.errors = compiled.errors
    return valid as boolean
  }
  validate.schemaEnv = {}
  return validate
}

function lazySerializer(schema: object): (data: unknown) => string {
  const key = JSON.stringify(schema)
  let compiled: ((data: unknown) => string) | undefined
  return (data) => {
    if (!compiled) {
      compiled = serializers.get(key) ?? fastJsonStringify(schema)
      serializers.set(key, compiled)
    }
    return compiled(data)
  }
}

export function registerValidation(app: FastifyInstance) {
  app.setValidatorCompiler(({ schema, httpPart }) => lazyValidator(schema, httpPart === 'body' ? 'body' : 'text'))
  app.setSerializerCompiler(({ schema }) => lazySerializer(schema))
}

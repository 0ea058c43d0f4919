import { createRequire } from 'node:module'
import type { Value } from 'typebox/value'

const require = createRequire(import.meta.url)
let loaded: typeof Value | undefined

/**
 * TypeBox's `Value` (Check, Errors), loaded at the first call. `typebox/value`
 * is ~300 modules beside the ~370 of `typebox` itself (~2.4 MB of heap and more
 * in module records), and only a mail, a form's notification or a proof of work
 * checks a value with it; request validation is Ajv's (core/http/validation.ts).
 * require(), so a check stays synchronous (decision 0014).
 */
export const typeboxValue = (): typeof Value => {
  loaded ??= (require('typebox/value') as typeof import('typebox/value')).Value
  return loaded
}

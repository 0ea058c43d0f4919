import { lazyRequire } from './lazy-require.ts'

/**
 * TypeBox's `Value` (Check, Errors), loaded at the first call. `typebox/value`
 * is ~300 modules beside the ~370 of `typebox` itself (~2.4 MB of heap and more
 * in module records), and only a mail, a form's notification or a proof of work
 * checks a value with it; request validation is Ajv's (core/http/validation.ts).
 */
const typeboxValueModule = lazyRequire<typeof import('typebox/value')>('typebox/value')
export const typeboxValue = () => typeboxValueModule().Value

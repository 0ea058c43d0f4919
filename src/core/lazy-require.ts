import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/**
 * A package loaded at the first call of the returned function, then kept: for a
 * library that a start-up and most requests never use, so the idle server does
 * not hold it (decision 0014). require(), not import(): the callers stay
 * synchronous (Node 24 requires ES modules too). `T` is the module's type, e.g.
 * `lazyRequire<typeof import('re2js')>('re2js')`.
 */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: { module: T } | undefined
  return () => {
    loaded ??= { module: require(specifier) as T }
    return loaded.module
  }
}

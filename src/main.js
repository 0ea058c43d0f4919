import module from 'node:module'

// Cache compiled code on disk (Node's compile cache): a restart then loads
// Fastify, Kysely and the app a few hundred milliseconds faster. Enabled
// before the app is imported, hence the dynamic import.
//
// This one file is JavaScript, not TypeScript: Node strips a .ts module's
// types with a bundled WebAssembly compiler (amaro), which stays loaded once
// used. With the cache warm (filled at install by
// scripts/prepare-pglite-image.ts), no module needs stripping again, so a
// start that begins here never loads it: measured 15 MB less idle RSS and a
// third less time to the first /healthz (decision 0014).
module.enableCompileCache?.()

const { runServer } = await import('./server.ts')
await runServer(process.env)

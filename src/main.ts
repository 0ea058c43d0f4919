import module from 'node:module'

// Cache compiled code on disk (Node's compile cache): a restart then loads
// Fastify, Kysely and the app a few hundred milliseconds faster. Enabled
// before the app is imported, hence the dynamic import.
module.enableCompileCache?.()

const { runServer } = await import('./server.ts')
await runServer(process.env)

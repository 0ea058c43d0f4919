import type { Server } from 'node:http'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { Database } from './db/database.ts'
import type { Lifecycle } from './lifecycle.ts'

export const SHUTDOWN_TIMEOUT_MS = 10_000

/**
 * Graceful shutdown: /readyz turns 503, the server stops accepting connections
 * and closes idle keep-alive ones, in-flight requests and running jobs finish
 * (up to the timeout), then the database closes. Resolves true when everything
 * finished in time.
 */
export type ShutdownDeps = {
  app: FastifyInstance
  database: Database
  lifecycle: Lifecycle
  /**
   * Background work to stop (the job worker): started together with the HTTP
   * server's close and awaited before the database closes. Resolves false when
   * it had to cut work short.
   */
  beforeDatabaseClose?: (timeoutMs: number) => Promise<boolean>
}

export async function shutdown(deps: ShutdownDeps, timeoutMs = SHUTDOWN_TIMEOUT_MS) {
  const { app, database, lifecycle } = deps
  lifecycle.state = 'stopping'
  const background = deps.beforeDatabaseClose?.(timeoutMs) ?? Promise.resolve(true)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs)
  })
  // The server is the one that listened before the app loaded (server.ts), so
  // Fastify did not open it and its close() leaves it open: close it here too.
  const closed = Promise.all([app.close(), closeServer(app.server)]).then(() => true as const)
  // close() drops only the connections idle at that moment; a keep-alive
  // connection whose in-flight response finishes later would hold the server
  // open until its keep-alive timeout, so keep dropping idle ones.
  const sweeper = setInterval(() => app.server.closeIdleConnections(), 50)
  const finished = await Promise.race([closed, timedOut])
  clearInterval(sweeper)
  clearTimeout(timer)
  if (!finished) {
    app.log.error(`in-flight requests did not finish within ${timeoutMs} ms; closing their connections`)
    app.server.closeAllConnections()
  }
  const backgroundFinished = await background
  await database.close()
  return finished && backgroundFinished
}

/**
 * Stops accepting connections and resolves once the open ones have ended
 * (closing the idle ones is the caller's sweep). A server that is not
 * listening (closed already) resolves at once.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/**
 * SIGTERM/SIGINT → `stop()` (a graceful shutdown: `shutdown(…)` once the app
 * serves, less while it starts), then exit 0, or 1 if it resolved false (requests
 * or jobs had to be cut off) or failed. A second signal exits at once. Installed
 * as soon as the server listens, so a stop during start-up (a database still
 * unreachable, say) is as clean as one later.
 */
export function installShutdown(log: FastifyBaseLogger, stop: () => Promise<boolean>) {
  let stopping = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`)
      process.exit(1)
    }
    stopping = true
    log.info(`${signal} received: shutting down`)
    stop().then(
      (finished) => {
        log.info('shut down')
        process.exit(finished ? 0 : 1)
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}

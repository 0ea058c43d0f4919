import type { FastifyInstance } from 'fastify'
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
  const closed = app.close().then(() => true as const)
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

/** SIGTERM/SIGINT → graceful shutdown, then exit 0 (1 if requests or jobs had to be cut off). A second signal exits at once. */
export function installShutdown(deps: ShutdownDeps) {
  let stopping = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      deps.app.log.warn(`${signal} again: exiting now`)
      process.exit(1)
    }
    stopping = true
    deps.app.log.info(`${signal} received: shutting down`)
    shutdown(deps).then(
      (finished) => {
        deps.app.log.info('shut down')
        process.exit(finished ? 0 : 1)
      },
      (error: unknown) => {
        deps.app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}

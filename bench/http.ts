/** Talking to the app and its children: plain requests, polling, free ports, a clean environment. */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { POLL_MS, READY_TIMEOUT_MS } from './context.ts'
import type { Child } from './proc.ts'

/** Polls `url` every 25 ms until it answers `status`; resolves with `performance.now()` at that moment. */
export async function waitForStatus(child: Child, url: string, status: number): Promise<number> {
  const deadline = performance.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exit)
      throw new Error(`${child.name} exited (${JSON.stringify(child.exit)}) before ${url} answered ${status}:\n${child.output()}`)
    const response = await request(url, { timeoutMs: 1_000 }).catch(() => undefined)
    if (response?.status === status) return performance.now()
    if (performance.now() > deadline) throw new Error(`${url} did not answer ${status} within ${READY_TIMEOUT_MS} ms:\n${child.output()}`)
    await sleep(POLL_MS)
  }
}

/** A plain request that sends only `headers` and `body` (fetch would add accept-encoding and decompress). */
export function request(
  url: string,
  {
    headers = {},
    method = 'GET',
    body,
    timeoutMs = 5_000,
  }: { headers?: Record<string, string>; method?: string; body?: string; timeoutMs?: number } = {},
) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}

export function freePort() {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

const BENCH_SECRET_KEY = randomBytes(32).toString('hex')

/** Children get a small, known environment rather than whatever the shell has (DATABASE_URL, NODE_OPTIONS, …). */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // The bench sends thousands of API requests from one address: the API rate limit (RATE_LIMIT_MAX) stays on, out of reach.
  // A fresh database each run: any key will do (PostgreSQL refuses to start without SECRET_KEY).
  // Likewise the form submission limits (FORM_LIMIT_PER_ADDRESS, FORM_LIMIT_PER_FORM): on, out of reach (bench/forms.ts says so).
  const env: NodeJS.ProcessEnv = {
    RATE_LIMIT_MAX: '1000000000',
    FORM_LIMIT_PER_ADDRESS: '1000000000',
    FORM_LIMIT_PER_FORM: '1000000000',
    SECRET_KEY: BENCH_SECRET_KEY,
    ...extra,
  }
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name] !== undefined) env[name] = process.env[name]
  return env
}

/**
 * What every part of the bench shares: its settings (from BENCH_* variables),
 * the targets, the temporary directory, the clean-up list and the results that
 * end up in bench/results/<timestamp>.json.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ARGON2_OPTIONS } from '../src/features/users/login/passwords.ts'
import { canPin, clockTicks } from './proc.ts'

export const root = path.resolve(import.meta.dirname, '..')
export const settings = {
  seconds: positiveNumber('BENCH_SECONDS', 8),
  warmupSeconds: 2,
  connections: positiveNumber('BENCH_CONNECTIONS', 32),
  rounds: positiveNumber('BENCH_ROUNDS', 2),
  serverCpu: 0,
  loadCpu: 1,
  login: {
    /** enough logins in flight to keep libuv's 4 threads hashing */
    connections: 16,
    /** the raw hash rate's concurrency: twice the thread pool, like a queue that never runs dry */
    hashesInFlight: 8,
    /** the /healthz load alone and beside the logins */
    healthzConnections: 4,
    /** the logins start this long before the /healthz run and end this long after it */
    leadSeconds: 1,
  },
}
export const databaseUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined
/**
 * BENCH_ONLY=text: run only the scenarios whose name contains it.
 * BENCH_ONLY=startup: start-up, memory and the demo seed only, no load.
 */
export const only = process.env.BENCH_ONLY?.trim() || undefined
export const startupOnly = only === 'startup'
/** BENCH_SKIP_PGLITE=1: with BENCH_DATABASE_URL, measure PostgreSQL only (a quicker look). */
export const skipPglite = process.env.BENCH_SKIP_PGLITE === '1'
/** The scenario column of the table. */
export const NAME_WIDTH = 30
export const POLL_MS = 25
export const READY_TIMEOUT_MS = 60_000
export const IDLE_MS = 3_000
export const IDLE_SAMPLE_MS = 250
export const MB = 1_000_000
export const TARGETS = {
  /** issue 8, item 7 */
  healthzMs: 500,
  readyEmptyMs: 4_000,
  readyExistingMs: 2_000,
  idleRss: { pglite: 250 * MB, postgres: 150 * MB },
  seedMs: 30_000,
  seedPeakRss: 400 * MB,
  /** login req/s ÷ raw argon2id hash rate, at least */
  loginHashRatio: 0.9,
  /** /healthz p99 while logins run ÷ /healthz p99 alone, at most */
  healthzSlowdown: 2,
}
/** For comparison, from issue 3 (logins per second, measured on the issue author's machine). */
export const LOGIN_PEERS = 'WordPress 40 logins/s, Ghost 11/s, Directus 0.8/s'
export const LOGIN = 'POST /api/v1/auth/login'
export const ARGON2_TEXT = `${ARGON2_OPTIONS.memoryCost} KiB t=${ARGON2_OPTIONS.timeCost} p=${ARGON2_OPTIONS.parallelism}`

export type Kind = 'pglite' | 'postgres'
export type Target = { what: string; value: number; limit: string; pass: boolean }

export const results = {
  startedAt: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cpus: os.availableParallelism(),
  pinned: canPin,
  clockTicks,
  settings,
  databases: [] as Record<string, unknown>[],
  targets: [] as Target[],
  problems: [] as string[],
  error: undefined as string | undefined,
}

/** Clean-ups run last-in first-out, on success, on error and on Ctrl-C (run.ts). */
export const cleanups: (() => unknown)[] = []

/** Scratch files (response bodies for the baseline, data directories); removed at the end. */
export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-bench-'))
cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))

export function positiveNumber(name: string, fallback: number) {
  const raw = process.env[name]?.trim()
  if (!raw) return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`)
  return value
}

/**
 * The yardstick for logins: how many argon2id hashes per second this process
 * makes with exactly the app's parameters, in the app's concurrency shape
 * (node-argon2 on libuv's thread pool, `--in-flight` hashes at once). The
 * bench runs it on the server's CPU. After `--warmup` seconds it counts the
 * hashes that finish within `--seconds` and its own CPU time over that window,
 * then prints one line of JSON.
 *
 *   node bench/hash-rate.ts --seconds 8 --warmup 2 --in-flight 8 [--password p]
 */
import { parseArgs } from 'node:util'
import argon2 from 'argon2'
import { ARGON2_OPTIONS } from '../src/features/users/login/passwords.ts'
import { cpuSeconds } from './proc.ts'

export type HashRateResult = {
  hashes: number
  seconds: number
  cpuSeconds: number
  inFlight: number
  threadPool: number
  options: typeof ARGON2_OPTIONS
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '8' },
    password: { type: 'string', default: 'a long passphrase for the hash-rate yardstick' },
  },
})
const inFlight = Number(values['in-flight'])

let counting = false
let stopped = false
let hashes = 0
async function worker() {
  while (!stopped) {
    await argon2.hash(values.password, ARGON2_OPTIONS)
    if (counting) hashes++
  }
}
const workers = Array.from({ length: inFlight }, worker)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
await sleep(Number(values.warmup) * 1000)
counting = true
const startedAt = performance.now()
const cpuBefore = cpuSeconds(process.pid)
await sleep(Number(values.seconds) * 1000)
const cpu = cpuSeconds(process.pid) - cpuBefore
const seconds = (performance.now() - startedAt) / 1000
counting = false
const counted = hashes
stopped = true
await Promise.all(workers)

const output: HashRateResult = {
  hashes: counted,
  seconds,
  cpuSeconds: cpu,
  inFlight,
  threadPool: Number(process.env.UV_THREADPOOL_SIZE) || 4,
  options: ARGON2_OPTIONS,
}
process.stdout.write(`${JSON.stringify(output)}\n`)

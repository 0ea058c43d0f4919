/**
 * Child processes for the bench, and what /proc says about them.
 * Every child started here is remembered until it exits, so `killAll` can
 * take down whatever is left when the bench itself stops early.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'

const TASKSET = '/usr/bin/taskset'
/** Whether children can be pinned to a CPU (`taskset -c`). */
export const canPin = fs.existsSync(TASKSET)

/** Clock ticks per second of the times in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
export const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

export type Exit = { code: number | null; signal: NodeJS.Signals | null }

export type Child = {
  name: string
  pid: number
  /** `performance.now()` just before the spawn */
  startedAt: number
  /** Resolves once the process has exited and its output is drained. */
  exited: Promise<Exit>
  /** Set once it has exited. */
  exit: Exit | undefined
  /** The last 64 KiB of stdout and stderr, interleaved. */
  output(): string
  process: ChildProcess
}

const running = new Set<Child>()
const OUTPUT_KEEP = 64 * 1024

/**
 * Starts `command args…`, pinned to `cpu` when taskset exists. taskset execs the
 * command, so the pid is the command's own and /proc readings are about it.
 */
export function startChild(name: string, command: string[], options: { cpu?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const argv = canPin && options.cpu !== undefined ? [TASKSET, '-c', String(options.cpu), ...command] : command
  const startedAt = performance.now()
  const proc = spawn(argv[0] as string, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${argv.join(' ')})`)

  let output = ''
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8')
    if (output.length > 2 * OUTPUT_KEEP) output = output.slice(-OUTPUT_KEEP)
  }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)

  const child: Child = {
    name,
    pid: proc.pid,
    startedAt,
    exit: undefined,
    exited: new Promise<Exit>((resolve) => {
      proc.on('close', (code, signal) => {
        child.exit = { code, signal }
        running.delete(child)
        resolve(child.exit)
      })
    }),
    output: () => output.slice(-OUTPUT_KEEP),
    process: proc,
  }
  running.add(child)
  return child
}

/** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. Resolves with how it exited. */
export async function stopChild(child: Child, timeoutMs = 15_000): Promise<Exit & { killed: boolean }> {
  if (child.exit) return { ...child.exit, killed: false }
  child.process.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const outcome = await Promise.race([child.exited, timedOut])
  clearTimeout(timer)
  if (outcome !== 'timeout') return { ...outcome, killed: false }
  child.process.kill('SIGKILL')
  return { ...(await child.exited), killed: true }
}

/** Last resort on exit: SIGKILL every child still running. Synchronous, for `process.on('exit')`. */
export function killAll() {
  for (const child of running) child.process.kill('SIGKILL')
}

/** CPU time (user + system, all threads) the process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Field 2, the command name, is in parentheses and may contain spaces, so
  // count from after the last ')': fields[0] is field 3, utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicks
}

/** Resident set size (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(match[1]) * 1024
}

/** Peak resident set size so far (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status)
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`)
  return Number(match[1]) * 1024
}

import fs from 'node:fs'
import path from 'node:path'

export class DataDirLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the data directory ${dataDir} is in use by another Plinth process (pid ${pid}). ` +
        'The embedded database (PGlite) allows one process at a time: stop that process first, ' +
        'or set DATABASE_URL to use PostgreSQL, which allows many.',
    )
    this.name = 'DataDirLockedError'
  }
}

/**
 * Claims `dataDir` for this process with a lock file holding our pid, since two
 * PGlite instances writing one data directory would corrupt it. A lock left by a
 * process that no longer exists is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string, pid = process.pid): () => void {
  fs.mkdirSync(dataDir, { recursive: true })
  const lockFile = path.join(dataDir, 'plinth.lock')
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockFile, `${pid}\n`, { flag: 'wx' })
      return () => {
        if (readOwner(lockFile) === pid) fs.rmSync(lockFile, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = readOwner(lockFile)
    if (owner !== undefined && owner !== pid && isAlive(owner)) throw new DataDirLockedError(dataDir, owner)
    // Stale (its owner is gone) or unreadable: remove it and try again. If two
    // processes race here, only one wins the `wx` create above.
    fs.rmSync(lockFile, { force: true })
  }
  throw new Error(`could not create the lock file ${lockFile}`)
}

function readOwner(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

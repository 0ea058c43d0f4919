import { randomBytes } from 'node:crypto'
import fsp from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'

/**
 * Where media bytes live (issue 4, part 5). Files are addressed by the SHA-256
 * of their bytes plus the extension detected from those bytes, so a key never
 * changes meaning and public URLs can be cached forever. The interface is small
 * so that an S3-compatible or database store can replace the local one.
 */
export type MediaKey = { sha256: string; extension: string }

export type MediaStore = {
  /** Stores the bytes under their key; a no-op when the key is already stored. */
  put(key: MediaKey, bytes: Buffer): Promise<void>
  read(key: MediaKey): Promise<Buffer>
  /** A stream and its size, or undefined when nothing is stored under the key. */
  open(key: MediaKey): Promise<{ stream: Readable; size: number } | undefined>
  has(key: MediaKey): Promise<boolean>
  /** Removes the bytes; a no-op when nothing is stored under the key. */
  remove(key: MediaKey): Promise<void>
}

const KEY_PATTERN = /^[0-9a-f]{64}$/
const EXTENSION_PATTERN = /^[a-z0-9]{1,5}$/

/**
 * The default store: `<dataDir>/media/<first two hex digits>/<sha256>.<ext>`.
 * The two-digit fan-out keeps directories small. Writes go to a temporary file
 * in the same directory and are renamed into place, so a reader never sees half
 * a file and two instances writing the same bytes both end with one whole file.
 */
export function localMediaStore(dataDir: string): MediaStore {
  const root = path.join(dataDir, 'media')
  const fileOf = (key: MediaKey) => {
    // The key is always ours (a hash we computed, an extension from our list), but
    // a path built from it must never leave the media directory.
    if (!KEY_PATTERN.test(key.sha256) || !EXTENSION_PATTERN.test(key.extension)) throw new Error('invalid media key')
    return path.join(root, key.sha256.slice(0, 2), `${key.sha256}.${key.extension}`)
  }
  const has = async (key: MediaKey) =>
    fsp.access(fileOf(key)).then(
      () => true,
      () => false,
    )

  return {
    has,
    async put(key, bytes) {
      const file = fileOf(key)
      if (await has(key)) return
      await fsp.mkdir(path.dirname(file), { recursive: true })
      const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`
      await fsp.writeFile(temporary, bytes)
      await fsp.rename(temporary, file)
    },
    read: (key) => fsp.readFile(fileOf(key)),
    async open(key) {
      const file = fileOf(key)
      let handle: fsp.FileHandle
      try {
        handle = await fsp.open(file, 'r')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
      try {
        const { size } = await handle.stat()
        // The stream closes the handle when it ends or is destroyed (a client gone mid-download).
        return { stream: handle.createReadStream(), size }
      } catch (error) {
        await handle.close()
        throw error
      }
    },
    async remove(key) {
      await fsp.rm(fileOf(key), { force: true })
    },
  }
}

// `npm run lint:api` (and `npm run client`): the app's OpenAPI document, built
// without a listening server or a real database. The app is built on an empty
// in-memory PGlite (routes and schemas need no tables) and its document read
// from GET /api/openapi.json (through inject: nothing listens).
//
//   node scripts/openapi.ts [file]   writes the document to `file` (stdout without one)
//   node scripts/openapi.ts --lint   writes it to a temporary file and lints it with
//                                    @redocly/cli's recommended rules (exit status: the lint's)
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.ts'
import { parseConfig } from '../src/core/config.ts'
import { openPglite } from '../src/core/db/database.ts'
import { Lifecycle } from '../src/core/lifecycle.ts'
import { createDeps } from '../src/deps.ts'

/** The OpenAPI document as an object (what GET /api/openapi.json answers). */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = parseConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATA_DIR: '/nonexistent-plinth-openapi-dir',
    SECRET_KEY: '0'.repeat(64),
    PUBLIC_URL: 'http://localhost:3000',
  })
  const database = await openPglite()
  try {
    const lifecycle = new Lifecycle()
    lifecycle.state = 'ready'
    const app = await buildApp({ ...createDeps(config, database), lifecycle }, { logger: false })
    try {
      const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
      if (response.statusCode !== 200) throw new Error(`GET /api/openapi.json answered ${response.statusCode}: ${response.body}`)
      return response.json() as Record<string, unknown>
    } finally {
      await app.close()
    }
  } finally {
    await database.close()
  }
}

/** Writes the document to `file` as indented JSON (directories made as needed); returns the JSON written. */
export async function writeOpenApiDocument(file: string): Promise<string> {
  const json = `${JSON.stringify(await buildOpenApiDocument(), null, 2)}\n`
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, json)
  return json
}

/** Lints the document with @redocly/cli (recommended rules); returns the lint's exit status. */
export async function lintOpenApiDocument(): Promise<number> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-openapi-'))
  try {
    const file = path.join(directory, 'openapi.json')
    await writeOpenApiDocument(file)
    const cli = path.join(import.meta.dirname, '..', 'node_modules', '@redocly', 'cli', 'bin', 'cli.js')
    const result = spawnSync(process.execPath, [cli, 'lint', '--extends=recommended', '--format=stylish', file], {
      stdio: 'inherit',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    })
    return result.status ?? 1
  } finally {
    fs.rmSync(directory, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const file = process.argv[2]
  if (file === '--lint') process.exitCode = await lintOpenApiDocument()
  else if (file) await writeOpenApiDocument(file)
  else process.stdout.write(`${JSON.stringify(await buildOpenApiDocument(), null, 2)}\n`)
}

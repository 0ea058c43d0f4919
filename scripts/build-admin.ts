// Builds the admin UI (admin/, Preact + TSX; decision 0023) into dist/admin/:
// ESM with code splitting (each screen its own lazy chunk), minified, content-hashed
// file names; one stylesheet of every .css file under admin/ (admin/styles.css first,
// then the others in path order: esbuild would leave a lazy chunk's imported CSS
// unloaded, so scripts import no CSS and the build refuses one that does);
// file names under dist/admin/assets/, each asset also precompressed (.br, .gz),
// index.html (the shell: no inline script, CSP script-src 'self') and manifest.json
// (what the server serves and what the first load of /admin fetches).
// Runs at `npm install` (postinstall) and as `npm run build:admin`.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'
import { ADMIN_DIST_DIR, type AdminManifest } from '../src/features/admin-ui/manifest.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Builds admin/ into `finalDir` (dist/admin by default); answers the manifest it wrote. */
export async function buildAdmin(finalDir = ADMIN_DIST_DIR): Promise<AdminManifest> {
  // Built beside the old one, then swapped in: a server starting meanwhile reads a whole build.
  const outDir = `${finalDir}.building-${process.pid}`
  const assetsDir = path.join(outDir, 'assets')
  fs.rmSync(outDir, { recursive: true, force: true })
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: 'admin/main.tsx', styles: 'admin-styles:all' },
    plugins: [oneStylesheet],
    outdir: assetsDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.svg': 'file', '.woff2': 'file' },
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  })

  const relative = (file: string) => path.relative(assetsDir, path.join(root, file)).split(path.sep).join('/')
  const outputs = result.metafile.outputs
  const entryFile = Object.keys(outputs).find((file) => outputs[file]?.entryPoint === 'admin/main.tsx' && file.endsWith('.js'))
  if (!entryFile) throw new Error('esbuild wrote no entry for admin/main.tsx')
  // The first load: the entry, the chunks it imports statically (transitively) and their CSS.
  const firstLoad = new Set<string>()
  const visit = (file: string) => {
    if (firstLoad.has(file)) return
    firstLoad.add(file)
    const output = outputs[file]
    if (output?.cssBundle) firstLoad.add(output.cssBundle)
    for (const imported of output?.imports ?? []) if (imported.kind === 'import-statement') visit(imported.path)
  }
  visit(entryFile)
  const stylesFile = Object.keys(outputs).find((file) => outputs[file]?.entryPoint === 'admin-styles:all')
  if (!stylesFile) throw new Error('esbuild wrote no stylesheet')
  firstLoad.add(stylesFile)

  const files: AdminManifest['files'] = {}
  for (const file of Object.keys(outputs)) {
    const body = fs.readFileSync(path.join(root, file))
    const name = relative(file)
    const br = brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    })
    const gz = gzipSync(body, { level: 9 })
    fs.writeFileSync(path.join(assetsDir, `${name}.br`), br)
    fs.writeFileSync(path.join(assetsDir, `${name}.gz`), gz)
    files[name] = { bytes: body.length, br: br.length, gzip: gz.length }
  }

  const manifest: AdminManifest = {
    entry: relative(entryFile),
    css: [relative(stylesFile)],
    firstLoad: [...firstLoad].map(relative).sort(),
    files,
  }
  const preloads = manifest.firstLoad.filter((file) => file.endsWith('.js') && file !== manifest.entry)
  fs.writeFileSync(path.join(outDir, 'index.html'), shellHtml(manifest, preloads))
  fs.writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  fs.rmSync(finalDir, { recursive: true, force: true })
  fs.renameSync(outDir, finalDir)
  return manifest
}

const adminDir = path.join(root, 'admin')

/** Every .css file under admin/, admin/styles.css first, then in path order. */
const stylesheets = () =>
  fs
    .readdirSync(adminDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.css'))
    .map((file) => file.split(path.sep).join('/'))
    .sort((a, b) => (a === 'styles.css' ? -1 : b === 'styles.css' ? 1 : a < b ? -1 : a > b ? 1 : 0))

/** The stylesheet entry (`admin-styles:all`) imports every .css under admin/; a script importing CSS is an error. */
const oneStylesheet: esbuild.Plugin = {
  name: 'admin-one-stylesheet',
  setup(build) {
    build.onResolve({ filter: /^admin-styles:all$/ }, () => ({ path: 'all', namespace: 'admin-styles' }))
    build.onLoad({ filter: /.*/, namespace: 'admin-styles' }, () => ({
      contents: stylesheets()
        .map((file) => `@import ${JSON.stringify(`./${file}`)};`)
        .join('\n'),
      resolveDir: adminDir,
      loader: 'css',
    }))
    build.onResolve({ filter: /\.css$/ }, (args) =>
      /\.[jt]sx?$/.test(args.importer)
        ? { errors: [{ text: `${args.path}: scripts import no CSS; every .css file under admin/ is in the one stylesheet already` }] }
        : undefined,
    )
  },
}

/** The one HTML page of the admin: the app mounts in #app; no inline script or style (CSP). */
function shellHtml(manifest: AdminManifest, preloads: string[]) {
  const asset = (file: string) => `/admin/assets/${file}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Plinth admin</title>
<link rel="icon" href="data:,">
${manifest.css.map((file) => `<link rel="stylesheet" href="${asset(file)}">`).join('\n')}
${preloads.map((file) => `<link rel="modulepreload" href="${asset(file)}">`).join('\n')}
<script type="module" src="${asset(manifest.entry)}"></script>
</head>
<body>
<div id="app"><noscript><p>The Plinth admin needs JavaScript.</p></noscript></div>
</body>
</html>
`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now()
  const manifest = await buildAdmin()
  const firstLoadBr = manifest.firstLoad.reduce((sum, file) => sum + (manifest.files[file]?.br ?? 0), 0)
  console.log(
    `plinth: built the admin UI in ${Math.round(performance.now() - started)} ms at ${path.relative(root, ADMIN_DIST_DIR)}/ ` +
      `(${Object.keys(manifest.files).length} files; first load ${(firstLoadBr / 1024).toFixed(1)} KB brotli)`,
  )
}

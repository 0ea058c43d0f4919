import { escapeHtml } from '../escape-html.ts'

/** The plain HTML page for errors outside /api, until a theme renders its own. Escapes everything it prints. */
export function renderErrorPage(status: number, title: string, detail: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${status} ${escapeHtml(title)}</title></head>
<body>
<main>
<h1>${status} ${escapeHtml(title)}</h1>
<p>${escapeHtml(detail)}</p>
<p><a href="/">Go to the home page</a></p>
</main>
</body>
</html>
`
}

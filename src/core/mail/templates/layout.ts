import { html, type SafeHtml } from './html.ts'

/**
 * The frame around every mail's HTML body: a plain, narrow, single-column page
 * with inline styles (mail clients ignore style sheets and scripts).
 */
export function layout(page: { title: string; body: SafeHtml }): string {
  return html`<!doctype html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
</head>
<body style="margin:0;padding:24px;background:#f5f5f4;color:#1c1917;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5">
<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;border-radius:8px">
${page.body}
</div>
</body>
</html>
`.value
}

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import { renderMarkdown } from './markdown.ts'

/** Markdown (or raw HTML typed into it) that must never come out as active content. */
const payloads: [string, string][] = [
  ['a script tag', '<script>alert(1)</script>'],
  ['a script tag split over lines', '<scr\nipt>alert(1)</script>'],
  ['a javascript: link', '[click](javascript:alert(1))'],
  ['a JaVaScRiPt: link with entities', '[click](JaVaScRiPt&#58;alert(1))'],
  ['a javascript: link with a tab', '[click](java\tscript:alert(1))'],
  ['a data: link', '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
  ['a data: image', '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)'],
  ['a vbscript: link', '[click](vbscript:msgbox(1))'],
  ['an autolink to javascript:', '<javascript:alert(1)>'],
  ['a reference link to javascript:', '[x][1]\n\n[1]: javascript:alert(1)'],
  ['an img with onerror', '<img src=x onerror=alert(1)>'],
  ['an event handler in a link title', '[a](https://example.com "x\\" onmouseover=\\"alert(1)")'],
  ['svg with a script', '<svg><script>alert(1)</script></svg>'],
  ['svg with onload', '<svg onload=alert(1)>'],
  ['an iframe', '<iframe src="https://evil.example"></iframe>'],
  ['broken HTML', '<<script>script>alert(1)<</script>/script><img src="x" onerror="alert(1)"'],
  ['an unclosed attribute', '<a href="javascript:alert(1)>x'],
  ['a style tag', '<style>body{background:url(javascript:alert(1))}</style>'],
  ['a form', '<form action="https://evil.example"><input name=x></form>'],
  ['an html block', '<div onclick="alert(1)">\n\n*text*\n\n</div>'],
  ['a heading with html', '# <img src=x onerror=alert(1)>'],
  ['a table cell with html', '| a |\n|---|\n| <script>alert(1)</script> |'],
  ['a footnote with html', 'x[^1]\n\n[^1]: <svg onload=alert(1)>'],
  ['a fenced code info string', '```"><script>alert(1)</script>\ncode\n```'],
]

const ACTIVE_TAGS = new Set([
  'script',
  'svg',
  'math',
  'iframe',
  'frame',
  'style',
  'form',
  'input',
  'button',
  'object',
  'embed',
  'link',
  'meta',
  'base',
])
const decode = (value: string) =>
  value
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')

/**
 * What no stored HTML may contain: an active element, an event handler, or a
 * script/data URL. The sanitiser escapes every `<` of text, so each `<` left
 * starts a real tag; each must parse as a plain tag with double-quoted attributes.
 */
function assertInert(html: string) {
  const tag = /<\/?([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*(?:="[^"<]*")?)*)\s*\/?>/giy
  for (let at = html.indexOf('<'); at !== -1; at = html.indexOf('<', tag.lastIndex)) {
    tag.lastIndex = at
    const match = tag.exec(html)
    assert.ok(match, `a "<" that does not start a well-formed tag at ${at}: ${html.slice(at, at + 40)}`)
    const [, name = '', attributes = ''] = match
    assert.ok(!ACTIVE_TAGS.has(name.toLowerCase()), `an active element <${name}>`)
    for (const [, attribute = '', value = ''] of attributes.matchAll(/([a-z][a-z0-9-]*)(?:="([^"]*)")?/gi)) {
      assert.ok(!/^on/i.test(attribute), `an event handler ${attribute} on <${name}>`)
      if (/^(href|src|action|formaction|xlink:href)$/i.test(attribute)) {
        // Browsers ignore whitespace and control characters inside a scheme (`java\tscript:`).
        const url = [...decode(value)].filter((c) => (c.codePointAt(0) ?? 0) > 0x20).join('')
        assert.doesNotMatch(url, /^(javascript|data|vbscript):/i, `a script or data URL in ${attribute}`)
      }
    }
  }
}

for (const [name, markdown] of payloads) {
  test(`Markdown sanitisation: ${name} renders inert`, () => {
    assertInert(renderMarkdown(markdown))
  })
}

test('every XSS payload saved over the API is stored and served as inert HTML', async (t) => {
  const testApp = await buildTestApp(t)
  const author = await createUser(testApp.database.db, { role: 'author' })
  const { cookie, csrf } = await logIn(testApp.app, author.email)
  const response = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/posts',
    headers: { cookie, 'x-csrf-token': csrf },
    payload: { title: 'XSS', body: payloads.map(([, markdown]) => markdown).join('\n\n') },
  })
  assert.equal(response.statusCode, 201, response.body)
  assertInert(response.json().body_html)
})

test('safe Markdown keeps its links, images, tables, footnotes and anchors', () => {
  const html = renderMarkdown(
    '## A heading\n\n[site](https://example.com) ![alt](/media/x.png) <https://auto.example>\n\n| l | r |\n|:--|--:|\n| 1 | 2 |\n\nA[^n]\n\n[^n]: note',
  )
  assert.match(html, /<h2 id="a-heading">/)
  assert.match(html, /<a href="https:\/\/example.com">site<\/a>/)
  assert.match(html, /<img src="\/media\/x.png" alt="alt" \/>/)
  assert.match(html, /<a href="https:\/\/auto.example">/)
  assert.match(html, /<th class="align-left">/)
  assert.match(html, /<td class="align-right">2<\/td>/)
  assert.doesNotMatch(html, /style=/)
  assert.match(html, /<section class="footnotes">/)
  assert.match(html, /href="#fn1"/)
})

test('the inertness check itself rejects active HTML', () => {
  for (const html of [
    '<script>x</script>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:x">x</a>',
    '<p onclick="x">a</p>',
    '<svg></svg>',
  ]) {
    assert.throws(() => assertInert(html), html)
  }
})

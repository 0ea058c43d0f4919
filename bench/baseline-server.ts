/**
 * The yardstick: a bare node:http server that answers every request with fixed
 * bytes. Without --body it says "Hello, World!"; the bench passes the app's own
 * response body, content-type and content-encoding, so both send the same bytes.
 *
 *   node bench/baseline-server.ts --port 8080 [--body file] [--content-type t] [--content-encoding e] [--status 200]
 */
import fs from 'node:fs'
import http from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    body: { type: 'string' },
    'content-type': { type: 'string', default: 'text/plain; charset=utf-8' },
    'content-encoding': { type: 'string' },
    status: { type: 'string', default: '200' },
  },
})

const body = values.body === undefined ? Buffer.from('Hello, World!') : fs.readFileSync(values.body)
const status = Number(values.status)
const headers: http.OutgoingHttpHeaders = { 'content-type': values['content-type'], 'content-length': body.length }
if (values['content-encoding'] !== undefined) headers['content-encoding'] = values['content-encoding']

const server = http.createServer((_request, response) => {
  response.writeHead(status, headers)
  response.end(body)
})
server.listen(Number(values.port), values.host)

// A real SMTP server for tests that send mail (smtp-server inside the test, never a mock of the transport).
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

/** A real SMTP server on a free local port, closed after the test. `refuse` decides, per delivery, to answer 550. */
export async function startSmtpServer(t: Pick<TestContext, 'after'>, options: { refuse?: (delivery: number) => boolean } = {}) {
  const received: ParsedMail[] = []
  let deliveries = 0
  let refused = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      deliveries++
      if (options.refuse?.(deliveries)) {
        refused++
        callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }))
      } else callback()
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail)
          callback()
        },
        (error: Error) => callback(error),
      )
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.server.address() as AddressInfo
  return { url: `smtp://127.0.0.1:${port}`, received, refused: () => refused }
}

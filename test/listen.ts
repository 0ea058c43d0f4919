import { buildTestApp, type TestApp, type TestAppOptions } from './app.ts'
import { freePort } from './free-port.ts'

/**
 * Builds a test app with PUBLIC_URL set to the address it will listen on (so
 * canonical links, cookies and origins point at it) and listens there, on
 * 127.0.0.1; if another process took the port in between, tries another.
 * `host` is the name in PUBLIC_URL (`localhost` or `127.0.0.1`: two origins of one server).
 */
export async function listenTestApp(
  cleanups: (() => unknown)[],
  options: TestAppOptions & { host?: 'localhost' | '127.0.0.1' } = {},
): Promise<{ testApp: TestApp; origin: string }> {
  const { host = '127.0.0.1', ...appOptions } = options
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const origin = `http://${host}:${port}`
    const testApp = await buildTestApp(
      { after: (fn) => void cleanups.push(fn as () => unknown) },
      { ...appOptions, env: { ...appOptions.env, PUBLIC_URL: origin } },
    )
    try {
      await testApp.app.listen({ host: '127.0.0.1', port })
      return { testApp, origin }
    } catch (error) {
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
}

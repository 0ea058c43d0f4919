import { type Browser, chromium } from 'playwright-core'

/** Debian's Chromium, never a downloaded browser (the project's rule). */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Headless Chromium with a fresh, temporary profile (launch() without a user
 * data directory) and nothing that reaches the network by itself; closed by
 * the caller's cleanups.
 */
export async function launchChromium(cleanups: (() => unknown)[]): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  cleanups.push(() => browser.close())
  return browser
}

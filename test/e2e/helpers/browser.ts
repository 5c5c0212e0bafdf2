// Headless Debian Chromium through playwright-core, with every page error,
// console error and CSP violation collected so a test can fail on them.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './lab-server.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

export function hasChromium(): boolean {
  return fs.existsSync(CHROMIUM);
}

/** `extraArgs`: more Chromium flags (e.g. --autoplay-policy=no-user-gesture-required for audio). */
export async function launch(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /** Uncaught errors, console errors and CSP violations so far. */
  problems: string[];
  /** URLs of API requests the core refused (HTTP 400 with { ok: false }). */
  refusals: string[];
}

/** `options.colorScheme`: what `prefers-color-scheme` answers (the app follows it). */
export async function openPage(
  browser: Browser,
  width = 1280,
  height = 900,
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width, height },
    deviceScaleFactor: 1,
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const refusals: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium logs every HTTP 400 as an error; from the API that is the contract's
    // { ok: false } reply (a refused request), which the UI shows inline. Anything else counts.
    if (/status of 400/.test(m.text()) && /\/api\/(request|upload)/.test(m.location().url)) return void refusals.push(m.location().url);
    problems.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  // A CSP violation also logs a console error; the event catches the ones that do not.
  await page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  );
  return { page, problems, refusals };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  // From the top, so the sticky header is where a user sees it.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

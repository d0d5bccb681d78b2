/**
 * A real browser for tests: Debian's Chromium driven by playwright-core (which never downloads a
 * browser), pages that record every console error, page error and failed request, screenshots
 * under `test-output/`, and (from `sandbox-process.ts`) the sandbox started the way a person
 * starts it.
 * Without Chromium the browser tests are skipped with one line; with `SLOTS_REQUIRE_BROWSER=1`
 * (CI) they fail instead.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The repository root: where `npm run sandbox` is run and `test-output/` lives. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The screenshot the README shows; `SLOTS_UPDATE_SCREENSHOT=1` copies it to `docs/`. */
export const README_SCREENSHOT = 'sandbox';
const README_SCREENSHOT_PATH = join(REPO_ROOT, 'docs', 'sandbox.png');
const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'sandbox');

/** True when browser tests must not skip (CI). */
export function browserRequired(): boolean {
  return process.env.SLOTS_REQUIRE_BROWSER === '1';
}

let toldSkipped = false;

/**
 * `describe` for tests that need Chromium. Skipped, with one line, when it is not installed;
 * failing when `SLOTS_REQUIRE_BROWSER=1`, so CI never passes by skipping.
 */
export function describeBrowser(name: string, fn: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, fn);
    return;
  }
  const why = `no Chromium at ${CHROMIUM_PATH}`;
  if (browserRequired()) {
    describe(name, () => {
      it('has Chromium (SLOTS_REQUIRE_BROWSER=1)', () => {
        throw new Error(
          `Browser tests cannot run: ${why}; SLOTS_REQUIRE_BROWSER=1 forbids skipping`,
        );
      });
    });
    return;
  }
  if (!toldSkipped) {
    toldSkipped = true;
    console.warn(`Browser tests skipped: ${why}; install Debian's chromium package to run them`);
  }
  describe.skip(name, fn);
}

/**
 * Headless Chromium with nothing that phones home. Playwright refuses `--user-data-dir` in
 * `args` for `launch()`; it gives every launch a fresh profile in a new temporary directory of
 * its own and removes it on close, which is the same thing.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** One line per console error, uncaught page error, failed request or error answer. */
export type PageProblems = string[];

export interface OpenedPage {
  readonly page: Page;
  readonly problems: PageProblems;
}

/** Chromium asks for it on its own; whether the server has one says nothing about the page. */
const IGNORED_PATHS = new Set(['/favicon.ico']);

/**
 * A new page at `url` (in its own context) that records every problem a person would never see
 * but a developer must: console errors, page errors, requests that failed or were answered 4xx/5xx.
 */
export async function openPage(
  browser: Browser,
  url: string,
  opts: { readonly viewport?: { width: number; height: number } } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1440, height: 900 },
  });
  const page = await context.newPage();
  const problems: PageProblems = [];
  const ignored = (at: string) => {
    try {
      return IGNORED_PATHS.has(new URL(at).pathname);
    } catch {
      return false;
    }
  };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location().url;
    if (where && ignored(where)) return;
    problems.push(`console error: ${message.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.stack ?? error.message}`));
  page.on('requestfailed', (request) => {
    if (ignored(request.url())) return;
    // The page's event stream is cut when the page goes away; only the test does that.
    if (page.isClosed()) return;
    problems.push(
      `request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? '?'}`,
    );
  });
  page.on('response', (response) => {
    if (response.status() < 400 || ignored(response.url())) return;
    problems.push(
      `error answer: ${response.request().method()} ${response.url()} → ${response.status()}`,
    );
  });
  await page.goto(url);
  return { page, problems };
}

/** Fails with every recorded problem listed. */
export function expectNoConsoleErrors(problems: PageProblems): void {
  expect(problems, `problems on the page:\n${problems.join('\n')}`).toEqual([]);
}

/**
 * Saves what the page shows to `test-output/sandbox/<name>.png`. The README's screenshot is the
 * viewport as a person sees it; the others are the whole page, for finding what went wrong.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  const readme = name === README_SCREENSHOT;
  await page.screenshot({ path, fullPage: !readme, animations: 'disabled' });
  if (readme && process.env.SLOTS_UPDATE_SCREENSHOT === '1') {
    await mkdir(dirname(README_SCREENSHOT_PATH), { recursive: true });
    await copyFile(path, README_SCREENSHOT_PATH);
  }
  return path;
}

// ---------------------------------------------------------------------------------------------
// The sandbox as a person starts it

export {
  type SandboxProcess,
  startSandbox as startSandboxForTest,
} from './sandbox-process.js';

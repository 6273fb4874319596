import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';

/**
 * A real headless browser for the war room's tests: Debian's chromium (no browser is ever downloaded here),
 * driven by playwright-core. Without it the tests skip and say what is missing.
 */
export const CHROMIUM = process.env['GAMEDAY_CHROMIUM'] ?? '/usr/bin/chromium';

export async function whyNoBrowser(): Promise<string | undefined> {
  if (!existsSync(CHROMIUM))
    return `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set GAMEDAY_CHROMIUM; .ci/run installs it)`;
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm ci installs it: it is a devDependency)';
  }
  return undefined;
}

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // launch() gives every run a fresh temporary profile, removed on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
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
  });
}

/** Where the screenshots go (gitignored): test-artifacts/warroom, emptied at the start of the run. */
export function artifactsDir(): string {
  const dir = resolve('test-artifacts', 'warroom');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function artifact(dir: string, name: string): string {
  return join(dir, name);
}

/** The 1366x768 projector the room looks at, a phone in a hand, and the projector in dark mode. */
export const PROJECTOR = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

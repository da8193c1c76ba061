// Browser-test helpers: Debian's Chromium driven by Playwright, axe-core for
// accessibility, on top of the shared harness (tests/lib/harness.mjs).
//
// A test file:
//   import { test, run, startServer, newPage, login, checkA11y } from './lib.mjs';
//   test('name', async () => { ... throw on failure ... });
//   await run();

import { readFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { onCleanup, demoPassword } from '../lib/harness.mjs';

export * from '../lib/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));

let browser;
export async function launch() {
	if (browser) return browser;
	browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		// Playwright gives each launch a new empty profile directory of its own.
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
	});
	onCleanup(() => browser.close());
	return browser;
}

// A page in a fresh context (its own cookies). JavaScript can be turned off
// to prove pages work without it.
export async function newPage({ javaScriptEnabled = true } = {}) {
	const b = await launch();
	const context = await b.newContext({ javaScriptEnabled });
	context.setDefaultTimeout(15000);
	return context.newPage();
}

// Logs in through the form, as a user would.
export async function login(page, base, email, password = demoPassword) {
	await page.goto(base + '/login');
	await page.getByLabel(/email|e-bost/i).fill(email);
	await page.getByLabel(/password|cyfrinair/i).fill(password);
	await Promise.all([page.waitForNavigation(), page.locator('form button[type=submit], form input[type=submit]').first().click()]);
}

const axeSource = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');

// Runs axe-core (WCAG 2.0/2.1/2.2 A and AA) on the page; throws listing every
// violation. The source is evaluated over the DevTools protocol, which the
// page's Content-Security-Policy does not govern.
export async function checkA11y(page, label = page.url()) {
	// page.evaluate cannot run where JavaScript is off; check such pages in
	// a context with JavaScript on.
	await page.evaluate(axeSource);
	const result = await page.evaluate(() => window.axe.run(document, {
		runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
	}));
	if (result.violations.length) {
		const lines = result.violations.map((v) =>
			`${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
		throw new Error(`accessibility violations on ${label}:\n  ${lines.join('\n  ')}`);
	}
}

export async function screenshot(page, name) {
	const dir = join(here, 'screenshots');
	mkdirSync(dir, { recursive: true });
	const path = join(dir, name + '.png');
	await page.screenshot({ path, fullPage: true });
	return path;
}


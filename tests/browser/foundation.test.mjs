// The foundation in a real browser: sign in, switch to Welsh, invite a person
// who accepts and signs in, be refused another organisation's page; every
// page free of accessibility violations in both languages; and the same
// flows with JavaScript turned off.

import { join } from 'node:path';
import { test, run, startServer, newPage, login, checkA11y, assert, assertEqual, screenshot } from './lib.mjs';
import { readOutbox, linkIn, listRoutes } from '../lib/client.mjs';
import { SAMPLE_PARAMS, fillPath } from '../lib/routes.mjs';

const server = await startServer();
const base = server.base;
const outbox = join(server.dir, 'mail');

async function signIn(page, email) {
	await login(page, base, email);
	assert(!page.url().includes('/login'), `signed in as ${email}: still at ${page.url()}`);
}

for (const js of [true, false]) {
	const how = js ? '' : ' (no JavaScript)';

	test(`sign in, switch to Welsh and back${how}`, async () => {
		const page = await newPage({ javaScriptEnabled: js });
		await signIn(page, 'member@demo.collective.test');
		await page.goto(base + '/orgs');
		await page.getByRole('link', { name: 'Cymraeg' }).first().click();
		await page.waitForLoadState();
		assertEqual(await page.getAttribute('html', 'lang'), 'cy', 'page language');
		assert(await page.getByRole('heading', { name: 'Sefydliadau' }).count() === 1, 'the heading is in Welsh');
		await page.goto(base + '/account');
		assertEqual(await page.getAttribute('html', 'lang'), 'cy', 'the choice is remembered');
		await page.getByRole('link', { name: 'English' }).first().click();
		await page.waitForLoadState();
		assertEqual(await page.getAttribute('html', 'lang'), 'en', 'back to English');
	});

	test(`an organisation lead invites a person who accepts and signs in${how}`, async () => {
		const email = `invitee${js ? 1 : 2}@example.test`;
		const lead = await newPage({ javaScriptEnabled: js });
		await signIn(lead, 'lead@demo.collective.test');
		await lead.goto(base + '/orgs/CAVUHB/invite');
		await lead.getByLabel(/email/i).fill(email);
		await Promise.all([lead.waitForNavigation(), lead.locator('main form button[type=submit]').first().click()]);
		assert(!(await lead.locator('.error-summary').count()), 'no errors on the invitation');
		const mail = readOutbox(server.url, outbox).find((m) => m.includes(email));
		assert(mail, 'the invitation email was queued');
		const link = linkIn(mail, '/invitations/accept?token=');
		const invitee = await newPage({ javaScriptEnabled: js });
		await invitee.goto(base + link.pathname + link.search);
		if (js) await checkA11y(invitee, 'accept invitation'); // axe needs JavaScript
		await invitee.getByLabel(/name/i).first().fill('Invited person');
		const pw = invitee.getByLabel(/password/i);
		for (let i = 0; i < await pw.count(); i++) await pw.nth(i).fill('invited-person-password');
		await Promise.all([invitee.waitForNavigation(), invitee.locator('main form button[type=submit]').first().click()]);
		const fresh = await newPage({ javaScriptEnabled: js });
		await login(fresh, base, email, 'invited-person-password');
		assert(!fresh.url().includes('/login'), 'the new person can sign in');
		await fresh.goto(base + '/account');
		assert((await fresh.content()).includes('Cardiff and Vale'), 'and belongs to the organisation');
	});

	test(`a member is refused another organisation's members page${how}`, async () => {
		const page = await newPage({ javaScriptEnabled: js });
		await signIn(page, 'lead@demo.collective.test');
		const own = await page.goto(base + '/orgs/CAVUHB/members');
		assertEqual(own.status(), 200, 'own organisation');
		const other = await page.goto(base + '/orgs/SBUHB/members');
		assertEqual(other.status(), 403, 'another organisation');
		assert(await page.getByRole('heading').count() > 0, 'a 403 page with a heading');
		if (js) await checkA11y(page, '403 page');
	});
}

// Every page the server has, as the programme admin (who may see them all)
// and anonymously, in English and Welsh: one test per language and viewer.
const pages = listRoutes().filter((r) => r.method === 'GET' && !r.pattern.startsWith('/api/') &&
	!['healthz', 'metrics', 'static'].includes(r.name));
for (const lang of ['en', 'cy']) {
	for (const who of ['admin', 'anonymous']) {
		test(`no accessibility violations on any page (${who}, ${lang})`, async () => {
			assert(pages.length >= 8, `only ${pages.length} pages`);
			const page = await newPage();
			if (who === 'admin') await signIn(page, 'admin@demo.collective.test');
			const problems = [];
			for (const r of pages) {
				const path = fillPath(r, { others: SAMPLE_PARAMS });
				const url = `${base}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
				// Downloads (calendars, CSV, PDF, charts) are not pages.
				const head = await page.request.get(url, { maxRedirects: 0 });
				if (head.status() >= 500) problems.push(`${path}: ${head.status()}`);
				if (!(head.headers()['content-type'] || '').startsWith('text/html')) continue;
				const res = await page.goto(url);
				if (res.status() >= 500) problems.push(`${path}: ${res.status()}`);
				try {
					await checkA11y(page, `${who} ${path} (${lang})`);
				} catch (e) {
					problems.push(e.message);
				}
			}
			await page.context().close();
			if (problems.length) throw new Error(problems.join('\n'));
		});
	}
}

test('the organisation directory renders for a screenshot', async () => {
	const page = await newPage();
	await page.goto(base + '/orgs');
	const path = await screenshot(page, 'orgs');
	assert(path.endsWith('.png'), 'a screenshot');
	assert(await page.locator('main table, main ul').count() > 0, 'a list of organisations');
});

await run();

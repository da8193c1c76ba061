// A programme admin adds an organisation and then changes it, through the
// forms alone (JavaScript off), and finds it in the directory; the form with
// its errors passes axe-core in English and Welsh.

import { test, run, startServer, newPage, login, checkA11y, assert, assertEqual } from './lib.mjs';

const server = await startServer();
const base = server.base;

async function submit(page) {
	await Promise.all([page.waitForNavigation(), page.locator('main form button[type=submit]').first().click()]);
}

test('the admin adds then changes an organisation and sees it in the directory (no JavaScript)', async () => {
	const page = await newPage({ javaScriptEnabled: false });
	await login(page, base, 'admin@demo.collective.test');
	await page.goto(base + '/orgs');
	await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Add an organisation' }).click()]);
	assertEqual(new URL(page.url()).pathname, '/orgs/new');

	// First without a name: the form comes back with the error by the field.
	await page.getByLabel('Code').fill('GWENT-MIND');
	await page.getByLabel('Type').selectOption({ label: 'Third sector' });
	await page.getByLabel('Region').selectOption({ label: 'Gwent' });
	await submit(page);
	const summary = page.locator('.error-summary');
	assertEqual(await summary.count(), 1, 'an error summary');
	assert((await summary.innerText()).includes('Enter a name'), 'it names the missing name');
	assertEqual(await page.getByLabel('Code').inputValue(), 'GWENT-MIND', 'what was typed is kept');
	assertEqual(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true', 'the name is marked');

	await page.getByLabel('Name', { exact: true }).fill('Gwent Valleys Wellbeing Network');
	await submit(page);
	assertEqual(new URL(page.url()).pathname, '/orgs/GWENT-MIND', 'on the new organisation\'s page');
	assert(await page.getByRole('heading', { name: 'Gwent Valleys Wellbeing Network' }).count() === 1, 'its heading');
	assert((await page.content()).includes('The organisation has been added'), 'a success message');

	await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Change the organisation\'s details' }).click()]);
	assertEqual(new URL(page.url()).pathname, '/orgs/GWENT-MIND/edit');
	assertEqual(await page.getByLabel('Name', { exact: true }).inputValue(), 'Gwent Valleys Wellbeing Network', 'the stored name filled in');
	await page.getByLabel('Name', { exact: true }).fill('Gwent Valleys Wellbeing Alliance');
	await page.getByLabel('Region').selectOption({ label: 'All Wales' });
	await submit(page);
	assertEqual(new URL(page.url()).pathname, '/orgs/GWENT-MIND');
	assert((await page.content()).includes('All Wales'), 'the new region shown');

	await page.goto(base + '/orgs?q=gwent-mind');
	const row = page.locator('main table tbody tr', { hasText: 'Gwent Valleys Wellbeing Alliance' });
	assertEqual(await row.count(), 1, 'the directory lists it under its new name');
	assert((await row.innerText()).includes('Third sector'), 'with its type');
	assertEqual(await page.locator('main', { hasText: 'Gwent Valleys Wellbeing Network' }).count(), 0, 'the old name is gone');
});

for (const lang of ['en', 'cy']) {
	test(`the organisation form with errors has no accessibility violations (${lang})`, async () => {
		const page = await newPage();
		await login(page, base, 'admin@demo.collective.test');
		await page.goto(`${base}/orgs/new?lang=${lang}`);
		await checkA11y(page, `new organisation form (${lang})`);
		await submit(page);
		assertEqual(await page.getAttribute('html', 'lang'), lang);
		assertEqual(await page.locator('.error-summary li').count(), 4, 'every field named');
		await checkA11y(page, `new organisation form with errors (${lang})`);
		await page.goto(`${base}/orgs/CAVUHB/edit?lang=${lang}`);
		await page.locator('#name').fill('');
		await submit(page);
		assertEqual(await page.locator('.error-summary li').count(), 1, 'the missing name');
		await checkA11y(page, `edit organisation form with errors (${lang})`);
	});
}

await run();

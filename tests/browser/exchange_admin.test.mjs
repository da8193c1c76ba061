// Exchange set-up in a real browser with JavaScript off: the programme admin
// creates a programme (a refused form first shows the error summary), adds a
// conference to it, sets up a day and a session of its programme in UK time,
// and changes the programme; every set-up page, and a refused form, free of
// accessibility violations in English and Welsh.

import { test, run, startServer, newPage, login, checkA11y, assert, assertEqual } from './lib.mjs';

const server = await startServer();
const base = server.base;

// A date about two months ahead, as YYYY-MM-DD (UK and UTC agree at noon).
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const start = day(60);
const next = day(61);

async function submit(page) {
	await Promise.all([page.waitForNavigation(), page.locator('main form button[type=submit]').last().click()]);
}

let slug = 'browser-setup';
let confId;
let sessionEdit; // the keynote's change form
let roomEdit; // its room's

test('the programme admin sets up a programme, a conference and a session without JavaScript', async () => {
	const page = await newPage({ javaScriptEnabled: false });
	await login(page, base, 'admin@demo.collective.test');
	await page.goto(base + '/programmes');
	await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Create a programme' }).click()]);
	assertEqual(new URL(page.url()).pathname, '/programmes/new');
	// Refused: no name, a deadline before sign-up opens.
	await page.getByLabel('Short name for web addresses').fill(slug);
	await page.getByLabel('Sign-up opens on').fill(day(2));
	await page.getByLabel('Sign-up deadline').fill(day(1));
	await submit(page);
	assert(await page.locator('.error-summary').count() === 1, 'the error summary');
	assert((await page.locator('.error-summary').textContent()).includes("Enter the programme's name."), 'names the missing name');
	assertEqual(await page.getByLabel('Short name for web addresses').inputValue(), slug, 'what was typed is kept');
	// Accepted.
	await page.getByLabel('Name', { exact: true }).fill('Browser set-up programme');
	await page.getByLabel('Themes').fill('Access\nWorkforce\nDigital');
	await page.getByLabel('Sign-up opens on').fill(day(1));
	await page.getByLabel('Sign-up deadline').fill(day(30));
	await page.getByLabel("Sign-up needs the organisers' approval").check();
	await page.getByLabel('Cardiff and Vale University Health Board').fill('3');
	await submit(page);
	assert(/^\/programmes\/\d+\/admin$/.test(new URL(page.url()).pathname), `to the programme's dashboard: ${page.url()}`);
	assert((await page.content()).includes('Browser set-up programme'), 'on its dashboard');
	// Add a conference to it.
	await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Add an exchange' }).first().click()]);
	await page.getByLabel('Conference').check();
	await page.getByLabel('Topic', { exact: true }).fill('Browser conference');
	await page.getByLabel('Theme', { exact: true }).selectOption({ label: 'Workforce' });
	await page.getByLabel('Format', { exact: true }).selectOption('on_site');
	await page.getByLabel('Address').fill('A university hall, Aberystwyth');
	await page.getByLabel('Starts on').fill(start);
	await page.getByLabel('Starts (UK time)').fill('18:00');
	await page.getByLabel('Ends on').fill(next);
	await page.getByLabel('Ends (UK time)').fill('16:30');
	await page.getByLabel('Places', { exact: true }).fill('120');
	await submit(page);
	const m = new URL(page.url()).pathname.match(/^\/exchanges\/(\d+)\/host$/);
	assert(m, `to the host dashboard: ${page.url()}`);
	confId = Number(m[1]);
	// Its programme: a day, then a keynote in a new room.
	await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Conference programme' }).click()]);
	await page.getByLabel('Day', { exact: true }).fill(next);
	await page.getByLabel('Label').fill('Day one');
	await submit(page);
	assert((await page.content()).includes('Day one'), 'the day is listed');
	await page.getByLabel('Kind of session').selectOption('keynote');
	await page.getByLabel('Title', { exact: true }).fill('Opening keynote');
	await page.getByLabel('Date', { exact: true }).fill(next);
	await page.getByLabel('Starts (UK time)').fill('09:30');
	await page.getByLabel('Ends (UK time)').fill('09:00');
	await page.locator('#add-session + form button[type=submit]').click();
	await page.waitForLoadState();
	assert(await page.locator('.error-summary').count() === 1, 'an end before its start is refused');
	await page.getByLabel('Ends (UK time)').fill('10:15');
	await page.getByLabel('Room (optional)', { exact: true }).fill('Great Hall');
	await page.getByLabel('Room capacity').fill('200');
	await Promise.all([page.waitForNavigation(), page.locator('#add-session + form button[type=submit]').click()]);
	const row = page.locator('main table tbody tr', { hasText: 'Opening keynote' });
	assertEqual(await row.count(), 1, 'the session is listed');
	const text = await row.textContent();
	assert(text.includes(`${next} 09:30–10:15`) && text.includes('Great Hall') && text.includes('Keynote'), text);
	// The API agrees, in UTC: 09:30 UK time.
	const x = await (await fetch(`${base}/api/v1/exchanges/${confId}`)).json();
	assertEqual(x.kind, 'conference');
	assertEqual(x.starts_time, '18:00');
	// Change the keynote through its form, reached by the row's link: a
	// refused end first, then a later end.
	await Promise.all([page.waitForNavigation(), row.getByRole('link', { name: /^Change/ }).click()]);
	sessionEdit = new URL(page.url()).pathname;
	assert(/^\/exchanges\/\d+\/sessions\/\d+\/edit$/.test(sessionEdit), sessionEdit);
	assertEqual(await page.getByLabel('Starts (UK time)').inputValue(), '09:30', 'the form shows the stored time');
	await page.getByLabel('Ends (UK time)').fill('09:00');
	await submit(page);
	assert(await page.locator('.error-summary').count() === 1, 'an end before its start is refused');
	assertEqual(await page.getByLabel('Ends (UK time)').inputValue(), '09:00', 'what was typed is kept');
	await page.getByLabel('Ends (UK time)').fill('10:30');
	await submit(page);
	assertEqual(new URL(page.url()).pathname, `/exchanges/${confId}/sessions`);
	const moved = await page.locator('main table tbody tr', { hasText: 'Opening keynote' }).textContent();
	assert(moved.includes(`${next} 09:30–10:30`), `the new end on the programme page: ${moved}`);
	// Its room is listed with a link to change it.
	roomEdit = await page.locator('main table tbody tr', { hasText: 'Great Hall' }).last().getByRole('link', { name: /^Change/ }).getAttribute('href');
	assert(/^\/exchanges\/\d+\/rooms\/\d+\/edit$/.test(roomEdit), roomEdit);
	// Change the programme's name through its form.
	await page.goto(`${base}/programmes/${slug}/edit`);
	await page.getByLabel('Name', { exact: true }).fill('Browser set-up programme, changed');
	await submit(page);
	const p = await (await fetch(`${base}/api/v1/programmes/${slug}`)).json();
	assertEqual(p.name, 'Browser set-up programme, changed');
	assertEqual(p.approval_needed, true);
	assertEqual(p.themes.map((t) => t.name).join(','), 'Access,Workforce,Digital');
});


test('the set-up pages, and a refused form, are accessible in English and Welsh', async () => {
	const page = await newPage();
	await login(page, base, 'admin@demo.collective.test');
	const paths = ['/programmes', '/programmes/new', `/programmes/${slug}/edit`, `/programmes/${slug}/exchanges/new`,
		`/exchanges/${confId}/sessions`, `/exchanges/${confId}/showcase`, `/exchanges/${confId}/host`, `/exchanges/${confId}/edit`,
		sessionEdit, roomEdit];
	const problems = [];
	for (const lang of ['en', 'cy']) {
		for (const path of paths) {
			const res = await page.goto(`${base}${path}?lang=${lang}`);
			if (res.status() !== 200) problems.push(`${path}: ${res.status()}`);
			try { await checkA11y(page, `${path} (${lang})`); } catch (e) { problems.push(e.message); }
		}
		// A refused form with its error summary.
		await page.goto(`${base}/programmes/new?lang=${lang}`);
		await submitJs(page);
		if (await page.locator('.error-summary').count() !== 1) problems.push(`no error summary (${lang})`);
		try { await checkA11y(page, `refused programme form (${lang})`); } catch (e) { problems.push(e.message); }
		// A refused session change, a refused room change, and a room in use that cannot be removed.
		await page.goto(`${base}${sessionEdit}?lang=${lang}`);
		await page.locator('#ends_time').fill('08:00');
		await submitJs(page);
		if (await page.locator('.error-summary').count() !== 1) problems.push(`no error summary on the session form (${lang})`);
		try { await checkA11y(page, `refused session form (${lang})`); } catch (e) { problems.push(e.message); }
		await page.goto(`${base}${roomEdit}?lang=${lang}`);
		await page.locator('#name').fill('');
		await submitJs(page);
		if (await page.locator('.error-summary').count() !== 1) problems.push(`no error summary on the room form (${lang})`);
		try { await checkA11y(page, `refused room form (${lang})`); } catch (e) { problems.push(e.message); }
		await page.goto(`${base}/exchanges/${confId}/sessions?lang=${lang}`);
		const roomId = roomEdit.match(/rooms\/(\d+)/)[1];
		await Promise.all([page.waitForNavigation(), page.locator(`#delete-room-${roomId}`).click()]);
		if (await page.locator('.error-summary').count() !== 1) problems.push(`a used room is not refused (${lang})`);
		try { await checkA11y(page, `refused room removal (${lang})`); } catch (e) { problems.push(e.message); }
	}
	const cy = await page.goto(`${base}/programmes/new?lang=cy`);
	assertEqual(cy.status(), 200);
	assert(await page.getByRole('heading', { name: 'Creu rhaglen' }).count() === 1, 'the heading is in Welsh');
	if (problems.length) throw new Error(problems.join('\n'));
});

async function submitJs(page) {
	await Promise.all([page.waitForNavigation(), page.locator('main form button[type=submit]').last().click()]);
}

await run();

// Improve in a real browser: a team member enters a month of data and a
// PDSA cycle and sees the chart change and the signal explained; the team
// writes its monthly report and the coach scores the same month, the gap
// flagged; an admin sees the teams x measures matrix; every Improve page
// free of accessibility violations; the data entry also without JavaScript.
//
// Demo data (src/mod/improve/imp_demo_load.c): team 9 is the Cardiff
// adult admissions ward one, whose member is team@ and coach coach@; the
// demo's data end in 2026-08, so 2026-09 is a month nobody has entered.

import { test, run, startServer, newPage, login, checkA11y, assert, assertEqual } from './lib.mjs';

const server = await startServer();
const base = server.base;
const TEAM = 9;
const MONTH = '2026-09';

async function signIn(page, email) {
	await login(page, base, email);
	assert(!page.url().includes('/login'), `signed in as ${email}: still at ${page.url()}`);
}

async function submit(page, form = 'main form#form') {
	await Promise.all([page.waitForNavigation(), page.locator(`${form} button[type=submit]`).first().click()]);
}

// The signals listed under the restrictive-practice chart.
async function rpSignals(page) {
	const section = page.locator('section.card').filter({ has: page.getByRole('heading', { name: /Restrictive practice/ }) });
	return (await section.locator('ul.signals').innerText()).trim();
}

test('a team member enters a month and sees the chart change, with the signal explained', async () => {
	const page = await newPage();
	await signIn(page, 'team@demo.collective.test');
	await page.goto(`${base}/improve/t/${TEAM}`);
	await checkA11y(page, 'team page');
	const before = await rpSignals(page);
	const svgBefore = await page.locator('section.card figure.chart').first().innerHTML();
	assert(!before.includes(`${MONTH}:`), 'no signal for the new month yet');

	await page.goto(`${base}/improve/t/${TEAM}/data?period=${MONTH}`);
	await checkA11y(page, 'data entry form');
	// A month far above the ward's usual rate: 60 incidents in 600 bed days.
	const rp = page.getByRole('group', { name: /Restrictive practice/ });
	await rp.getByLabel('Numerator').first().fill('60');
	await rp.getByLabel('Denominator').first().fill('600');
	await rp.getByLabel(/Notes/).fill('Several admissions in crisis in one week');
	// A wrong split by group is refused, with nothing stored.
	await rp.locator('details summary').click();
	const white = rp.getByRole('group', { name: /White/ });
	await white.getByLabel(/Numerator/).fill('50');
	await white.getByLabel(/Denominator/).fill('500');
	await submit(page);
	assert(await page.locator('.error-summary').count() === 1, 'the strata that do not add up are reported');
	assert((await page.locator('.error-summary').innerText()).includes('add up to 50, not 60'),
		'the error says what the groups add up to');
	// Put right: the rest of the bed days and incidents to another group.
	const black = page.getByRole('group', { name: /^Ethnic group: Black/ });
	if (!(await black.isVisible())) await page.getByRole('group', { name: /Restrictive practice/ }).locator('details summary').click();
	await black.getByLabel(/Numerator/).fill('10');
	await black.getByLabel(/Denominator/).fill('100');
	await submit(page);
	assert(page.url().endsWith(`/improve/t/${TEAM}`), `back on the team page: ${page.url()}`);

	const after = await rpSignals(page);
	assert(after.includes(`${MONTH}: A point above the upper control limit`),
		`the new month's signal is explained in words: ${after}`);
	assert(/rule: /.test(after), 'with the rule that raised it');
	const svgAfter = await page.locator('section.card figure.chart').first().innerHTML();
	assert(svgAfter !== svgBefore, 'the chart changed');
	const table = await page.locator('section.card').first().locator('table').textContent();
	assert(table.includes(MONTH) && table.includes('Several admissions in crisis'), 'the data table has the month and its note');
});

test('a team member records a PDSA cycle', async () => {
	const page = await newPage();
	await signIn(page, 'team@demo.collective.test');
	await page.goto(`${base}/improve/t/${TEAM}/pdsa`);
	await checkA11y(page, 'PDSA form');
	await submit(page);
	assert(await page.locator('.error-summary').count() === 1, 'an empty cycle is refused');
	await page.getByLabel('Change idea being tested').selectOption({ label: 'Calm room with sensory equipment' });
	await page.getByLabel('Title').fill('Calm room open in the evenings');
	await page.getByLabel('Start date').fill('2026-09-01');
	await page.getByLabel(/^Prediction/).fill('Fewer incidents after 6 pm');
	await page.getByLabel(/^Study/).fill('Evening incidents fell from 9 to 4');
	await page.getByLabel('Act', { exact: true }).selectOption('adopt');
	await page.getByRole('checkbox', { name: /Restrictive practice/ }).check();
	await submit(page);
	assert(page.url().includes(`/improve/t/${TEAM}`), 'back on the team page');
	// the cycle appears on the chart it watches, in the month it began
	const table = await page.locator('section.card').first().locator('table').textContent();
	assert(/2026-09[^]*PDSA: Calm room open in the evenings/.test(table), 'the cycle is on the chart at its date');
	assert((await page.locator('#pdsa ~ details').first().innerText()).includes('Calm room open in the evenings'),
		'the cycle is listed first');
});

test('a team member adds the study and act to a cycle on its edit page', async () => {
	const page = await newPage();
	await signIn(page, 'team@demo.collective.test');
	await page.goto(`${base}/improve/t/${TEAM}/pdsa`);
	await page.getByLabel('Change idea being tested').selectOption({ label: 'Calm room with sensory equipment' });
	await page.getByLabel('Title').fill('Quiet handover at the nurses station');
	await page.getByLabel('Start date').fill('2026-09-08');
	await page.getByLabel(/^Prediction/).fill('Fewer interruptions at handover');
	await page.getByRole('checkbox', { name: /Restrictive practice/ }).check();
	await submit(page);
	const cycle = page.locator('#pdsa ~ details').filter({ hasText: 'Quiet handover at the nurses station' });
	assert(await cycle.count() === 1, 'the new cycle is listed');
	assert((await cycle.locator('summary').innerText()).includes('Under way'), 'no act decided yet');

	await cycle.locator('summary').click();
	await Promise.all([page.waitForNavigation(), cycle.getByRole('link', { name: /^Edit/ }).click()]);
	assert(/\/pdsa\/\d+\/edit$/.test(page.url()), `on the edit page: ${page.url()}`);
	await checkA11y(page, 'PDSA edit form');
	// prefilled with the cycle as it was recorded
	assertEqual(await page.getByLabel('Title').inputValue(), 'Quiet handover at the nurses station');
	assertEqual(await page.getByLabel('Start date').inputValue(), '2026-09-08');
	assertEqual(await page.getByLabel(/^Prediction/).inputValue(), 'Fewer interruptions at handover');
	assert(await page.getByRole('checkbox', { name: /Restrictive practice/ }).isChecked(), 'the linked measure is ticked');

	// an act without a study is refused, the field named, nothing stored
	await page.getByLabel('Act', { exact: true }).selectOption('adapt');
	await page.getByLabel('Title').fill('Changed but refused');
	await submit(page);
	const summary = page.locator('.error-summary');
	assert(await summary.count() === 1, 'the error summary is shown');
	assert((await summary.innerText()).includes('Say what you learned'), 'the study field is named');
	assert(await summary.locator('a[href="#study"]').count() === 1, 'the summary links to the study field');
	await checkA11y(page, 'PDSA edit form with errors');
	await page.goto(`${base}/improve/t/${TEAM}`);
	assert(await page.locator('#pdsa ~ details').filter({ hasText: 'Changed but refused' }).count() === 0,
		'nothing changed on error');

	await cycle.locator('summary').click();
	await Promise.all([page.waitForNavigation(), cycle.getByRole('link', { name: /^Edit/ }).click()]);
	await page.getByLabel(/^Study/).fill('Interruptions halved; the sign was ignored at night');
	await page.getByLabel('Act', { exact: true }).selectOption('adapt');
	await page.getByLabel('End date').fill('2026-09-22');
	await submit(page);
	assert(page.url().includes(`/improve/t/${TEAM}`) && !page.url().includes('/edit'), `back on the team page: ${page.url()}`);
	assert((await page.locator('.flash, [role=status], .notification').first().innerText()).includes('The PDSA cycle is updated'),
		'a flash says the cycle is updated');
	const saved = page.locator('#pdsa ~ details').filter({ hasText: 'Quiet handover at the nurses station' });
	assert((await saved.locator('summary').innerText()).includes('Adapt'), 'the act is shown');
	await saved.locator('summary').click();
	assert((await saved.innerText()).includes('Interruptions halved; the sign was ignored at night'), 'the study is shown');
	assert((await saved.innerText()).includes('Fewer interruptions at handover'), 'the prediction kept');
	// the linked measure kept: the cycle is still on its chart
	const table = await page.locator('section.card').first().locator('table').textContent();
	assert(table.includes('PDSA: Quiet handover at the nurses station'), 'the cycle is still on its chart');
});

test('the team and the coach score the month side by side; a gap of 1.0 is flagged', async () => {
	const team = await newPage();
	await signIn(team, 'team@demo.collective.test');
	await team.goto(`${base}/improve/t/${TEAM}/reports/${MONTH}`);
	await checkA11y(team, 'monthly report');
	await team.getByLabel('What happened this month').fill('A hard month: several admissions in crisis.');
	await team.getByLabel("Team's assessment score").selectOption('4.0');
	await submit(team);

	const coach = await newPage();
	await signIn(coach, 'coach@demo.collective.test');
	await coach.goto(`${base}/improve/t/${TEAM}/reports/${MONTH}`);
	await coach.getByLabel("Coach's assessment score").selectOption('2.5');
	await coach.getByLabel('Coaching notes').fill('Agreed to review the evening staffing.');
	await submit(coach, 'main form[action$="/coach"]');
	const scores = await coach.locator('#scores').innerText();
	assert(scores.includes('4.0') && scores.includes('2.5'), `both scores shown: ${scores}`);
	assert(await coach.getByText('Gap of 1.0 or more').count() >= 1, 'the gap is flagged');

	// A coach cannot write the team's report for it.
	const res = await coach.request.post(`${base}/improve/t/${TEAM}/reports/${MONTH}`, { form: { narrative: 'x' } });
	assert(res.status() === 403, `the coach posting the team's report: ${res.status()}`);
});

test("an admin sees the teams x measures matrix with the ward's new signal", async () => {
	const page = await newPage();
	await signIn(page, 'collab.admin@demo.collective.test');
	await page.goto(`${base}/improve/c/restrictive-practice/matrix`);
	await checkA11y(page, 'matrix');
	const rows = page.locator('#matrix tbody tr');
	assert(await rows.count() === 12, `12 wards: ${await rows.count()}`);
	const ward = rows.filter({ hasText: 'Adult admissions ward one, Cardiff' });
	assert((await ward.innerText()).includes(`${MONTH}:`), 'the latest point is the new month');
	assert(await ward.locator('td').first().locator('.spc-var-concern-high').count() === 1,
		'a concern (higher) icon for the spike in restrictive practice');
	assert(await page.locator('#matrix .spc-var-improve-low').count() >= 3, 'improvement on several wards');
});

test('every Improve page is free of accessibility violations', async () => {
	const page = await newPage();
	await signIn(page, 'admin@demo.collective.test');
	const paths = [
		'/improve',
		'/improve/c/restrictive-practice',
		'/improve/c/restrictive-practice/views/scores',
		'/improve/c/restrictive-practice/views/ideas',
		'/improve/c/restrictive-practice/views/equity',
		'/improve/c/restrictive-practice/views/completeness',
		'/improve/c/restrictive-practice/views/funnel',
		'/improve/c/restrictive-practice/settings',
		`/improve/t/${TEAM}`,
		`/improve/t/${TEAM}/data?period=2026-08`,
	];
	for (const p of paths) {
		const res = await page.goto(base + p);
		assert(res.status() === 200, `${p}: ${res.status()}`);
		await checkA11y(page, p);
		await page.goto(base + p + (p.includes('?') ? '&' : '?') + 'lang=cy');
		await checkA11y(page, p + ' (Welsh)');
	}
	await page.goto(base + '/improve/c/restrictive-practice/views/equity?lang=en');
	assert(await page.getByText('Hidden').count() > 0, 'small numbers are hidden in the equity view');
});

test('data entry works without JavaScript', async () => {
	const page = await newPage({ javaScriptEnabled: false });
	await signIn(page, 'team@demo.collective.test');
	await page.goto(`${base}/improve/t/10/data?period=${MONTH}`);
	const hud = page.getByRole('group', { name: /safety huddle/ });
	await hud.getByLabel('Numerator').first().fill('80');
	await hud.getByLabel('Denominator').first().fill('90');
	await submit(page);
	assert(page.url().endsWith('/improve/t/10'), `saved and back on the team page: ${page.url()}`);
	const res = await page.goto(`${base}/improve/t/10/export/data.csv`).catch(() => null);
	assert(!res || res.status() === 200, 'the CSV export answers');
});

test('the matrix follows new data at once (no stale dashboard)', async () => {
	const admin = await newPage();
	await signIn(admin, 'faculty@demo.collective.test');
	const row = () => admin.locator('#matrix tbody tr').filter({ hasText: 'Adult admissions ward two, Cardiff' });
	await admin.goto(`${base}/improve/c/restrictive-practice/matrix`);
	assert(!(await row().locator('td').first().innerText()).includes('2026-10'), 'no October yet');
	const team = await newPage();
	await signIn(team, 'team@demo.collective.test');
	await team.goto(`${base}/improve/t/10/data?period=2026-10`);
	const rp = team.getByRole('group', { name: /Restrictive practice/ });
	await rp.getByLabel('Numerator').first().fill('5');
	await rp.getByLabel('Denominator').first().fill('610');
	await submit(team);
	await admin.reload();
	assert((await row().locator('td').first().innerText()).includes('2026-10'), 'October is the latest point');
});

test('a weekly measure: added on the team page, and a week entered on its own form', async () => {
	const page = await newPage();
	await signIn(page, 'team@demo.collective.test');
	await page.goto(`${base}/improve/t/${TEAM}`);
	assert(await page.getByRole('link', { name: "Enter a week's data" }).count() === 0, 'no weekly link before a weekly measure');
	await page.getByText("Add a measure of the team's own").click();
	const form = page.locator(`form[action="/improve/t/${TEAM}/measures"]`);
	await form.getByLabel('Code (for CSV files)').fill('wk_walks');
	await form.getByLabel('Name', { exact: true }).fill('Walks off the ward each week');
	await form.getByLabel('Kind of measure').selectOption('process');
	await form.getByLabel('Kind of number').selectOption('count');
	await form.getByLabel('How often it is reported').selectOption('weekly');
	await form.getByLabel('Which way is better').selectOption('up');
	await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
	await page.goto(`${base}/improve/t/${TEAM}`);
	await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: "Enter a week's data" }).click()]);
	assert(page.url().includes('freq=weekly'), `on the weekly form: ${page.url()}`);
	await checkA11y(page, 'weekly data entry form');
	const heading = await page.getByRole('heading', { level: 1 }).innerText();
	const monday = heading.match(/(\d{4}-\d{2}-\d{2})/)[1];
	assert(new Date(monday + 'T00:00:00Z').getUTCDay() === 1, `the week starts on a Monday: ${heading}`);
	assert(await page.getByRole('group', { name: /Restrictive practice/ }).count() === 0, 'monthly measures are not on the weekly form');
	const wk = page.getByRole('group', { name: /Walks off the ward/ });
	await wk.getByLabel('Value').first().fill('12');
	await submit(page);
	assert(page.url().endsWith(`/improve/t/${TEAM}`), `saved and back on the team page: ${page.url()}`);
	await page.goto(`${base}/improve/t/${TEAM}/data?freq=weekly&period=${monday}`);
	const v = await page.getByRole('group', { name: /Walks off the ward/ }).getByLabel('Value').first().inputValue();
	assert(v === '12', `the week's value reads back: ${v}`);
});

await run();

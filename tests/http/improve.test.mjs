// Improve over HTTP: a PDSA cycle changed through the API reads back as
// written (plan with prediction, do, study, act, dates, linked measures);
// a CSV upload with a bad row stores nothing and names the row, column and
// field; a good one is stored; a team with a weekly measure enters a week's
// values through the data-entry form.

import { test, run, startServer, assert, assertEqual } from '../lib/harness.mjs';
import { Client, apiToken } from '../lib/client.mjs';

const server = await startServer();
const team = new Client(server.base);
team.bearer = apiToken(server.url, 'team@demo.collective.test');
const viewer = new Client(server.base);
viewer.bearer = apiToken(server.url, 'viewer@demo.collective.test');

const json = async (res) => { const t = await res.text(); try { return JSON.parse(t); } catch { return t; } };
const teamData = async (id) => {
	const res = await team.get(`/api/v1/improve/teams/${id}`);
	assertEqual(res.status, 200, 'getTeam');
	return res.json();
};
const pointOf = (t, code, period) =>
	t.charts.find((c) => c.measure.code === code)?.points.find((p) => p.period === period);

test('a PDSA cycle changed through the API reads back as written', async () => {
	const t = await teamData(9);
	const idea = t.change_ideas[0].id;
	let res = await team.request('POST', '/api/v1/improve/teams/9/pdsa', {
		json: { change_idea_id: idea, title: 'Test cycle', plan: 'First plan', starts_on: '2026-09-01', measures: ['rp_rate'] },
	});
	const made = await json(res);
	assertEqual(res.status, 201, `create: ${JSON.stringify(made)}`);
	res = await team.get(`/api/v1/improve/teams/9/pdsa/${made.id}`);
	let got = await json(res);
	assertEqual(res.status, 200, 'get');
	assertEqual(got.plan, 'First plan', 'plan as created');
	assertEqual(JSON.stringify(got.measures), '["rp_rate"]', 'measures as created');

	const change = {
		change_idea_id: t.change_ideas[1].id, plan: 'A changed plan', prediction: 'Fewer incidents on test shifts',
		do_notes: 'Ran on nine shifts of ten', study: 'Incidents fell as predicted', act: 'adapt',
		starts_on: '2026-09-02', ends_on: '2026-09-30', measures: ['huddle', 'violence'],
	};
	res = await team.request('PATCH', `/api/v1/improve/teams/9/pdsa/${made.id}`, { json: change });
	const patched = await json(res);
	assertEqual(res.status, 200, `patch: ${JSON.stringify(patched)}`);
	got = await json(await team.get(`/api/v1/improve/teams/9/pdsa/${made.id}`));
	for (const k of ['change_idea_id', 'plan', 'prediction', 'do_notes', 'study', 'act', 'starts_on', 'ends_on'])
		assertEqual(got[k], change[k], `${k} round-trips`);
	assertEqual(got.title, 'Test cycle', 'a field left out keeps its value');
	assertEqual(JSON.stringify(got.measures), '["huddle","violence"]', 'measures replaced');
	const listed = (await teamData(9)).pdsa_cycles.find((c) => c.id === made.id);
	assertEqual(listed.act, 'adapt', 'the team page shows the change');

	// deciding without a study, a bad date and an unknown measure: refused, nothing changed
	res = await team.request('PATCH', `/api/v1/improve/teams/9/pdsa/${made.id}`, {
		json: { study: '', act: 'abandon', ends_on: '2026-08-01', measures: ['nothing'] },
	});
	const p = await json(res);
	assertEqual(res.status, 400, 'bad change refused');
	assert((res.headers.get('content-type') || '').startsWith('application/problem+json'), 'problem JSON');
	const fields = p.errors.map((e) => e.field);
	for (const f of ['study', 'ends_on', 'measures[0]']) assert(fields.includes(f), `error names ${f}: ${JSON.stringify(p.errors)}`);
	got = await json(await team.get(`/api/v1/improve/teams/9/pdsa/${made.id}`));
	assertEqual(got.act, 'adapt', 'act unchanged');
	assertEqual(got.study, change.study, 'study unchanged');

	// another team's cycle through this team's path, and a viewer: refused
	res = await team.request('PATCH', `/api/v1/improve/teams/9/pdsa/999999`, { json: { title: 'x' } });
	assertEqual(res.status, 404, 'no such cycle on the team');
	res = await viewer.request('PATCH', `/api/v1/improve/teams/9/pdsa/${made.id}`, { json: { title: 'x' } });
	assertEqual(res.status, 403, 'a viewer may not change a cycle');
});

const upload = (csv, who = team) =>
	fetch(`${server.base}/api/v1/improve/teams/9/data/csv`, {
		method: 'POST', body: csv,
		headers: { 'content-type': 'text/csv', authorization: `Bearer ${who.bearer}` },
	});

test('a CSV upload with a bad row stores nothing and names the row and column', async () => {
	const before = await teamData(9);
	const aug = pointOf(before, 'rp_rate', '2026-08');
	assert(aug, 'the demo has August for rp_rate');
	assert(!pointOf(before, 'rp_rate', '2026-09'), 'no September yet');
	const csv = 'measure,period,numerator,denominator,notes\n' +
		'rp_rate,2026-09,4,600,a good row\n' +
		`rp_rate,2026-08,${aug.numerator + 5},${aug.denominator},changes August\n` +
		'huddle,2026-09,lots,90,\n' +
		'nothing,2026-09,1,2,\n';
	const res = await upload(csv);
	const p = await json(res);
	assertEqual(res.status, 400, `refused: ${JSON.stringify(p)}`);
	assert((res.headers.get('content-type') || '').startsWith('application/problem+json'), 'problem JSON');
	const bad = p.errors.find((e) => e.row === 4 && e.field === 'numerator');
	assert(bad, `row 4's numerator is named: ${JSON.stringify(p.errors)}`);
	assertEqual(bad.column, 3, 'numerator is the third column');
	assert(p.errors.some((e) => e.row === 5 && e.field === 'measure'), 'row 5 names the measure column');
	const after = await teamData(9);
	assert(!pointOf(after, 'rp_rate', '2026-09'), 'the good row was not stored either');
	assertEqual(pointOf(after, 'rp_rate', '2026-08').numerator, aug.numerator, 'August unchanged');
});

test('a refused CSV upload is explained in Welsh, with its values, when Welsh is chosen', async () => {
	const csv = 'measure,period,numerator,denominator,colour\n' +
		'rp_rate,2026-09,4,600,red\n';
	const ask = (lang, body = csv) => fetch(`${server.base}/api/v1/improve/teams/9/data/csv?lang=${lang}`, {
		method: 'POST', body,
		headers: { 'content-type': 'text/csv', authorization: `Bearer ${team.bearer}` },
	});
	let p = await json(await ask('en'));
	const en = p.errors.find((e) => e.field === 'colour');
	assert(en && en.message.startsWith("unknown column 'colour'"), `English: ${JSON.stringify(p.errors)}`);
	p = await json(await ask('cy'));
	const cy = p.errors.find((e) => e.field === 'colour');
	assert(cy && cy.message.startsWith("colofn anhysbys 'colour': y colofnau yw"), `Welsh, with the column's name: ${JSON.stringify(p.errors)}`);
	// a value in the middle of a sentence, and a number
	let msgs = (await json(await ask('cy', 'measure,period,numerator,denominator\nrp_rate,2026-13,4,600\n'))).errors.map((e) => e.message);
	assert(msgs.includes("nid yw '2026-13' yn gyfnod: ysgrifennwch BBBB-MM, er enghraifft 2024-03"),
		`the period's message in Welsh with the value given: ${JSON.stringify(msgs)}`);
	msgs = (await json(await ask('cy', 'measure,period,numerator,denominator\nrp_rate,2026-09,4\n'))).errors.map((e) => e.message);
	assert(msgs.includes('mae 3 maes yn y rhes hon; mae 4 yn y pennawd'),
		`the fields' message in Welsh with both numbers: ${JSON.stringify(msgs)}`);
	msgs = (await json(await ask('en', 'measure,period,numerator,denominator\nrp_rate,2026-09,4\n'))).errors.map((e) => e.message);
	assert(msgs.includes('this row has 3 fields; the header has 4'), `and in English: ${JSON.stringify(msgs)}`);
});

test('a good CSV upload is stored; a viewer may not upload', async () => {
	let res = await upload('measure,period,numerator,denominator\nrp_rate,2026-09,4,600\n', viewer);
	assertEqual(res.status, 403, 'viewer refused');
	res = await upload('measure,period,numerator,denominator,notes\nrp_rate,2026-09,4,600,from the API\n');
	const b = await json(res);
	assertEqual(res.status, 201, `stored: ${JSON.stringify(b)}`);
	assertEqual(b.stored, 1, 'one value');
	const pt = pointOf(await teamData(9), 'rp_rate', '2026-09');
	assert(pt, 'September is on the chart');
	assertEqual(pt.numerator, 4, 'numerator');
	assertEqual(pt.denominator, 600, 'denominator');
});

// The Monday of the week before this one, as YYYY-MM-DD.
function lastMonday() {
	const d = new Date();
	d.setUTCHours(0, 0, 0, 0);
	d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) - 7);
	return d.toISOString().slice(0, 10);
}

test('a weekly measure: the data-entry form takes a week\'s values', async () => {
	let res = await team.request('POST', '/api/v1/improve/teams/9/measures', {
		json: { code: 'wk_checks', name: 'Observation checks done', kind: 'process', data_type: 'count', direction: 'up', frequency: 'weekly' },
	});
	assertEqual(res.status, 200, `weekly measure added: ${JSON.stringify(await json(res))}`);
	const web = new Client(server.base);
	await web.login('team@demo.collective.test');
	const monday = lastMonday();
	res = await web.get('/improve/t/9');
	assert((await res.text()).includes('/improve/t/9/data?freq=weekly'), 'the team page links to the weekly form');
	res = await web.get('/improve/t/9/data?freq=weekly');
	let html = await res.text();
	assertEqual(res.status, 200, 'weekly form');
	assert(html.includes('Observation checks done'), 'the weekly measure is on the form');
	for (const c of (await teamData(9)).charts.filter((x) => x.measure.frequency === 'monthly'))
		assert(!html.includes(`>${c.measure.name}<`), `monthly measure ${c.measure.code} is not on the weekly form`);
	assert(html.includes('Data for the week starting'), 'the heading speaks of a week');
	assert(html.includes(`value="${monday}"`), 'the default period is last week\'s Monday');
	const field = html.match(/name="(m\d+_value)"/)[1];
	// a day that is not a Monday is refused, nothing stored
	const tuesday = new Date(Date.parse(monday) + 86400000).toISOString().slice(0, 10);
	res = await web.request('POST', '/improve/t/9/data', { form: { freq: 'weekly', period: tuesday, [field]: '17' } });
	assertEqual(res.status, 400, 'a Tuesday is not a week');
	res = await web.request('POST', '/improve/t/9/data', { form: { freq: 'weekly', period: monday, [field]: '17' } });
	assertEqual(res.status, 303, `week saved: ${res.status === 303 ? '' : await res.text()}`);
	res = await web.get(`/improve/t/9/data?freq=weekly&period=${monday}`);
	html = await res.text();
	assert(new RegExp(`name="${field}"[^>]*value="17"|value="17"[^>]*name="${field}"`).test(html), 'the week\'s value reads back');
	const pt = (await teamData(9)).charts.find((c) => c.measure.code === 'wk_checks')?.points.find((p) => p.period.startsWith(monday.slice(0, 7)) || p.period === monday);
	assert(pt && pt.value === 17, `the week is on the chart: ${JSON.stringify(pt)}`);
	// the API takes the same week; a month for a weekly measure is refused
	res = await team.request('POST', '/api/v1/improve/teams/9/data', {
		json: { frequency: 'weekly', period: monday.slice(0, 7), values: [{ measure: 'wk_checks', value: 3 }] },
	});
	assertEqual(res.status, 400, 'a month is not a week');
	res = await team.request('POST', '/api/v1/improve/teams/9/data', {
		json: { frequency: 'weekly', period: monday, values: [{ measure: 'wk_checks', value: 18 }] },
	});
	assertEqual(res.status, 201, `API week: ${JSON.stringify(await json(res))}`);
	html = await (await web.get(`/improve/t/9/data?freq=weekly&period=${monday}`)).text();
	assert(html.includes('value="18"'), 'the API\'s week reads back on the form');
});

await run();

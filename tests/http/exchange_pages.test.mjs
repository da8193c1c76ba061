// Exchange set-up through the pages (forms with CSRF, no JavaScript): a
// programme created and changed, a conference with a day and a showcase
// session, an accepted submission placed in a slot, a host given the role;
// refused forms answer 400 with the error summary and change nothing; each
// change is in the audit log; a sign-up through the page has its
// confirmation in the outbox at once.

import { join } from 'node:path';
import { test, run, startServer, assert, assertEqual } from '../lib/harness.mjs';
import { Client, apiToken, readOutbox } from '../lib/client.mjs';

const server = await startServer();
const admin = new Client(server.base);
await admin.login('admin@demo.collective.test');
const api = new Client(server.base);
api.bearer = apiToken(server.url, 'admin@demo.collective.test');

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const audit = async () => (await (await api.get('/api/v1/audit?per_page=100')).json()).items;

const programme = {
	name: 'Form programme', slug: 'form-programme', summary: '', themes: 'Access\r\nWorkforce',
	opens_date: day(1), opens_time: '09:00', deadline_date: day(20), deadline_time: '17:00',
	offer_hours: '24', needs_retention_days: '10', release_date: '',
};
let pid;
let conf;

test('a programme is created through its form; a refused one changes nothing', async () => {
	await admin.csrfFrom('/programmes/new');
	let res = await admin.request('POST', '/programmes', { form: { ...programme, name: '', deadline_date: day(0) } });
	assertEqual(res.status, 400);
	const html = await res.text();
	assert(html.includes('There is a problem'), 'the error summary');
	assert(html.includes('href="#name"') && html.includes('href="#deadline_date"'), 'linking to the name and the deadline');
	assert(html.includes('value="form-programme"'), 'what was typed is kept');
	assertEqual((await api.get('/api/v1/programmes/form-programme')).status, 404, 'nothing was created');
	res = await admin.request('POST', '/programmes', { form: { ...programme, approval_needed: '1', allot_1: '4' } });
	assertEqual(res.status, 303, await res.text());
	const p = await (await api.get('/api/v1/programmes/form-programme')).json();
	pid = p.id;
	assertEqual(res.headers.get('location'), `/programmes/${pid}/admin`);
	assertEqual(p.approval_needed, true);
	assertEqual(p.pending_holds_place, false);
	assertEqual(p.offer_hours, 24);
	assertEqual(p.signup_deadline_local, `${day(20)} 17:00`, 'the deadline read in UK time');
	assertEqual(p.themes.map((t) => t.name).join('|'), 'Access|Workforce');
	const log = await audit();
	assert(log.some((i) => i.action === 'programme.create' && i.object_id === pid), 'programme.create audited');
	assert(log.some((i) => i.action === 'allotment.set' && i.object_id === pid && i.after.places === 4), 'the allotment set and audited');
});

test('the programme is changed through its form, audited with before and after', async () => {
	await admin.csrfFrom(`/programmes/${pid}/edit`);
	const edit = await (await admin.get(`/programmes/${pid}/edit`)).text();
	assert(edit.includes('value="Form programme"') && edit.includes(`value="${day(20)}"`), 'the form shows the stored values');
	const res = await admin.request('POST', `/programmes/${pid}/edit`, { form: { ...programme, name: 'Form programme, renamed', themes: 'Workforce\nDigital', pending_holds_place: '1' } });
	assertEqual(res.status, 303, await res.text());
	const p = await (await api.get(`/api/v1/programmes/${pid}`)).json();
	assertEqual(p.name, 'Form programme, renamed');
	assertEqual(p.slug, 'form-programme', 'the short name stays');
	assertEqual(p.approval_needed, false, 'an unticked box is a no');
	assertEqual(p.pending_holds_place, true);
	assertEqual(p.themes.map((t) => t.name).join('|'), 'Workforce|Digital');
	const entry = (await audit()).find((i) => i.action === 'programme.update' && i.object_id === pid);
	assert(entry, 'programme.update audited');
	assertEqual(entry.before.name, 'Form programme');
	assertEqual(entry.after.name, 'Form programme, renamed');
	assertEqual(entry.before.themes.join('|'), 'Access|Workforce');
	assertEqual(entry.after.themes.join('|'), 'Workforce|Digital');
});

test('a conference is added through the form, with a day and a showcase session', async () => {
	await admin.csrfFrom(`/programmes/${pid}/exchanges/new`);
	const form = { kind: 'conference', topic: 'Form conference', theme: '', host_org: 'CAVUHB', host_team: '', mode: 'on_site', address: 'A hall', region: '', access_info: '', online_url: '', starts_date: day(40), starts_time: '18:00', ends_date: day(41), ends_time: '16:30', capacity: '80', reserved_places: '0', description: '' };
	let res = await admin.request('POST', `/programmes/${pid}/exchanges`, { form: { ...form, ends_date: day(39) } });
	assertEqual(res.status, 400, 'an end before its start');
	assert((await res.text()).includes('href="#ends_time"'), 'the summary links to the end time');
	res = await admin.request('POST', `/programmes/${pid}/exchanges`, { form });
	assertEqual(res.status, 303, await res.text());
	conf = Number(res.headers.get('location').match(/^\/exchanges\/(\d+)\/host$/)[1]);
	const x = await (await api.get(`/api/v1/exchanges/${conf}`)).json();
	assertEqual(x.kind, 'conference');
	assertEqual(x.starts_local, `${day(40)} 18:00`);
	assertEqual(x.capacity, 80);
	await admin.csrfFrom(`/exchanges/${conf}/sessions`);
	res = await admin.request('POST', `/exchanges/${conf}/days`, { form: { day_date: day(41), label: 'Day one' } });
	assertEqual(res.status, 303);
	res = await admin.request('POST', `/exchanges/${conf}/days`, { form: { day_date: day(41), label: 'Again' } });
	assertEqual(res.status, 400, 'a day once');
	res = await admin.request('POST', `/exchanges/${conf}/sessions`, { form: { kind: 'showcase', title: 'Posters', summary: '', date: day(41), starts_time: '11:00', ends_time: '12:00', room: 'Foyer', room_capacity: '60', capacity: '' } });
	assertEqual(res.status, 303, await res.text());
	const page = await (await admin.get(`/exchanges/${conf}/sessions`)).text();
	assert(page.includes('Posters') && page.includes('Foyer') && page.includes('Day one'), 'listed on the programme page');
	const log = await audit();
	assert(log.some((i) => i.action === 'exchange.create' && i.object_id === conf), 'exchange.create audited');
	assert(log.some((i) => i.action === 'conference_day.create' && i.after.label === 'Day one'), 'conference_day.create audited');
	assert(log.some((i) => i.action === 'session.create' && i.after.title === 'Posters'), 'session.create audited');
});

test('the change form sets the theme, host organisation, team, region and reserved places', async () => {
	const p = await (await api.get(`/api/v1/programmes/${pid}`)).json();
	const theme = p.themes.find((t) => t.name === 'Digital');
	await admin.csrfFrom(`/exchanges/${conf}/edit`);
	const html = await (await admin.get(`/exchanges/${conf}/edit`)).text();
	assert(html.includes('<option value="CAVUHB" selected>'), 'the stored host organisation is chosen');
	assert(html.includes(`name="ends_date" type="date" value="${day(41)}"`), 'a two-day event shows its end date');
	const form = { topic: 'Form conference', mode: 'on_site', address: 'A hall', access_info: '', online_url: '', starts_date: day(40), starts_time: '18:00', ends_date: day(41), ends_time: '16:30', capacity: '80', description: '', theme: String(theme.id), host_org: 'SBUHB', host_team: 'Events team', region: 'West', reserved_places: '5' };
	let res = await admin.request('POST', `/exchanges/${conf}/edit`, { form: { ...form, host_org: 'NOPE' } });
	assertEqual(res.status, 400, 'an unknown organisation is refused');
	let x = await (await api.get(`/api/v1/exchanges/${conf}`)).json();
	assertEqual(x.host_org_code, 'CAVUHB', 'nothing changed');
	res = await admin.request('POST', `/exchanges/${conf}/edit`, { form: { ...form, ends_time: '17:00' } });
	assertEqual(res.status, 303, await res.text());
	x = await (await api.get(`/api/v1/exchanges/${conf}`)).json();
	assertEqual(x.ends_local, `${day(41)} 17:00`, 'still ends the next day');
	assertEqual(x.host_org_code, 'SBUHB');
	assertEqual(x.theme_id, theme.id);
	assertEqual(x.host_team, 'Events team');
	assertEqual(x.region, 'West');
	assertEqual(x.reserved_places, 5);
});

test('an accepted submission is placed in a showcase slot through the form', async () => {
	// The demo conference has an open call.
	const demoConf = (await (await api.get('/api/v1/exchanges?programme=1')).json()).items.find((i) => i.kind === 'conference');
	const member = new Client(server.base);
	member.bearer = apiToken(server.url, 'member@demo.collective.test');
	const sub = await (await member.request('POST', `/api/v1/exchanges/${demoConf.id}/submissions`, { json: { title: 'Form poster', summary: 'What changed' } })).json();
	assertEqual((await api.request('POST', `/api/v1/submissions/${sub.id}/decision`, { json: { accept: true } })).status, 200);
	const start = demoConf.starts_at + 86400 + 7200;
	const sess = await (await api.request('POST', `/api/v1/exchanges/${demoConf.id}/sessions`, { json: { kind: 'showcase', title: 'Form posters', starts_at: start, ends_at: start + 3600 } })).json();
	const page = await (await admin.get(`/exchanges/${demoConf.id}/showcase`)).text();
	assert(page.includes('Form poster') && page.includes(`value="${sess.id}"`), 'the submission and the session are offered');
	await admin.csrfFrom(`/exchanges/${demoConf.id}/showcase`);
	const hhmm = (t) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(t * 1000));
	let res = await admin.request('POST', `/submissions/${sub.id}/slot`, { form: { session: String(sess.id), starts_time: hhmm(start - 3600), ends_time: hhmm(start), position: 'Stand 3' } });
	assertEqual(res.status, 400, 'outside the session');
	assert((await res.text()).includes(`href="#s${sub.id}-starts_time"`), 'the summary links to the field');
	res = await admin.request('POST', `/submissions/${sub.id}/slot`, { form: { session: String(sess.id), starts_time: hhmm(start + 600), ends_time: hhmm(start + 1200), position: 'Stand 3' } });
	assertEqual(res.status, 303, await res.text());
	const pub = await (await fetch(`${server.base}/api/v1/exchanges/${demoConf.id}/submissions`)).json();
	const placed = pub.submissions.find((s) => s.id === sub.id);
	assertEqual(placed.slot_starts_at, start + 600);
	assertEqual(placed.slot_position, 'Stand 3');
	assert((await audit()).some((i) => i.action === 'submission.slot' && i.object_id === sub.id && i.after.position === 'Stand 3'), 'audited');
});

test('a host is given the role through the host dashboard', async () => {
	const lead = new Client(server.base);
	await lead.login('member.other@demo.collective.test');
	assertEqual((await lead.get(`/exchanges/${conf}/host`)).status, 403, 'not yet');
	await admin.csrfFrom(`/exchanges/${conf}/host`);
	let res = await admin.request('POST', `/exchanges/${conf}/hosts`, { form: { email: 'nobody@example.org', role: 'host' } });
	assertEqual(res.status, 303);
	assertEqual((await lead.get(`/exchanges/${conf}/host`)).status, 403, 'an unknown address gives nobody the role');
	res = await admin.request('POST', `/exchanges/${conf}/hosts`, { form: { email: 'member.other@demo.collective.test', role: 'host' } });
	assertEqual(res.status, 303);
	assertEqual((await lead.get(`/exchanges/${conf}/host`)).status, 200, 'now the host');
});

test('a sign-up through the page has its confirmation in the outbox at once', async () => {
	const x = await (await api.request('POST', '/api/v1/exchanges', { json: { programme: 1, topic: 'Page sign-up', mode: 'online', starts_at: Math.floor(Date.now() / 1000) + 20 * 86400, ends_at: Math.floor(Date.now() / 1000) + 20 * 86400 + 3600, capacity: 5 } })).json();
	const member = new Client(server.base);
	await member.login('member.other@demo.collective.test');
	await member.csrfFrom(`/exchanges/${x.id}`);
	const res = await member.request('POST', `/exchanges/${x.id}/register`, { form: {} });
	assertEqual(res.status, 303);
	const dir = join(server.dir, 'pages-outbox');
	let mails = [];
	for (let i = 0; i < 20 && !mails.length; i++) {
		await sleep(100);
		mails = readOutbox(server.url, dir).filter((m) => m.includes('member.other@demo.collective.test') && m.includes('Your place is confirmed: Page sign-up'));
	}
	assertEqual(mails.length, 1, 'the confirmation within two seconds');
});

test('a refused sign-up is told in Welsh on a Welsh page', async () => {
	const x = await (await api.request('POST', '/api/v1/exchanges', { json: { programme: 1, topic: 'Twice', mode: 'online', starts_at: Math.floor(Date.now() / 1000) + 21 * 86400, ends_at: Math.floor(Date.now() / 1000) + 21 * 86400 + 3600, capacity: 5 } })).json();
	const member = new Client(server.base);
	await member.login('member.other@demo.collective.test');
	member.cookies.set('lang', 'cy');
	await member.csrfFrom(`/exchanges/${x.id}`);
	assertEqual((await member.request('POST', `/exchanges/${x.id}/register`, { form: {} })).status, 303, 'first sign-up');
	const res = await member.request('POST', `/exchanges/${x.id}/register`, { form: {} });
	assertEqual(res.status, 303, 'second sign-up refused back to the page');
	const html = await (await member.get(res.headers.get('location'))).text();
	assert(html.includes('rydych chi wedi cofrestru yn barod'), 'the refusal in Welsh');
	assert(!html.includes('you are already registered'), 'not in English');
});

test('a refusal with numbers in it is told in Welsh with the same numbers', async () => {
	const x = await (await api.request('POST', '/api/v1/exchanges', { json: { programme: 1, topic: 'Full house', mode: 'online', starts_at: Math.floor(Date.now() / 1000) + 22 * 86400, ends_at: Math.floor(Date.now() / 1000) + 22 * 86400 + 3600, capacity: 5 } })).json();
	for (const who of ['member@demo.collective.test', 'member.other@demo.collective.test']) {
		const c = new Client(server.base);
		c.bearer = apiToken(server.url, who);
		assertEqual((await c.request('POST', `/api/v1/exchanges/${x.id}/registrations`, { json: {} })).status, 201, `${who} signs up`);
	}
	const host = new Client(server.base);
	await host.login('admin@demo.collective.test');
	host.cookies.set('lang', 'cy');
	await host.csrfFrom(`/exchanges/${x.id}/edit`);
	const form = { topic: 'Full house', mode: 'online', address: '', access_info: '', online_url: '', starts_date: x.starts_local.slice(0, 10), starts_time: x.starts_local.slice(11), ends_date: x.ends_local.slice(0, 10), ends_time: x.ends_local.slice(11), capacity: '1', description: '', theme: '', host_org: x.host_org_code || '', host_team: '', region: '', reserved_places: '0' };
	const res = await host.request('POST', `/exchanges/${x.id}/edit`, { form });
	const html = await res.text();
	assertEqual(res.status, 400, 'refused');
	assert(html.includes("ni ellir gostwng y capasiti i 1: mae 2 lle wedi&#39;u cymryd yn barod") ||
		html.includes("ni ellir gostwng y capasiti i 1: mae 2 lle wedi'u cymryd yn barod"), 'the refusal in Welsh, with both numbers');
	assert(!html.includes('capacity cannot be lowered'), 'not in English');
	assertEqual((await (await api.get(`/api/v1/exchanges/${x.id}`)).json()).capacity, 5, 'nothing changed');
});

test('the API does what these pages do: change a programme, add a conference day', async () => {
	let res = await api.request('PATCH', `/api/v1/programmes/${pid}`, { json: { name: 'Changed by the API', themes: ['Digital', 'Research'], allotments: [{ organisation: 'SBUHB', places: 2 }] } });
	const p = await res.json();
	assertEqual(res.status, 200, JSON.stringify(p));
	assertEqual(p.name, 'Changed by the API');
	assertEqual(p.themes.map((t) => t.name).join('|'), 'Digital|Research');
	assertEqual(p.pending_holds_place, true, 'fields not given stay');
	res = await api.request('PATCH', `/api/v1/programmes/${pid}`, { json: { signup_deadline: p.signup_opens_at - 60 } });
	assertEqual(res.status, 400, 'a deadline before sign-up opens');
	assertEqual((await (await api.get(`/api/v1/programmes/${pid}`)).json()).signup_deadline_at, p.signup_deadline_at, 'nothing changed');
	const member = new Client(server.base);
	member.bearer = apiToken(server.url, 'member@demo.collective.test');
	assertEqual((await member.request('PATCH', `/api/v1/programmes/${pid}`, { json: { name: 'x' } })).status, 403);
	res = await api.request('POST', `/api/v1/exchanges/${conf}/days`, { json: { date: day(40), label: 'Reception evening' } });
	assertEqual(res.status, 201, await res.text());
	res = await api.request('POST', `/api/v1/exchanges/${conf}/days`, { json: { date: day(90) } });
	assertEqual(res.status, 400, 'a day outside the event');
	assert((await res.json()).errors.some((e) => e.field === 'date'), 'names the date');
	const page = await (await admin.get(`/exchanges/${conf}/sessions`)).text();
	assert(page.includes('Reception evening'), 'the day is on the page');
	const log = (await audit()).filter((i) => i.object_id === pid && i.action === 'programme.update');
	assertEqual(log[0].after.name, 'Changed by the API');
});

await run();

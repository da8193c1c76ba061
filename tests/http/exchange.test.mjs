// Exchange over HTTP: the API's sign-up answers (state, waiting-list
// position), the bad inputs the issue names refused with the field named and
// nothing changed, and 200 simultaneous sign-ups for 20 places through two
// server processes sharing one database: exactly 20 confirmed, 180 on the
// waiting list, every position given once, in the order the places were
// asked for.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { test, run, startServer, assert, assertEqual, onCleanup, bin } from '../lib/harness.mjs';
import { Client, apiToken } from '../lib/client.mjs';

const server = await startServer();
const admin = new Client(server.base);
admin.bearer = apiToken(server.url, 'admin@demo.collective.test');
const member = new Client(server.base);
member.bearer = apiToken(server.url, 'member@demo.collective.test');

function freePort() {
	return new Promise((res, rej) => {
		const s = net.createServer();
		s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
		s.on('error', rej);
	});
}

// A second `collective serve` on the same database.
async function secondServer() {
	const port = await freePort();
	const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--db', server.url], { stdio: ['ignore', 'ignore', 'pipe'] });
	onCleanup(() => new Promise((res) => { if (proc.exitCode !== null) return res(); proc.on('exit', res); proc.kill('SIGTERM'); }));
	const base = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 200; i++) {
		try { if ((await fetch(base + '/healthz')).ok) return base; } catch { /* not yet */ }
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error('the second server did not start');
}

const json = async (res) => { const t = await res.text(); try { return JSON.parse(t); } catch { return t; } };
const soon = Math.floor(Date.now() / 1000) + 30 * 86400;

async function newProgramme(slug, extra = {}) {
	const res = await admin.request('POST', '/api/v1/programmes', {
		json: { slug, name: `Test ${slug}`, signup_opens_at: 0, signup_deadline: soon, themes: ['One', 'Two'], ...extra },
	});
	const b = await json(res);
	assertEqual(res.status, 201, `create programme ${slug}: ${JSON.stringify(b)}`);
	return b.id;
}

async function newExchange(programme, capacity, extra = {}) {
	const res = await admin.request('POST', '/api/v1/exchanges', {
		json: { programme, topic: 'A test exchange', mode: 'online', starts_at: soon + 86400, ends_at: soon + 90000, capacity, ...extra },
	});
	const b = await json(res);
	assertEqual(res.status, 201, `create exchange: ${JSON.stringify(b)}`);
	return b.id;
}

test('sign-up answers the state and the waiting-list position; cancelling offers the place', async () => {
	const p = await newProgramme('http-basic');
	const x = await newExchange(p, 1);
	const r1 = await json(await member.request('POST', `/api/v1/exchanges/${x}/registrations`, { json: {} }));
	assertEqual(r1.state, 'confirmed', 'the first gets the place');
	assertEqual(r1.position, null, 'no position when confirmed');
	const lead = new Client(server.base);
	lead.bearer = apiToken(server.url, 'lead@demo.collective.test');
	const res2 = await lead.request('POST', `/api/v1/exchanges/${x}/registrations`, { json: {} });
	assertEqual(res2.status, 201);
	const r2 = await res2.json();
	assertEqual(r2.state, 'waitlisted');
	assertEqual(r2.position, 1);
	const again = await member.request('POST', `/api/v1/exchanges/${x}/registrations`, { json: {} });
	assertEqual(again.status, 409, 'one registration per person');
	// Someone else cannot cancel it; its owner can, and the place is offered.
	assertEqual((await lead.request('DELETE', `/api/v1/registrations/${r1.id}`)).status, 403);
	const del = await member.request('DELETE', `/api/v1/registrations/${r1.id}`);
	assertEqual(del.status, 200);
	assertEqual((await del.json()).state, 'cancelled');
	const mine = await json(await lead.get('/api/v1/registrations'));
	const reg = mine.items.find((i) => i.id === x).registration;
	assertEqual(reg.state, 'offered', 'the next person is offered the place');
	const acc = await lead.request('POST', `/api/v1/registrations/${r2.id}/accept`, { json: {} });
	assertEqual((await acc.json()).state, 'confirmed');
	// The public exchange hides the online link from strangers.
	const pub = await json(await fetch(`${server.base}/api/v1/exchanges/${x}`));
	assertEqual(pub.places_left, 0);
});

test('sign-ups, cancellations and exchange changes are in the audit log with before and after', async () => {
	const p = await newProgramme('http-audit');
	const x = await newExchange(p, 2);
	const r = await json(await member.request('POST', `/api/v1/exchanges/${x}/registrations`, { json: {} }));
	assertEqual(r.state, 'confirmed');
	const upd = await admin.request('PATCH', `/api/v1/exchanges/${x}`, { json: { topic: 'An audited topic' } });
	assertEqual(upd.status, 200, 'the exchange is changed');
	assertEqual((await member.request('DELETE', `/api/v1/registrations/${r.id}`)).status, 200);
	const log = await json(await admin.get('/api/v1/audit?per_page=100'));
	const find = (action, id) => log.items.find((i) => i.action === action && i.object_id === id);
	const made = find('exchange.create', x);
	assert(made, 'exchange.create in the audit log');
	assertEqual(made.after.topic, 'A test exchange');
	const signup = find('registration.signup', r.id);
	assert(signup, 'registration.signup in the audit log');
	assertEqual(signup.object_type, 'registration');
	assertEqual(signup.before, null, 'a first sign-up has nothing before');
	assertEqual(signup.after.state, 'confirmed');
	assertEqual(signup.after.exchange_id, x);
	assert(signup.actor, 'the person who signed up is named');
	const cancel = find('registration.cancel', r.id);
	assert(cancel, 'registration.cancel in the audit log');
	assertEqual(cancel.before.state, 'confirmed');
	assertEqual(cancel.after.state, 'cancelled');
	const changed = find('exchange.update', x);
	assert(changed, 'exchange.update in the audit log');
	assertEqual(changed.actor, 'Demo programme admin');
	assertEqual(changed.before.topic, 'A test exchange');
	assertEqual(changed.after.topic, 'An audited topic');
});

test('bad input is refused with the field named and nothing changed', async () => {
	const p = await newProgramme('http-bad');
	// An end before its start.
	let res = await admin.request('POST', '/api/v1/exchanges', {
		json: { programme: p, topic: 'Backwards', mode: 'online', starts_at: soon + 7200, ends_at: soon, capacity: 5 },
	});
	assertEqual(res.status, 400);
	let body = await res.json();
	assert(body.errors.some((e) => e.field === 'ends_at'), JSON.stringify(body));
	const list = await json(await fetch(`${server.base}/api/v1/exchanges?programme=${p}`));
	assertEqual(list.items.length, 0, 'nothing was created');
	// Capacity lowered below the confirmed count.
	const x = await newExchange(p, 3);
	for (const email of ['member@demo.collective.test', 'lead@demo.collective.test']) {
		const c = new Client(server.base);
		c.bearer = apiToken(server.url, email);
		await c.request('POST', `/api/v1/exchanges/${x}/registrations`, { json: {} });
	}
	res = await admin.request('PATCH', `/api/v1/exchanges/${x}`, { json: { capacity: 1, topic: 'Renamed' } });
	assertEqual(res.status, 400);
	body = await res.json();
	assert(body.errors.some((e) => e.field === 'capacity'), JSON.stringify(body));
	const after = await json(await fetch(`${server.base}/api/v1/exchanges/${x}`));
	assertEqual(after.capacity, 3);
	assertEqual(after.topic, 'A test exchange', 'the topic did not change either');
	// Sign-up after the deadline.
	const past = await newProgramme('http-closed', { signup_deadline: Math.floor(Date.now() / 1000) - 60, signup_opens_at: 0 });
	const closed = await newExchange(past, 5);
	res = await member.request('POST', `/api/v1/exchanges/${closed}/registrations`, { json: {} });
	assertEqual(res.status, 409);
	assert(/deadline/.test((await res.json()).detail), 'the message names the deadline');
	// Unknown fields are refused rather than ignored.
	res = await admin.request('POST', '/api/v1/exchanges', { json: { programme: p, topic: 'x', mode: 'online', starts_at: soon, ends_at: soon + 60, capacity: 1, capacty: 2 } });
	assertEqual(res.status, 400);
});

test('a nomination over the allotment is refused; a swap keeps the count', async () => {
	const p = await newProgramme('http-noms', { allotments: [{ organisation: 'CAVUHB', places: 1 }] });
	const lead = new Client(server.base);
	lead.bearer = apiToken(server.url, 'lead@demo.collective.test');
	let res = await lead.request('POST', '/api/v1/organisations/CAVUHB/nominations', { json: { programme: p, email: 'member@demo.collective.test' } });
	const nb = await json(res);
	assertEqual(res.status, 201, JSON.stringify(nb));
	const nom = nb.id;
	res = await lead.request('POST', '/api/v1/organisations/CAVUHB/nominations', { json: { programme: p, email: 'team@demo.collective.test' } });
	assertEqual(res.status, 409);
	assert(/places/.test((await res.json()).detail), 'the message names the places');
	res = await lead.request('POST', `/api/v1/nominations/${nom}/swap`, { json: { email: 'team@demo.collective.test' } });
	assertEqual(res.status, 201, 'a swap within the allotment');
	// Another organisation's lead may not nominate for this one.
	const other = new Client(server.base);
	other.bearer = apiToken(server.url, 'lead.other@demo.collective.test');
	res = await other.request('POST', '/api/v1/organisations/CAVUHB/nominations', { json: { programme: p, email: 'member@demo.collective.test' } });
	assertEqual(res.status, 403);
});

test('a workshop clash is refused', async () => {
	const mine = await json(await member.get('/api/v1/registrations'));
	const conf = mine.items.find((i) => i.kind === 'conference');
	let reg = conf && conf.registration.id;
	const demoConf = (await json(await fetch(`${server.base}/api/v1/exchanges`))).items.find((i) => i.kind === 'conference');
	if (!reg) {
		const r = await json(await member.request('POST', `/api/v1/exchanges/${demoConf.id}/registrations`, { json: {} }));
		reg = r.id;
	}
	const page = await (await fetch(`${server.base}/exchanges/${demoConf.id}`)).text();
	assert(/Workshop: designing a single point of access/.test(page), 'the programme lists the workshops');
	// Sessions at the same time, read from the public page through the API's choose answers.
	const ids = [...page.matchAll(/name="session" value="(\d+)"/g)].map((m) => m[1]);
	// The anonymous page has no choose buttons; ask the member's page instead.
	const cli = new Client(server.base);
	await cli.login('member@demo.collective.test');
	const own = await (await cli.get(`/exchanges/${demoConf.id}`)).text();
	const choices = [...own.matchAll(/name="session" value="(\d+)"/g)].map((m) => Number(m[1]));
	assert(ids.length === 0 && choices.length >= 3, `choices offered: ${choices.length}`);
	let res = await member.request('POST', `/api/v1/registrations/${reg}/sessions`, { json: { session: choices[0] } });
	const cb = await json(res);
	assertEqual(res.status, 201, JSON.stringify(cb));
	res = await member.request('POST', `/api/v1/registrations/${reg}/sessions`, { json: { session: choices[1] } });
	assertEqual(res.status, 409, 'the second workshop at the same time clashes');
	assert(/clash/.test((await res.json()).detail));
});

test('the showcase: a submission filled in from an Improve project, reviewed and accepted', async () => {
	const conf = (await json(await fetch(`${server.base}/api/v1/exchanges`))).items.find((i) => i.kind === 'conference');
	let res = await member.request('POST', `/api/v1/exchanges/${conf.id}/submissions`, { json: { title: 'Our ward project', improve_project: 1, team: 'A ward' } });
	const sub = await json(res);
	assertEqual(res.status, 201, JSON.stringify(sub));
	assert(sub.summary.length > 0, "the summary is the project's aim");
	res = await admin.request('POST', `/api/v1/submissions/${sub.id}/reviews`, { json: { score: 6 } });
	assertEqual(res.status, 400, 'scores are 1 to 5');
	await res.arrayBuffer();
	res = await admin.request('POST', `/api/v1/submissions/${sub.id}/reviews`, { json: { score: 4, comments: 'Good data' } });
	assertEqual(res.status, 201);
	await res.arrayBuffer();
	let pub = await json(await fetch(`${server.base}/api/v1/exchanges/${conf.id}/submissions`));
	assert(!pub.submissions.some((x) => x.id === sub.id), 'not public before it is accepted');
	res = await member.request('POST', `/api/v1/submissions/${sub.id}/decision`, { json: { accept: true } });
	assertEqual(res.status, 403, 'only the programme admin decides');
	await res.arrayBuffer();
	res = await admin.request('POST', `/api/v1/submissions/${sub.id}/decision`, { json: { accept: true } });
	assertEqual(res.status, 200);
	await res.arrayBuffer();
	pub = await json(await fetch(`${server.base}/api/v1/exchanges/${conf.id}/submissions`));
	const mine = pub.submissions.find((x) => x.id === sub.id);
	assert(mine && mine.improve_team, "accepted, with a link to the team's live charts");
});

test('the host changes an exchange through the form; a bad time is refused', async () => {
	// The lead of Cardiff and Vale manages exchange 1, hosted by Cardiff and Vale.
	const lead = new Client(server.base);
	await lead.login('lead@demo.collective.test');
	let res = await lead.get('/exchanges/1/edit');
	assertEqual(res.status, 200);
	const html = await res.text();
	const date = html.match(/name="starts_date"[^>]*value="([^"]+)"/)[1];
	await lead.csrfFrom('/exchanges/1/edit');
	const form = { topic: 'One front door, revisited', mode: 'hybrid', address: 'Llandough', access_info: '', online_url: '', starts_date: date, starts_time: '10:00', ends_time: '09:00', capacity: '24', description: '' };
	res = await lead.request('POST', '/exchanges/1/edit', { form });
	assertEqual(res.status, 400, 'an end before its start');
	assert((await res.text()).includes('There is a problem'), 'the error summary');
	let x = await json(await fetch(`${server.base}/api/v1/exchanges/1`));
	assert(x.topic !== form.topic, 'nothing changed');
	res = await lead.request('POST', '/exchanges/1/edit', { form: { ...form, ends_time: '13:30' } });
	assertEqual(res.status, 303);
	x = await json(await fetch(`${server.base}/api/v1/exchanges/1`));
	assertEqual(x.topic, form.topic);
	assertEqual(x.ends_time, '13:30');
	assertEqual(x.sequence, 1, 'a new time raises SEQUENCE');
	// Another organisation's lead may not.
	const other = new Client(server.base);
	await other.login('lead.other@demo.collective.test');
	assertEqual((await other.get('/exchanges/1/edit')).status, 403);
});

test('the calendar file is RFC 5545 with the Europe/London time zone', async () => {
	const res = await fetch(`${server.base}/exchanges/1/calendar`);
	assertEqual(res.status, 200);
	assert(res.headers.get('content-type').startsWith('text/calendar'));
	const text = await res.text();
	assert(text.includes('BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n'));
	assert(/DTSTART;TZID=Europe\/London:\d{8}T\d{6}\r\n/.test(text));
	assert(text.split('\r\n').every((l) => Buffer.byteLength(l) <= 75), 'lines folded at 75 octets');
});

test('200 simultaneous sign-ups for 20 places across two server processes', async () => {
	const N = 200;
	const CAP = 20;
	const dir = mkdtempSync(join(tmpdir(), 'collective-exchange-'));
	const rows = ['email,name,org,role'];
	for (let i = 0; i < N; i++) rows.push(`rush${i}@example.org,Rush ${i},CAVUHB,member`);
	writeFileSync(join(dir, 'users.csv'), rows.join('\n') + '\n');
	const imp = spawnSync(bin, ['user', 'import', join(dir, 'users.csv'), '--db', server.url], { encoding: 'utf8' });
	assertEqual(imp.status, 0, imp.stderr);
	// API tokens, made a few at a time.
	const tokens = new Array(N);
	const make = (i) => new Promise((res, rej) => {
		const p = spawn(bin, ['token', 'create', '--email', `rush${i}@example.org`, '--db', server.url]);
		let out = '';
		p.stdout.on('data', (d) => { out += d; });
		p.on('close', (code) => (code === 0 ? res(out.trim().split('\n').pop().trim()) : rej(new Error('token create failed'))));
	});
	for (let i = 0; i < N; i += 20)
		(await Promise.all([...Array(Math.min(20, N - i)).keys()].map((k) => make(i + k)))).forEach((t, k) => { tokens[i + k] = t; });
	// Each token used once beforehand (the first use of a token is noted in
	// the database), so that the rush is sign-ups only.
	for (let i = 0; i < N; i += 20)
		await Promise.all(tokens.slice(i, i + 20).map(async (t) => {
			const r = await fetch(`${server.base}/api/v1/registrations`, { headers: { authorization: `Bearer ${t}` } });
			assertEqual(r.status, 200, 'a working token');
			await r.arrayBuffer();
		}));
	const p = await newProgramme('http-rush');
	const x = await newExchange(p, CAP);
	const other = await secondServer();
	const bases = [server.base, other];
	const answers = await Promise.all(tokens.map((t, i) => fetch(`${bases[i % 2]}/api/v1/exchanges/${x}/registrations`, {
		method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{}',
	}).then(async (r) => ({ status: r.status, body: await r.json() }))));
	const bad = answers.filter((a) => a.status !== 201);
	assertEqual(bad.length, 0, `every sign-up answered 201: ${JSON.stringify(bad.slice(0, 3))}`);
	const confirmed = answers.filter((a) => a.body.state === 'confirmed');
	const waiting = answers.filter((a) => a.body.state === 'waitlisted');
	assertEqual(confirmed.length, CAP, 'exactly the capacity confirmed');
	assertEqual(waiting.length, N - CAP, 'the rest on the waiting list');
	// Request order: the order in which the requests took the exchange's
	// lock (seq) is the order of the places and of the waiting list.
	const seqs = answers.map((a) => a.body.seq).sort((a, b) => a - b);
	assertEqual(JSON.stringify(seqs), JSON.stringify([...Array(N).keys()].map((i) => i + 1)), 'every request has its own turn');
	assert(confirmed.every((a) => a.body.seq <= CAP), 'the first to ask got the places');
	assert(waiting.every((a) => a.body.position === a.body.seq - CAP), 'positions follow the order of asking');
	// Both servers took part, and the stored list agrees.
	const list = await json(await admin.get(`/api/v1/exchanges/${x}/registrations`));
	assertEqual(list.items.filter((a) => a.state === 'confirmed').length, CAP);
	assertEqual(list.items.filter((a) => a.state === 'waitlisted').length, N - CAP);
	const ex = await json(await fetch(`${other}/api/v1/exchanges/${x}`));
	assertEqual(ex.places_left, 0);
	assertEqual(ex.waitlisted, N - CAP);
});

await run();

// Conference sessions and rooms changed and removed by the host (the lead of
// the host organisation), through the API and through the forms: new times
// shown on the page, in the JSON and in a chooser's calendar feed, and
// emailed to those who chose the session; every refusal (places below the
// choices, a clash for an attendee, an end before the start, a session of
// another exchange, a host of another organisation) says what is wrong and
// changes nothing; removals refused while a session is chosen or holds
// showcase submissions, or while a room is used; each change audited.

import { join } from 'node:path';
import { test, run, startServer, assert, assertEqual } from '../lib/harness.mjs';
import { Client, apiToken, readOutbox } from '../lib/client.mjs';

const server = await startServer();
const outbox = join(server.dir, 'outbox-sessions');
const bearer = (email) => { const c = new Client(server.base); c.bearer = apiToken(server.url, email); return c; };
const admin = bearer('admin@demo.collective.test');
const host = bearer('lead@demo.collective.test'); // lead of CAVUHB, the host organisation
const otherHost = bearer('lead.other@demo.collective.test'); // lead of SBUHB
const hostPages = new Client(server.base);
await hostPages.login('lead@demo.collective.test');

const json = async (res) => { const t = await res.text(); try { return JSON.parse(t); } catch { return t; } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const d1 = day(40);
const d2 = day(41);
// The whole audit log, newest first.
async function audit() {
	const all = [];
	for (let page = 1; page < 50; page++) {
		const got = (await json(await admin.get(`/api/v1/audit?per_page=100&page=${page}`))).items;
		all.push(...got);
		if (got.length < 100) break;
	}
	return all;
}

async function expectStatus(res, status, what) {
	const body = await json(res);
	assertEqual(res.status, status, `${what}: ${JSON.stringify(body)}`);
	return body;
}

// A field's message in a problem answer.
const problemField = (p, field) => (p.errors || []).find((e) => e.field === field)?.message;

// The stored session as the change form shows it (field name -> value).
async function formOf(x, s) {
	const html = await (await hostPages.get(`/exchanges/${x}/sessions/${s}/edit`)).text();
	const val = (name) => (html.match(new RegExp(`name="${name}" type="[^"]*" value="([^"]*)"`)) || [])[1];
	return { title: val('title'), date: val('date'), starts: val('starts_time'), ends: val('ends_time'), room: val('room'), capacity: val('capacity') };
}

let x; // the conference
let y; // another conference of the same host
const s = {}; // session ids by letter
const regs = {}; // registration ids by email

async function conference(topic) {
	return (await expectStatus(await admin.request('POST', '/api/v1/exchanges', {
		json: { programme: pid, kind: 'conference', host_org: 'CAVUHB', topic, mode: 'on_site', address: 'A university hall', starts_at: `${d1}T08:00`, ends_at: `${d2}T17:00`, capacity: 50 },
	}), 201, topic)).id;
}

async function session(conf, body) {
	return (await expectStatus(await host.request('POST', `/api/v1/exchanges/${conf}/sessions`, { json: body }), 201, body.title)).id;
}

const pid = (await expectStatus(await admin.request('POST', '/api/v1/programmes', {
	json: { slug: 'session-changes', name: 'Session changes', signup_opens_at: 0, signup_deadline: Math.floor(Date.now() / 1000) + 30 * 86400, themes: ['One'] },
}), 201, 'programme')).id;

test('set-up: a conference with chosen workshops', async () => {
	x = await conference('Sessions conference');
	y = await conference('Another conference');
	s.a = await session(x, { kind: 'workshop', title: 'Workshop A', starts_at: `${d1}T10:00`, ends_at: `${d1}T11:00`, room: 'Room One', room_capacity: 30, needs_choice: true });
	s.b = await session(x, { kind: 'workshop', title: 'Workshop B', starts_at: `${d1}T11:30`, ends_at: `${d1}T12:30`, room: 'Room Two', room_capacity: 20, needs_choice: true });
	s.c = await session(x, { kind: 'workshop', title: 'Workshop C', starts_at: `${d1}T14:00`, ends_at: `${d1}T15:00`, room: 'Room One', capacity: 5, needs_choice: true });
	s.y = await session(y, { kind: 'keynote', title: 'Elsewhere', starts_at: `${d1}T10:00`, ends_at: `${d1}T11:00` });
	const choose = { 'member@demo.collective.test': [s.a, s.b], 'planner@demo.collective.test': [s.a, s.b], 'team@demo.collective.test': [s.a], 'coach@demo.collective.test': [s.c] };
	for (const [email, list] of Object.entries(choose)) {
		const who = bearer(email);
		const r = await expectStatus(await who.request('POST', `/api/v1/exchanges/${x}/registrations`, { json: {} }), 201, `${email} signs up`);
		assertEqual(r.state, 'confirmed');
		regs[email] = r.id;
		for (const id of list)
			await expectStatus(await who.request('POST', `/api/v1/registrations/${r.id}/sessions`, { json: { session: id } }), 201, `${email} chooses ${id}`);
	}
	// The notices of the sign-ups go out first, so that the ones below are the changes'.
	await sleep(1000);
	readOutbox(server.url, outbox);
});

test('a session\'s times are changed through the API: JSON, page, feed, audit and an email to those who chose it', async () => {
	const res = await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.a}`, { json: { starts_at: `${d1}T09:00`, ends_at: `${d1}T09:45` } });
	const got = await expectStatus(res, 200, 'the change');
	assertEqual(got.starts_local, `${d1} 09:00`);
	assertEqual(got.ends_time, '09:45');
	assertEqual(got.title, 'Workshop A', 'fields not given stay');
	assertEqual(got.room, 'Room One');
	assertEqual(got.chosen_count, 3);
	const page = await (await hostPages.get(`/exchanges/${x}/sessions`)).text();
	assert(page.includes(`${d1} 09:00–09:45`), 'the programme page shows the new times');
	assert(page.includes(`href="/exchanges/${x}/sessions/${s.a}/edit"`), 'each row links to its change form');
	// A chooser's calendar feed carries the session with its new time and a raised SEQUENCE.
	const member = new Client(server.base);
	await member.login('member@demo.collective.test');
	await member.csrfFrom('/exchanges/my');
	const my = await (await member.request('POST', '/exchanges/my/calendar', { form: {} })).text();
	const feed = my.match(/\/calendar\/([A-Za-z0-9_-]{40,})/);
	assert(feed, 'a feed address');
	const ics = await (await fetch(`${server.base}/calendar/${feed[1]}`)).text();
	const ev = ics.split('BEGIN:VEVENT').find((e) => e.includes(`UID:session-${s.a}@`));
	assert(ev, `the chosen session is in the feed:\n${ics}`);
	assert(ev.includes(`DTSTART;TZID=Europe/London:${d1.replace(/-/g, '')}T090000`), `its new start:\n${ev}`);
	assert(ev.includes(`DTEND;TZID=Europe/London:${d1.replace(/-/g, '')}T094500`), 'its new end');
	assert(/SEQUENCE:1\r?\n/.test(ev), 'its SEQUENCE raised');
	assert(ics.includes(`UID:session-${s.b}@`) && !ics.includes(`UID:session-${s.c}@`), 'only the sessions chosen');
	// Audited with the row before and after.
	const entry = (await audit()).find((i) => i.action === 'session.update' && i.object_id === s.a);
	assert(entry, 'session.update audited');
	assertEqual(entry.after.starts_at, got.starts_at);
	assert(entry.before.starts_at !== entry.after.starts_at, 'the old start in before');
	assertEqual(entry.actor, 'Demo organisation lead');
	// Emailed to the three who chose it, once each; not to the one who did not.
	let mails = [];
	for (let i = 0; i < 30; i++) {
		mails = readOutbox(server.url, outbox).filter((m) => m.includes('Session changed: Workshop A'));
		if (mails.length >= 3) break;
		await sleep(100);
	}
	for (const email of ['member@', 'planner@', 'team@'])
		assertEqual(mails.filter((m) => m.includes(`To: ${email}`) || m.includes(`<${email}`)).length, 1, `one notice to ${email}`);
	assert(!mails.some((m) => m.includes('coach@demo')), 'none to an attendee who did not choose it');
	assert(mails[0].includes('09:00'), 'with the new time');
	assertEqual(readOutbox(server.url, outbox).filter((m) => m.includes('Session changed: Workshop A')).length, 3, 'and no more');
});

test('refused, changing nothing: places below the choices, a clash for attendees, an end before the start', async () => {
	const before = await formOf(x, s.a);
	const updates = async (id) => (await audit()).filter((i) => i.action === 'session.update' && i.object_id === id).length;
	const a0 = await updates(s.a);
	const b0 = await updates(s.b);
	let p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.a}`, { json: { capacity: 2 } }), 400, 'two places for three choices');
	assert(/fewer than the 3 attendees who have chosen this session/.test(problemField(p, 'capacity')), JSON.stringify(p));
	// B, chosen by two who also chose A (09:00-09:45), moved over A.
	p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.b}`, { json: { starts_at: `${d1}T09:30`, ends_at: `${d1}T10:30` } }), 400, 'a clash');
	assert(/clash with another session chosen by 2 attendees/.test(problemField(p, 'starts_at')), JSON.stringify(p));
	// Touching ends are no clash (the rule of choosing).
	p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.b}`, { json: { starts_at: `${d1}T09:45`, ends_at: `${d1}T10:30`, title: 'Workshop B' } }), 200, 'right after A');
	p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.b}`, { json: { starts_at: `${d1}T11:30`, ends_at: `${d1}T12:30` } }), 200, 'back');
	// A new room too small for the choices: refused, and the room it would have made is not made.
	p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.a}`, { json: { room: 'Tiny room', room_capacity: 1 } }), 400, 'a room too small');
	assert(/fewer than the 3 attendees/.test(problemField(p, 'room')), JSON.stringify(p));
	assert(!(await rooms(x))['Tiny room'], 'no room made');
	p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.a}`, { json: { ends_at: `${d1}T08:30` } }), 400, 'an end before the start');
	assert(problemField(p, 'ends_at'), 'names the end');
	p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.a}`, { json: { kind: 'party' } }), 400, 'an unknown kind');
	assert(problemField(p, 'kind'), 'names the kind');
	// A session of another exchange: not found, through the API and the page.
	await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.y}`, { json: { title: 'Stolen' } }), 404, 'another exchange\'s session');
	assertEqual((await hostPages.get(`/exchanges/${x}/sessions/${s.y}/edit`)).status, 404, 'its form too');
	await expectStatus(await host.request('DELETE', `/api/v1/exchanges/${x}/sessions/${s.y}`), 404, 'nor removed');
	// A host of another organisation.
	await expectStatus(await otherHost.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.a}`, { json: { title: 'Taken over' } }), 403, 'another organisation\'s lead');
	await expectStatus(await otherHost.request('DELETE', `/api/v1/exchanges/${x}/sessions/${s.c}`), 403, 'nor remove');
	await expectStatus(await otherHost.request('PATCH', `/api/v1/exchanges/${x}/rooms/${(await rooms(x))['Room One'].id}`, { json: { name: 'Taken' } }), 403, 'nor rename a room');
	assertEqual(JSON.stringify(await formOf(x, s.a)), JSON.stringify(before), 'A is as it was');
	assertEqual((await formOf(y, s.y)).title, 'Elsewhere', 'the other exchange\'s session is as it was');
	assertEqual(await updates(s.a), a0, 'no change of A audited');
	assertEqual(await updates(s.b), b0 + 2, 'only the two accepted changes of B audited');
});

// The rooms of a conference by name, through the page's data (the API
// answers of PATCH give the same objects).
async function rooms(conf) {
	const html = await (await hostPages.get(`/exchanges/${conf}/sessions`)).text();
	const out = {};
	for (const m of html.matchAll(/<tr><td>([^<]+)<\/td><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td>\s*<td><a href="\/exchanges\/\d+\/rooms\/(\d+)\/edit">/g))
		out[m[1]] = { id: Number(m[4]), capacity: Number(m[2]), sessions: Number(m[3]) };
	return out;
}

test('a session is changed through its form; a refused form shows the error summary in the page\'s language', async () => {
	await hostPages.csrfFrom(`/exchanges/${x}/sessions/${s.c}/edit`);
	const shown = await formOf(x, s.c);
	assertEqual(shown.starts, '14:00');
	assertEqual(shown.capacity, '5');
	assertEqual(shown.room, 'Room One');
	const form = { kind: 'workshop', title: 'Workshop C', summary: '', date: d1, starts_time: '15:00', ends_time: '16:15', room: 'Room One', room_capacity: '', capacity: '5', needs_choice: '1' };
	let res = await hostPages.request('POST', `/exchanges/${x}/sessions/${s.c}/edit`, { form });
	assertEqual(res.status, 303, await res.text());
	assertEqual(res.headers.get('location'), `/exchanges/${x}/sessions`);
	const page = await (await hostPages.get(`/exchanges/${x}/sessions`)).text();
	assert(page.includes(`${d1} 15:00–16:15`), 'the new times on the page');
	assertEqual((await formOf(x, s.c)).ends, '16:15');
	// Refused: an end before the start, then places below the choices (in Welsh).
	res = await hostPages.request('POST', `/exchanges/${x}/sessions/${s.c}/edit`, { form: { ...form, starts_time: '17:00', ends_time: '16:00' } });
	assertEqual(res.status, 400);
	let html = await res.text();
	assert(html.includes('There is a problem') && html.includes('href="#ends_time"'), 'the summary links to the end');
	assert(html.includes('value="17:00"'), 'what was typed is kept');
	res = await hostPages.request('POST', `/exchanges/${x}/sessions/${s.a}/edit?lang=cy`, { form: { ...form, title: 'Workshop A', date: d1, starts_time: '09:00', ends_time: '09:45', capacity: '1' } });
	assertEqual(res.status, 400);
	html = await res.text();
	assert(html.includes('href="#capacity"'), 'the summary links to the places');
	assert(html.includes('3 o fynychwyr sydd wedi dewis y sesiwn hon'), `the count in Welsh:\n${html.match(/error-summary-list[^]*?<\/ul>/)}`);
	await hostPages.get(`/exchanges/${x}/sessions?lang=en`); // the language chosen is kept: back to English
	assertEqual((await formOf(x, s.a)).capacity, '', 'A keeps the room\'s places');
	const entry = (await audit()).find((i) => i.action === 'session.update' && i.object_id === s.c);
	assertEqual(entry.before.starts_at + 3600, entry.after.starts_at, 'the form\'s change audited');
});

test('a session is removed only when nobody chose it and no showcase submission is placed in it', async () => {
	let p = await expectStatus(await host.request('DELETE', `/api/v1/exchanges/${x}/sessions/${s.a}`), 409, 'chosen by three');
	assert(/3 attendees have chosen this session, so it cannot be removed/.test(p.detail || JSON.stringify(p)), JSON.stringify(p));
	await hostPages.csrfFrom(`/exchanges/${x}/sessions`);
	let res = await hostPages.request('POST', `/exchanges/${x}/sessions/${s.a}/delete`, { form: {} });
	assertEqual(res.status, 400);
	const html = await res.text();
	assert(html.includes(`href="#delete-session-${s.a}"`) && html.includes(`id="delete-session-${s.a}"`), 'the summary links to the row\'s button');
	assert(html.includes('3 attendees have chosen this session'), `and says how many: ${html.match(/error-summary-list[^]*?<\/ul>/)}`);
	assert((await formOf(x, s.a)).title === 'Workshop A', 'still there');
	// A showcase session with a submission placed in it (the demo conference has an open call).
	const demoConf = (await json(await fetch(`${server.base}/api/v1/exchanges?programme=1`))).items.find((i) => i.kind === 'conference');
	const member = bearer('member@demo.collective.test');
	const sub = await expectStatus(await member.request('POST', `/api/v1/exchanges/${demoConf.id}/submissions`, { json: { title: 'Placed poster', summary: 'A change', team: 'A team' } }), 201, 'submission');
	await expectStatus(await admin.request('POST', `/api/v1/submissions/${sub.id}/decision`, { json: { accept: true } }), 200, 'accepted');
	const start = demoConf.starts_at + 86400 + 7200;
	const show = (await expectStatus(await admin.request('POST', `/api/v1/exchanges/${demoConf.id}/sessions`, { json: { kind: 'showcase', title: 'Placed posters', starts_at: start, ends_at: start + 3600 } }), 201, 'showcase session')).id;
	await expectStatus(await admin.request('POST', `/api/v1/submissions/${sub.id}/slot`, { json: { session: show, starts_at: start, ends_at: start + 600, position: 'Stand 9' } }), 201, 'placed');
	p = await expectStatus(await admin.request('DELETE', `/api/v1/exchanges/${demoConf.id}/sessions/${show}`), 409, 'a placed submission');
	assert(/1 showcase submission is placed in this session/.test(JSON.stringify(p)), JSON.stringify(p));
	// C, chosen by one: the chooser cancels the choice by cancelling the place; then it goes.
	await expectStatus(await host.request('DELETE', `/api/v1/exchanges/${x}/sessions/${s.c}`), 409, 'chosen by one');
	const unchosen = await session(x, { kind: 'break', title: 'Coffee', starts_at: `${d1}T12:30`, ends_at: `${d1}T13:00`, room: 'Spare room', room_capacity: 10 });
	const got = await expectStatus(await host.request('DELETE', `/api/v1/exchanges/${x}/sessions/${unchosen}`), 200, 'an unchosen session');
	assertEqual(got.deleted, true);
	assert(!(await (await hostPages.get(`/exchanges/${x}/sessions`)).text()).includes('Coffee'), 'gone from the page');
	const entry = (await audit()).find((i) => i.action === 'session.delete' && i.object_id === unchosen);
	assert(entry, 'session.delete audited');
	assertEqual(entry.before.title, 'Coffee');
	assertEqual(entry.after, null);
	// Through the form.
	const tea = await session(x, { kind: 'break', title: 'Tea', starts_at: `${d1}T16:30`, ends_at: `${d1}T16:45` });
	res = await hostPages.request('POST', `/exchanges/${x}/sessions/${tea}/delete`, { form: {} });
	assertEqual(res.status, 303, await res.text());
	assert(!(await (await hostPages.get(`/exchanges/${x}/sessions`)).text()).includes('>Tea<'), 'removed through the form');
	assert((await audit()).some((i) => i.action === 'session.delete' && i.object_id === tea), 'audited');
});

test('rooms: listed, renamed, given a capacity, removed when unused; refusals change nothing', async () => {
	let r = await rooms(x);
	assertEqual(r['Room One'].capacity, 30);
	assertEqual(r['Room One'].sessions, 2);
	assertEqual(r['Spare room'].sessions, 0);
	const one = r['Room One'].id;
	const two = r['Room Two'].id;
	// A (3 choices, no places of its own) and C (5 places) are in Room One.
	let p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/rooms/${one}`, { json: { capacity: 4 } }), 400, 'below C\'s own places');
	assert(/needs 5 places/.test(problemField(p, 'capacity')), JSON.stringify(p));
	await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${s.c}`, { json: { capacity: null } }), 200, 'C takes the room\'s places');
	p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/rooms/${one}`, { json: { capacity: 2 } }), 400, 'below A\'s choices');
	assert(/needs 3 places/.test(problemField(p, 'capacity')), JSON.stringify(p));
	p = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/rooms/${one}`, { json: { name: 'Room Two' } }), 409, 'a name taken');
	assert(problemField(p, 'name'), 'names the name');
	await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${y}/rooms/${one}`, { json: { name: 'Moved' } }), 404, 'another exchange\'s room');
	r = await rooms(x);
	assertEqual(r['Room One'].capacity, 30, 'unchanged');
	const got = await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/rooms/${two}`, { json: { name: 'Garden Room', capacity: 25 } }), 200, 'renamed');
	assertEqual(got.name, 'Garden Room');
	assertEqual(got.capacity, 25);
	const page = await (await hostPages.get(`/exchanges/${x}/sessions`)).text();
	assert(page.includes('<td>Garden Room</td>'), 'the sessions show the new name');
	const entry = (await audit()).find((i) => i.action === 'room.update' && i.object_id === two);
	assertEqual(entry.before.name, 'Room Two');
	assertEqual(entry.after.name, 'Garden Room');
	assertEqual(entry.after.capacity, 25);
	// A new name is a new place for B: the two who chose it are told.
	const renamed = (m) => m.includes('Session changed: Workshop B') && m.replace(/=\r?\n/g, '').includes('Garden Room');
	let mails = [];
	for (let i = 0; i < 30 && mails.length < 2; i++) {
		mails = readOutbox(server.url, outbox).filter(renamed);
		if (mails.length < 2) await sleep(100);
	}
	assertEqual(mails.length, 2, 'the rename emailed to the two who chose B');
	assert(mails.some((m) => m.includes('member@demo')) && mails.some((m) => m.includes('planner@demo')), 'member and planner');
	// Removing.
	p = await expectStatus(await host.request('DELETE', `/api/v1/exchanges/${x}/rooms/${one}`), 409, 'used by two sessions');
	assert(/2 sessions use this room/.test(JSON.stringify(p)), JSON.stringify(p));
	await expectStatus(await host.request('DELETE', `/api/v1/exchanges/${x}/rooms/${r['Spare room'].id}`), 200, 'an unused room');
	assert(!(await rooms(x))['Spare room'], 'gone');
	assert((await audit()).some((i) => i.action === 'room.delete' && i.object_id === r['Spare room'].id && i.before.name === 'Spare room'), 'room.delete audited');
});

test('rooms through their forms', async () => {
	const r = await rooms(x);
	const one = r['Room One'].id;
	await hostPages.csrfFrom(`/exchanges/${x}/rooms/${one}/edit`);
	let res = await hostPages.request('POST', `/exchanges/${x}/rooms/${one}/edit`, { form: { name: 'Room One', capacity: '1' } });
	assertEqual(res.status, 400);
	let html = await res.text();
	assert(html.includes('href="#capacity"') && html.includes('needs 3 places'), 'the summary says why');
	res = await hostPages.request('POST', `/exchanges/${x}/rooms/${one}/edit`, { form: { name: '', capacity: '40' } });
	assertEqual(res.status, 400);
	assert((await res.text()).includes('href="#name"'), 'a name is needed');
	res = await hostPages.request('POST', `/exchanges/${x}/rooms/${one}/edit`, { form: { name: 'Lecture theatre', capacity: '40' } });
	assertEqual(res.status, 303, await res.text());
	assertEqual((await rooms(x))['Lecture theatre'].capacity, 40);
	res = await hostPages.request('POST', `/exchanges/${x}/rooms/${one}/delete`, { form: {} });
	assertEqual(res.status, 400);
	html = await res.text();
	assert(html.includes(`href="#delete-room-${one}"`) && html.includes('2 sessions use this room'), 'a used room stays, with the reason');
	await session(x, { kind: 'break', title: 'Lunch', starts_at: `${d2}T12:30`, ends_at: `${d2}T13:00`, room: 'Dining hall', room_capacity: 60 });
	const lunch = Object.entries(await rooms(x)).find(([name]) => name === 'Dining hall')[1];
	res = await hostPages.request('POST', `/exchanges/${x}/rooms/${lunch.id}/delete`, { form: {} });
	assertEqual(res.status, 400, 'used by lunch');
	const sid = (await (await hostPages.get(`/exchanges/${x}/sessions`)).text()).match(/\/sessions\/(\d+)\/edit">Change<span class="visually-hidden"> Lunch/)[1];
	await expectStatus(await host.request('PATCH', `/api/v1/exchanges/${x}/sessions/${sid}`, { json: { room: null } }), 200, 'lunch out of the room');
	res = await hostPages.request('POST', `/exchanges/${x}/rooms/${lunch.id}/delete`, { form: {} });
	assertEqual(res.status, 303, await res.text());
	assert(!(await rooms(x))['Dining hall'], 'removed through the form');
});

await run();

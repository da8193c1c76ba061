// Exchange audit over HTTP: the writes that had no entry in the audit log
// now have one, with who, what and the row before and after, readable by the
// programme admin through /api/v1/audit: conference sessions (and the rooms
// they make), accommodation nights, insights, showcase submissions, reviews
// and slot placements, the emails the notice job queues, and the deletion of
// dietary and access needs past their date by `collective jobs run`.

import { spawnSync } from 'node:child_process';
import { test, run, startServer, assert, assertEqual, bin } from '../lib/harness.mjs';
import { Client, apiToken } from '../lib/client.mjs';

const server = await startServer();
const admin = new Client(server.base);
admin.bearer = apiToken(server.url, 'admin@demo.collective.test');
const member = new Client(server.base);
member.bearer = apiToken(server.url, 'member@demo.collective.test');

const json = async (res) => { const t = await res.text(); try { return JSON.parse(t); } catch { return t; } };
const now = Math.floor(Date.now() / 1000);
const soon = now + 30 * 86400;

// The newest 100 audit entries, as the programme admin reads them.
async function auditLog() {
	const res = await admin.get('/api/v1/audit?per_page=100');
	assertEqual(res.status, 200, 'the programme admin reads the audit log');
	return (await res.json()).items;
}

async function expectStatus(res, status, what) {
	const body = await json(res);
	assertEqual(res.status, status, `${what}: ${JSON.stringify(body)}`);
	return body;
}

let conf; // a conference of a new programme
let reg; // the member's registration on it

test('a conference session and the room it makes are audited', async () => {
	const p = await expectStatus(await admin.request('POST', '/api/v1/programmes', {
		json: { slug: 'audit-gaps', name: 'Audit gaps', signup_opens_at: 0, signup_deadline: soon, themes: ['One'] },
	}), 201, 'programme');
	const x = await expectStatus(await admin.request('POST', '/api/v1/exchanges', {
		json: { programme: p.id, kind: 'conference', topic: 'Audited conference', mode: 'on_site', address: 'A hall', starts_at: soon + 86400, ends_at: soon + 2 * 86400, capacity: 10 },
	}), 201, 'conference');
	conf = x.id;
	const s = await expectStatus(await admin.request('POST', `/api/v1/exchanges/${conf}/sessions`, {
		json: { kind: 'showcase', title: 'Audited showcase', starts_at: soon + 86400 + 3600, ends_at: soon + 86400 + 7200, room: 'Great Hall', room_capacity: 80 },
	}), 201, 'session');
	const log = await auditLog();
	const made = log.find((i) => i.action === 'session.create' && i.object_id === s.id);
	assert(made, 'session.create in the audit log');
	assertEqual(made.object_type, 'session');
	assertEqual(made.actor, 'Demo programme admin');
	assertEqual(made.before, null);
	assertEqual(made.after.title, 'Audited showcase');
	assertEqual(made.after.exchange_id, conf);
	const room = log.find((i) => i.action === 'room.create' && i.after && i.after.name === 'Great Hall');
	assert(room, 'room.create in the audit log');
	assertEqual(room.after.capacity, 80);
	assertEqual(made.after.room_id, room.object_id, 'the session is in the room made');
});

test('accommodation nights are audited with the nights before and after', async () => {
	reg = (await expectStatus(await member.request('POST', `/api/v1/exchanges/${conf}/registrations`, { json: {} }), 201, 'sign-up')).id;
	const day = (t) => new Date(t * 1000).toISOString().slice(0, 10);
	await expectStatus(await member.request('PUT', `/api/v1/registrations/${reg}/needs`, {
		json: { dietary: 'No nuts', nights: [day(soon)] },
	}), 200, 'first nights');
	await expectStatus(await member.request('PUT', `/api/v1/registrations/${reg}/needs`, {
		json: { dietary: 'No nuts', nights: [day(soon), day(soon + 86400)] },
	}), 200, 'second nights');
	const nights = (await auditLog()).filter((i) => i.action === 'nights.set' && i.object_id === reg);
	assertEqual(nights.length, 2, 'each change of nights is an entry');
	const [second, first] = nights; // newest first
	assertEqual(JSON.stringify(first.before.nights), '[]');
	assertEqual(JSON.stringify(first.after.nights), JSON.stringify([day(soon)]));
	assertEqual(JSON.stringify(second.before.nights), JSON.stringify([day(soon)]));
	assertEqual(JSON.stringify(second.after.nights), JSON.stringify([day(soon), day(soon + 86400)]));
	assertEqual(second.object_type, 'registration');
	assert(second.actor && second.actor !== 'Demo programme admin', 'the attendee is the actor');
});

test('an insight is audited', async () => {
	const ins = await expectStatus(await member.request('POST', `/api/v1/exchanges/${conf}/insights`, {
		json: { learned: 'Audited learning', actions: 'Audit everything' },
	}), 201, 'insight');
	const entry = (await auditLog()).find((i) => i.action === 'insight.create' && i.object_id === ins.id);
	assert(entry, 'insight.create in the audit log');
	assertEqual(entry.object_type, 'insight');
	assertEqual(entry.after.learned, 'Audited learning');
	assertEqual(entry.after.exchange_id, conf);
	assertEqual(entry.after.by_host, 0);
});

test('a showcase submission, its reviews and its slot are audited', async () => {
	// The demo conference has an open call and a showcase session.
	const demoConf = (await json(await fetch(`${server.base}/api/v1/exchanges?programme=1`))).items.find((i) => i.kind === 'conference');
	const sub = await expectStatus(await member.request('POST', `/api/v1/exchanges/${demoConf.id}/submissions`, {
		json: { title: 'Audited poster', summary: 'What we changed', team: 'A team' },
	}), 201, 'submission');
	await expectStatus(await admin.request('POST', `/api/v1/submissions/${sub.id}/reviews`, { json: { score: 3, comments: 'Fair' } }), 201, 'review');
	await expectStatus(await admin.request('POST', `/api/v1/submissions/${sub.id}/reviews`, { json: { score: 5, comments: 'Better' } }), 201, 'second review');
	await expectStatus(await admin.request('POST', `/api/v1/submissions/${sub.id}/decision`, { json: { accept: true } }), 200, 'accept');
	const start = demoConf.starts_at + 86400 + 3600;
	const sess = await expectStatus(await admin.request('POST', `/api/v1/exchanges/${demoConf.id}/sessions`, {
		json: { kind: 'showcase', title: 'Audit posters', starts_at: start, ends_at: start + 3600, room: 'Poster hall', room_capacity: 50 },
	}), 201, 'showcase session');
	await expectStatus(await admin.request('POST', `/api/v1/submissions/${sub.id}/slot`, {
		json: { session: sess.id, starts_at: start, ends_at: start + 600, position: 'Stand 1' },
	}), 201, 'slot');
	await expectStatus(await admin.request('POST', `/api/v1/submissions/${sub.id}/slot`, {
		json: { session: sess.id, starts_at: start + 600, ends_at: start + 1200, position: 'Stand 2' },
	}), 201, 'moved slot');
	const log = await auditLog();
	const made = log.find((i) => i.action === 'submission.create' && i.object_id === sub.id);
	assert(made, 'submission.create in the audit log');
	assertEqual(made.after.title, 'Audited poster');
	assertEqual(made.after.state, 'submitted');
	const reviews = log.filter((i) => i.action === 'submission.review' && i.object_id === sub.id);
	assertEqual(reviews.length, 2, 'both reviews');
	assertEqual(reviews[1].before, null, 'the first review replaces nothing');
	assertEqual(reviews[1].after.score, 3);
	assertEqual(reviews[0].before.score, 3, 'the second shows the score it replaced');
	assertEqual(reviews[0].after.score, 5);
	assertEqual(reviews[0].after.comments, 'Better');
	assertEqual(reviews[0].actor, 'Demo programme admin');
	const slots = log.filter((i) => i.action === 'submission.slot' && i.object_id === sub.id);
	assertEqual(slots.length, 2, 'both placements');
	assertEqual(slots[1].before, null);
	assertEqual(slots[1].after.position, 'Stand 1');
	assertEqual(slots[1].after.session_id, sess.id);
	assertEqual(slots[0].before.position, 'Stand 1', 'a move shows where it was');
	assertEqual(slots[0].after.position, 'Stand 2');
	assertEqual(slots[0].after.starts_at, start + 600);
});

test('the demonstration conference\'s rooms, days, sessions and call are audited as the system\'s', async () => {
	const seen = new Map();
	for (let page = 1; page <= 50; page++) {
		const res = await admin.get(`/api/v1/audit?per_page=100&page=${page}`);
		const items = (await res.json()).items;
		for (const i of items) seen.set(i.action, (seen.get(i.action) || 0) + (i.actor ? 0 : 1));
		if (items.length < 100) break;
	}
	for (const action of ['room.create', 'conference_day.create', 'session.create', 'showcase_call.create'])
		assert(seen.get(action) > 0, `${action} by the system`);
});

test('the jobs audit the emails they queue and the needs they delete, as the system', async () => {
	const first = spawnSync(bin, ['jobs', 'run', '--db', server.url], { encoding: 'utf8' });
	assertEqual(first.status, 0, first.stderr);
	// Long after the conference: the needs are past their date.
	const out = spawnSync(bin, ['jobs', 'run', '--db', server.url, '--now', String(soon + 400 * 86400)], { encoding: 'utf8' });
	assertEqual(out.status, 0, out.stderr);
	assert(/needs deleted: [1-9]/.test(out.stdout), out.stdout);
	const log = await auditLog();
	const purge = log.find((i) => i.action === 'needs.purge' && i.object_id === reg);
	assert(purge, 'needs.purge in the audit log');
	assertEqual(purge.object_type, 'registration');
	assertEqual(purge.before.dietary_given, true);
	assertEqual(purge.before.access_given, false);
	assertEqual(purge.after, null, 'nothing after a deletion');
	assert(!JSON.stringify(purge).includes('No nuts'), 'the needs themselves are never in the log');
	assert(!purge.actor, 'the system deleted them, not a person');
	const notice = log.find((i) => i.action === 'notice.queue' && i.object_id === reg);
	assert(notice, 'notice.queue in the audit log');
	assertEqual(notice.after.kind, 'confirmation');
	// A second run deletes and audits nothing more.
	const again = spawnSync(bin, ['jobs', 'run', '--db', server.url, '--now', String(soon + 400 * 86400)], { encoding: 'utf8' });
	assertEqual(again.status, 0, again.stderr);
	assert(/needs deleted: 0/.test(again.stdout), again.stdout);
	const purges = (await auditLog()).filter((i) => i.action === 'needs.purge' && i.object_id === reg);
	assertEqual(purges.length, 1, 'one entry per deletion');
});

await run();

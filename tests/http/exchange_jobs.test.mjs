// Exchange emails at the moment of the change: `collective serve` runs the
// module's jobs itself (woken by each sign-up or exchange change, and every
// minute), so the confirmation and the change notice are in the outbox within
// a couple of seconds without `collective jobs run`; several server processes
// on one database queue each notice once; SIGTERM stops the jobs thread
// cleanly; `--no-jobs` (or COLLECTIVE_JOBS=off) leaves the jobs to cron.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { test, run, startServer, assert, assertEqual, onCleanup, bin, demoPassword } from '../lib/harness.mjs';
import { Client, apiToken, readOutbox } from '../lib/client.mjs';

const server = await startServer();
const outbox = join(server.dir, 'outbox-read');
const admin = new Client(server.base);
admin.bearer = apiToken(server.url, 'admin@demo.collective.test');

const json = async (res) => { const t = await res.text(); try { return JSON.parse(t); } catch { return t; } };
const soon = Math.floor(Date.now() / 1000) + 30 * 86400;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
	return new Promise((res, rej) => {
		const s = net.createServer();
		s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
		s.on('error', rej);
	});
}

// Another `collective serve` on a database; returns { base, proc }.
async function serve(url, args = [], env = {}) {
	const port = await freePort();
	const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--db', url, ...args], {
		stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env },
	});
	onCleanup(() => new Promise((res) => { if (proc.exitCode !== null) return res(); proc.on('exit', res); proc.kill('SIGTERM'); }));
	const base = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 200; i++) {
		try { if ((await fetch(base + '/healthz')).ok) return { base, proc }; } catch { /* not yet */ }
		await sleep(50);
	}
	throw new Error('the server did not start');
}

// The emails in the outbox matching pred, waiting up to ms for at least n.
async function waitForMail(url, dir, pred, n = 1, ms = 3000) {
	const t0 = Date.now();
	let found = [];
	while (Date.now() - t0 < ms) {
		found = readOutbox(url, dir).filter(pred);
		if (found.length >= n) return { found, after: Date.now() - t0 };
		await sleep(100);
	}
	return { found, after: Date.now() - t0 };
}

async function newExchange(slug, topic, capacity = 10) {
	const p = await json(await admin.request('POST', '/api/v1/programmes', {
		json: { slug, name: `Jobs ${slug}`, signup_opens_at: 0, signup_deadline: soon, themes: ['One'] },
	}));
	const res = await admin.request('POST', '/api/v1/exchanges', {
		json: { programme: p.id, topic, mode: 'online', online_url: 'https://meet.example.org/jobs', starts_at: soon + 86400, ends_at: soon + 90000, capacity },
	});
	const x = await json(res);
	assertEqual(res.status, 201, JSON.stringify(x));
	return x.id;
}

// The text of an email's calendar attachment (base64 after its headers).
function calendarOf(mail) {
	const m = mail.match(/Content-Type: text\/calendar[^]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/);
	assert(m, 'a calendar attachment');
	return Buffer.from(m[1].replace(/\s+/g, ''), 'base64').toString('utf8');
}

const toMember = (topic) => (m) => m.includes('member@demo.collective.test') && m.includes(`Your place is confirmed: ${topic}`);

test('a sign-up\'s confirmation is in the outbox within two seconds, without `jobs run`', async () => {
	// Let the run at start-up (the demo's own notices) finish first.
	await sleep(500);
	const x = await newExchange('jobs-now', 'Prompt mail');
	const member = new Client(server.base);
	member.bearer = apiToken(server.url, 'member@demo.collective.test');
	const r = await json(await member.request('POST', `/api/v1/exchanges/${x}/registrations`, { json: {} }));
	assertEqual(r.state, 'confirmed');
	const { found, after } = await waitForMail(server.url, outbox, toMember('Prompt mail'), 1, 2000);
	assertEqual(found.length, 1, `the confirmation within two seconds (waited ${after} ms)`);
	assert(/text\/calendar/.test(found[0]), 'with its calendar file');
	assert(found[0].includes('meet.example.org/jobs'), 'and the online link for a confirmed place');
	// Its queueing is audited as the system's.
	const log = await json(await admin.get('/api/v1/audit?per_page=100'));
	assert(log.items.some((i) => i.action === 'notice.queue' && i.object_id === r.id), 'notice.queue audited');
});

test('an exchange change sends the change notice at once', async () => {
	const x = await newExchange('jobs-change', 'Moving mail');
	const member = new Client(server.base);
	member.bearer = apiToken(server.url, 'member@demo.collective.test');
	await json(await member.request('POST', `/api/v1/exchanges/${x}/registrations`, { json: {} }));
	let got = await waitForMail(server.url, outbox, toMember('Moving mail'), 1, 2000);
	assertEqual(got.found.length, 1, 'confirmed first');
	const res = await admin.request('PATCH', `/api/v1/exchanges/${x}`, { json: { starts_at: soon + 2 * 86400, ends_at: soon + 2 * 86400 + 3600 } });
	assertEqual(res.status, 200, await res.text());
	got = await waitForMail(server.url, outbox, (m) => m.includes('member@demo.collective.test') && m.includes('Changed: Moving mail'), 1, 2000);
	assertEqual(got.found.length, 1, `the change notice within two seconds (waited ${got.after} ms)`);
	assert(/SEQUENCE:1\r?\n/.test(calendarOf(got.found[0])), 'its calendar file has the raised SEQUENCE');
});

test('two server processes on one database queue each confirmation once; SIGTERM stops cleanly', async () => {
	const second = await serve(server.url);
	const x = await newExchange('jobs-two', 'Twice served');
	const emails = ['member@demo.collective.test', 'lead@demo.collective.test', 'member.other@demo.collective.test', 'lead.other@demo.collective.test', 'planner@demo.collective.test'];
	await Promise.all(emails.map(async (email, i) => {
		const c = new Client(i % 2 ? second.base : server.base);
		c.bearer = apiToken(server.url, email);
		const r = await json(await c.request('POST', `/api/v1/exchanges/${x}/registrations`, { json: {} }));
		assertEqual(r.state, 'confirmed', JSON.stringify(r));
	}));
	const mine = (m) => m.includes('Your place is confirmed: Twice served');
	const { found } = await waitForMail(server.url, outbox, mine, emails.length, 3000);
	assertEqual(found.length, emails.length, 'one confirmation each');
	// Both servers ran their jobs again since: still one each.
	await sleep(700);
	for (const email of emails)
		assertEqual(readOutbox(server.url, outbox).filter((m) => mine(m) && m.includes(email)).length, 1, `one email to ${email}`);
	const t0 = Date.now();
	const exited = new Promise((res) => second.proc.on('exit', (code, signal) => res({ code, signal })));
	second.proc.kill('SIGTERM');
	const { code } = await exited;
	assertEqual(code, 0, 'the server stops cleanly on SIGTERM');
	assert(Date.now() - t0 < 5000, 'promptly');
});

test('with --no-jobs (or COLLECTIVE_JOBS=off) the server leaves the emails to `jobs run`', async () => {
	// A database of its own, so that no other server's jobs touch it.
	const dir = mkdtempSync(join(tmpdir(), 'collective-nojobs-'));
	const url = `sqlite:${join(dir, 'n.db')}`;
	const demo = spawnSync(bin, ['demo', '--db', url, '--password-stdin'], { input: demoPassword + '\n', encoding: 'utf8' });
	assertEqual(demo.status, 0, demo.stderr);
	mkdirSync(join(dir, 'out'));
	const help = spawnSync(bin, ['serve', '--help'], { encoding: 'utf8' });
	assert(help.stdout.includes('--no-jobs'), 'the option is documented');
	for (const [args, env] of [[['--no-jobs'], {}], [[], { COLLECTIVE_JOBS: 'off' }]]) {
		const s = await serve(url, args, env);
		const tok = apiToken(url, env.COLLECTIVE_JOBS ? 'lead@demo.collective.test' : 'member@demo.collective.test');
		const adm = new Client(s.base);
		adm.bearer = apiToken(url, 'admin@demo.collective.test');
		const p = await json(await adm.request('POST', '/api/v1/programmes', { json: { slug: `off-${args.length}`, name: 'Off', signup_opens_at: 0, signup_deadline: soon } }));
		const x = await json(await adm.request('POST', '/api/v1/exchanges', { json: { programme: p.id, topic: 'Quiet', mode: 'online', starts_at: soon + 86400, ends_at: soon + 90000, capacity: 5 } }));
		const res = await fetch(`${s.base}/api/v1/exchanges/${x.id}/registrations`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: '{}' });
		assertEqual(res.status, 201, await res.text());
		await sleep(1000);
		const mails = readOutbox(url, join(dir, 'out'));
		assertEqual(mails.filter((m) => m.includes('Your place is confirmed')).length, 0, `nothing queued (${args.join(' ')}${JSON.stringify(env)})`);
		s.proc.kill('SIGTERM');
	}
	const jobs = spawnSync(bin, ['jobs', 'run', '--db', url], { encoding: 'utf8' });
	assertEqual(jobs.status, 0, jobs.stderr);
	assert(readOutbox(url, join(dir, 'out')).filter((m) => m.includes('Your place is confirmed')).length >= 2, '`jobs run` queues them');
});

await run();

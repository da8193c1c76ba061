// Accounts and organisations over HTTP against a real server (SQLite or
// PostgreSQL): sign-in with CSRF and throttling, sessions, the one access
// decision, invitations and password resets through the outbox, API tokens,
// problem details, pagination, the audit log and Welsh pages.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, startServer, assert, assertEqual, bin, demoPassword } from '../lib/harness.mjs';

const srv = await startServer();
const base = srv.base;

// A browser-like client: a cookie jar, no automatic redirects.
class Client {
	constructor() { this.jar = new Map(); }
	cookieHeader() { return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '); }
	async req(path, { method = 'GET', form, json, headers = {} } = {}) {
		const h = { ...headers };
		if (this.jar.size) h.cookie = this.cookieHeader();
		let body;
		if (form) { body = new URLSearchParams(form).toString(); h['content-type'] = 'application/x-www-form-urlencoded'; }
		if (json !== undefined) { body = JSON.stringify(json); h['content-type'] = 'application/json'; }
		const r = await fetch(base + path, { method, headers: h, body, redirect: 'manual' });
		for (const c of r.headers.getSetCookie()) {
			const [pair, ...attrs] = c.split(';');
			const i = pair.indexOf('=');
			const name = pair.slice(0, i).trim(), value = pair.slice(i + 1).trim();
			if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === '') this.jar.delete(name);
			else this.jar.set(name, value);
		}
		r.text_ = await r.text();
		return r;
	}
	csrfFrom(html) {
		const m = /name="csrf" value="([^"]+)"/.exec(html);
		assert(m, 'a form with a CSRF token');
		return m[1];
	}
	async login(email, password = demoPassword) {
		const page = await this.req('/login');
		const r = await this.req('/login', { method: 'POST', form: { csrf: this.csrfFrom(page.text_), email, password, next: '/account' } });
		return r;
	}
}

function outboxSend() {
	const dir = join(srv.dir, 'outbox');
	const out = spawnSync(bin, ['outbox', '--send', '--db', srv.url], {
		encoding: 'utf8', env: { ...process.env, COLLECTIVE_OUTBOX_DIR: dir },
	});
	assertEqual(out.status, 0, 'outbox --send: ' + out.stderr);
	return dir;
}

function lastMailTo(to) {
	const dir = outboxSend();
	const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml'))
		.sort((a, b) => parseInt(a) - parseInt(b)) : [];
	for (const f of files.reverse()) {
		const text = readFileSync(join(dir, f), 'utf8');
		if (text.includes(`To: <${to}>`)) return text;
	}
	throw new Error('no email to ' + to);
}

test('health, metrics with database gauges', async () => {
	const h = await fetch(base + '/healthz');
	assertEqual(h.status, 200);
	assertEqual((await h.json()).status, 'ok');
	const m = await (await fetch(base + '/metrics')).text();
	assert(/collective_db_connections_open \d+/.test(m), 'db gauge in /metrics');
});

test('the directory lists the organisations of NHS Wales and filters them', async () => {
	const c = new Client();
	const r = await c.req('/orgs');
	assertEqual(r.status, 200);
	for (const name of ['Aneurin Bevan University Health Board', 'Powys Teaching Health Board',
		'Velindre University NHS Trust', 'Isle of Anglesey County Council', 'Hafal', 'Bangor University'])
		assert(r.text_.includes(name), name + ' listed');
	const f = await c.req('/orgs?type=local_authority');
	assert(f.text_.includes('Wrexham County Borough Council'), 'a council when filtering councils');
	assert(!f.text_.includes('Hywel Dda University Health Board'), 'no health board when filtering councils');
	assert(f.text_.includes('22 organisations'), '22 local authorities');
});

test('API list is paginated with a Link header and next', async () => {
	const r = await fetch(base + '/api/v1/organisations?per_page=10&type=local_authority');
	assertEqual(r.status, 200);
	const j = await r.json();
	assertEqual(j.items.length, 10);
	assertEqual(j.pagination.total, 22);
	assertEqual(j.pagination.pages, 3);
	assert(j.pagination.next.includes('page=2'), 'next is page 2');
	assert(r.headers.get('link').includes('rel="next"'), 'Link header');
	const last = await (await fetch(base + j.pagination.next.replace('page=2', 'page=3'))).json();
	assertEqual(last.items.length, 2);
	assertEqual(last.pagination.next, null);
	const bad = await fetch(base + '/api/v1/organisations?per_page=500');
	assertEqual(bad.status, 400);
	assertEqual(bad.headers.get('content-type'), 'application/problem+json');
	assertEqual((await bad.json()).errors[0].field, 'per_page');
});

test('sign-in: wrong password is refused, right one gives a new HttpOnly session', async () => {
	const c = new Client();
	const wrong = await c.login('lead@demo.collective.test', 'not the password at all');
	assertEqual(wrong.status, 400);
	assert(wrong.text_.includes('error-summary'), 'error summary shown');
	const page = await c.req('/login');
	const ok = await c.req('/login', { method: 'POST', form: { csrf: c.csrfFrom(page.text_), email: 'LEAD@demo.collective.test', password: demoPassword, next: '/orgs/CAVUHB' } });
	assertEqual(ok.status, 303);
	assertEqual(ok.headers.get('location'), '/orgs/CAVUHB');
	const cookie = ok.headers.getSetCookie().find((s) => s.startsWith('collective_session='));
	assert(cookie && /HttpOnly/.test(cookie) && /SameSite=Lax/.test(cookie), 'session cookie flags: ' + cookie);
	const me = await c.req('/account');
	assertEqual(me.status, 200);
	assert(me.text_.includes('Demo organisation lead'), 'signed in as the lead');
});

test('a form without its CSRF token is refused', async () => {
	const c = new Client();
	await c.req('/login');
	const r = await c.req('/login', { method: 'POST', form: { email: 'lead@demo.collective.test', password: demoPassword } });
	assertEqual(r.status, 403);
	const s = new Client();
	assertEqual((await s.login('lead@demo.collective.test')).status, 303);
	const inv = await s.req('/orgs/CAVUHB/invite', { method: 'POST', form: { csrf: 'x'.repeat(43), email: 'a@b.org', role: 'member' } });
	assertEqual(inv.status, 403);
});

test('access: own organisation, another organisation, anonymous', async () => {
	const anon = new Client();
	const a = await anon.req('/orgs/CAVUHB/members');
	assertEqual(a.status, 303);
	assertEqual(a.headers.get('location'), '/login?next=/orgs/CAVUHB/members');
	const api = await anon.req('/api/v1/organisations/CAVUHB/members');
	assertEqual(api.status, 401);
	assertEqual(api.headers.get('content-type'), 'application/problem+json');
	const lead = new Client();
	await lead.login('lead@demo.collective.test');
	assertEqual((await lead.req('/orgs/CAVUHB/members')).status, 200);
	assertEqual((await lead.req('/orgs/SBUHB/members')).status, 403);
	assertEqual((await lead.req('/orgs/NOSUCH/members')).status, 404);
	assertEqual((await lead.req('/audit')).status, 403);
	const member = new Client();
	await member.login('member@demo.collective.test');
	assertEqual((await member.req('/orgs/CAVUHB/members')).status, 403);
	const own = await member.req('/orgs/CAVUHB');
	assert(own.text_.includes('lead@demo.collective.test'), 'a member sees the members');
	const other = await member.req('/orgs/SBUHB');
	assert(!other.text_.includes('lead.other@demo.collective.test'), 'but not those of another organisation');
	const admin = new Client();
	await admin.login('admin@demo.collective.test');
	assertEqual((await admin.req('/orgs/SBUHB/members')).status, 200);
	assertEqual((await admin.req('/audit')).status, 200);
});

test('invitation: lead invites, the email waits in the outbox, the link makes an account once', async () => {
	const lead = new Client();
	await lead.login('lead@demo.collective.test');
	const form = await lead.req('/orgs/CAVUHB/invite');
	const sent = await lead.req('/orgs/CAVUHB/invite', { method: 'POST', form: { csrf: lead.csrfFrom(form.text_), email: 'New.Nurse@example.org', role: 'member' } });
	assertEqual(sent.status, 303);
	const mail = lastMailTo('new.nurse@example.org');
	const m = /(\/invitations\/accept\?token=[A-Za-z0-9_-]+)/.exec(mail);
	assert(m, 'the email holds the link');
	const guest = new Client();
	const page = await guest.req(m[1]);
	assertEqual(page.status, 200);
	assert(page.text_.includes('Cardiff and Vale University Health Board'), 'names the organisation');
	const token = m[1].split('token=')[1];
	const mismatch = await guest.req('/invitations/accept', { method: 'POST', form: { csrf: guest.csrfFrom(page.text_), token, name: 'A nurse', password: 'correct horse battery', confirm: 'different words here' } });
	assertEqual(mismatch.status, 400);
	const ok = await guest.req('/invitations/accept', { method: 'POST', form: { csrf: guest.csrfFrom(page.text_), token, name: 'A nurse', password: 'correct horse battery', confirm: 'correct horse battery' } });
	assertEqual(ok.status, 303);
	assertEqual(ok.headers.get('location'), '/orgs/CAVUHB');
	assert(guest.jar.has('collective_session'), 'signed in after accepting');
	const again = await new Client().req(m[1]);
	assertEqual(again.status, 404);
	const fresh = new Client();
	assertEqual((await fresh.login('new.nurse@example.org', 'correct horse battery')).status, 303);
	const members = await lead.req('/api/v1/organisations/CAVUHB/members');
	assertEqual(members.status, 200);
	assert((await JSON.parse(members.text_)).items.some((u) => u.email === 'new.nurse@example.org'), 'now a member');
});

test('password reset through the outbox ends every other session', async () => {
	const old = new Client();
	await old.login('member.other@demo.collective.test');
	assertEqual((await old.req('/account')).status, 200);
	const c = new Client();
	const page = await c.req('/password/forgot');
	const r = await c.req('/password/forgot', { method: 'POST', form: { csrf: c.csrfFrom(page.text_), email: 'member.other@demo.collective.test' } });
	assertEqual(r.status, 303);
	// an unknown address gets the same answer
	const page2 = await c.req('/password/forgot');
	const r2 = await c.req('/password/forgot', { method: 'POST', form: { csrf: c.csrfFrom(page2.text_), email: 'nobody@example.org' } });
	assertEqual(r2.status, 303);
	const mail = lastMailTo('member.other@demo.collective.test');
	const link = /(\/password\/reset\?token=[A-Za-z0-9_-]+)/.exec(mail)[1];
	const form = await c.req(link);
	assertEqual(form.status, 200);
	const token = link.split('token=')[1];
	const done = await c.req('/password/reset', { method: 'POST', form: { csrf: c.csrfFrom(form.text_), token, password: 'a brand new passphrase', confirm: 'a brand new passphrase' } });
	assertEqual(done.status, 303);
	assertEqual((await old.req('/account')).status, 303, 'the old session is over');
	assertEqual((await new Client().login('member.other@demo.collective.test')).status, 400, 'old password refused');
	assertEqual((await new Client().login('member.other@demo.collective.test', 'a brand new passphrase')).status, 303);
	assertEqual((await c.req(link)).status, 404, 'the link works once');
});

test('API tokens: made with the session (CSRF header), used as Bearer, revoked', async () => {
	const c = new Client();
	await c.login('member@demo.collective.test');
	const page = await c.req('/account');
	const csrf = c.csrfFrom(page.text_);
	const noHeader = await c.req('/api/v1/tokens', { method: 'POST', json: { name: 'script' } });
	assertEqual(noHeader.status, 403);
	const made = await c.req('/api/v1/tokens', { method: 'POST', json: { name: 'script' }, headers: { 'x-csrf-token': csrf } });
	assertEqual(made.status, 201);
	const { id, token } = JSON.parse(made.text_);
	assert(token.startsWith('co_'), 'token prefix');
	const me = await fetch(base + '/api/v1/users/me', { headers: { authorization: 'Bearer ' + token } });
	assertEqual(me.status, 200);
	assertEqual((await me.json()).email, 'member@demo.collective.test');
	// bearer calls need no CSRF token
	const upd = await fetch(base + '/api/v1/users/me', { method: 'PATCH', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: JSON.stringify({ language: 'cy' }) });
	assertEqual(upd.status, 200);
	assertEqual((await upd.json()).language, 'cy');
	const del = await fetch(base + '/api/v1/tokens/' + id, { method: 'DELETE', headers: { authorization: 'Bearer ' + token } });
	assertEqual(del.status, 204);
	const after = await fetch(base + '/api/v1/users/me', { headers: { authorization: 'Bearer ' + token } });
	assertEqual(after.status, 401);
	const bad = await fetch(base + '/api/v1/users/me', { headers: { authorization: 'Bearer co_nonsense' } });
	assertEqual(bad.status, 401);
});

test('problem details name the fields; a failed write changes nothing', async () => {
	const out = spawnSync(bin, ['token', 'create', '--email', 'lead@demo.collective.test', '--db', srv.url], { encoding: 'utf8' });
	assertEqual(out.status, 0, out.stderr);
	const token = out.stdout.trim();
	const auth = { authorization: 'Bearer ' + token, 'content-type': 'application/json' };
	const r = await fetch(base + '/api/v1/organisations/CAVUHB/invitations', { method: 'POST', headers: auth, body: JSON.stringify({ email: 'not an email', role: 'member' }) });
	assertEqual(r.status, 400);
	const p = await r.json();
	assertEqual(p.status, 400);
	assertEqual(p.errors[0].field, 'email');
	const malformed = await fetch(base + '/api/v1/organisations/CAVUHB/invitations', { method: 'POST', headers: auth, body: '{"email":' });
	assertEqual(malformed.status, 400);
	const unknown = await fetch(base + '/api/v1/organisations/CAVUHB/invitations', { method: 'POST', headers: auth, body: JSON.stringify({ email: 'x@y.org', rank: 'boss' }) });
	assertEqual((await unknown.json()).errors[0].field, 'rank');
	// the last lead cannot be demoted, and nothing changes
	const members = await (await fetch(base + '/api/v1/organisations/CAVUHB/members', { headers: auth })).json();
	const me = members.items.find((u) => u.email === 'lead@demo.collective.test');
	const demote = await fetch(base + `/api/v1/organisations/CAVUHB/members/${me.id}`, { method: 'PUT', headers: auth, body: JSON.stringify({ role: 'member' }) });
	assertEqual(demote.status, 409);
	const still = await (await fetch(base + '/api/v1/organisations/CAVUHB/members', { headers: auth })).json();
	assertEqual(still.items.find((u) => u.email === 'lead@demo.collective.test').roles[0], 'org_lead');
	// a lead cannot touch another organisation through the API either
	const other = await fetch(base + '/api/v1/organisations/SBUHB/invitations', { method: 'POST', headers: auth, body: JSON.stringify({ email: 'x@y.org' }) });
	assertEqual(other.status, 403);
});

test('the audit log records who changed what, before and after', async () => {
	const out = spawnSync(bin, ['token', 'create', '--email', 'admin@demo.collective.test', '--db', srv.url], { encoding: 'utf8' });
	const auth = { authorization: 'Bearer ' + out.stdout.trim(), 'content-type': 'application/json' };
	const upd = await fetch(base + '/api/v1/organisations/HAFAL', { method: 'PATCH', headers: auth, body: JSON.stringify({ region: 'west' }) });
	assertEqual(upd.status, 200);
	assertEqual((await upd.json()).region, 'west');
	const log = await (await fetch(base + '/api/v1/audit?per_page=5', { headers: auth })).json();
	const e = log.items.find((x) => x.action === 'org.update');
	assert(e, 'org.update in the audit log');
	assertEqual(e.actor, 'Demo programme admin');
	assertEqual(e.before.region, 'national');
	assertEqual(e.after.region, 'west');
	const created = await fetch(base + '/api/v1/organisations', { method: 'POST', headers: auth, body: JSON.stringify({ code: 'NEW-ORG', name: 'A new body', type: 'independent', region: 'gwent' }) });
	assertEqual(created.status, 201);
	const dup = await fetch(base + '/api/v1/organisations', { method: 'POST', headers: auth, body: JSON.stringify({ code: 'NEW-ORG', name: 'Again', type: 'independent', region: 'gwent' }) });
	assertEqual(dup.status, 409);
	assertEqual((await dup.json()).errors[0].field, 'code');
});

test('failed sign-ins are throttled per account', async () => {
	const c = new Client();
	let last;
	for (let i = 0; i < 6; i++) last = await c.login('coach@demo.collective.test', 'wrong password ' + i);
	assertEqual(last.status, 429);
	const right = await c.login('coach@demo.collective.test');
	assertEqual(right.status, 429, 'even the right password waits');
});

test('Welsh: ?lang=cy is remembered and the pages are in Welsh', async () => {
	const c = new Client();
	const r = await c.req('/orgs?lang=cy');
	assert(r.text_.includes('<html lang="cy">'), 'lang attribute');
	assert(r.text_.includes('Sefydliadau'), 'heading in Welsh');
	assertEqual(c.jar.get('lang'), 'cy');
	const l = await c.req('/login');
	assert(l.text_.includes('Cyfeiriad e-bost'), 'the login form in Welsh');
});

test('OpenAPI document lists the API', async () => {
	const doc = await (await fetch(base + '/api/v1/openapi.json')).json();
	assertEqual(doc.openapi, '3.1.0');
	assert(doc.paths['/api/v1/organisations'].get, 'list organisations');
	assert(doc.paths['/api/v1/organisations/{code}/invitations'].post, 'invite');
});

await run();

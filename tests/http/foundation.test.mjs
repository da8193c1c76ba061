// The foundation over HTTP against a real server: limits and bad input,
// security headers, static files, gzip, health and metrics, the API's
// problem details and pagination, tokens, sessions, invitations, password
// reset, throttling, the audit log, and that a failed write changes nothing.

import { gunzipSync } from 'node:zlib';
import net from 'node:net';
import { join } from 'node:path';
import { test, run, startServer, assert, assertEqual, demoPassword } from '../lib/harness.mjs';
import { Client, apiToken, readOutbox, linkIn, listRoutes } from '../lib/client.mjs';

const server = await startServer();
const base = server.base;
const outbox = join(server.dir, 'mail');

async function admin() {
	const c = new Client(base);
	c.bearer = apiToken(server.url, 'admin@demo.collective.test');
	return c;
}

test('unknown route is 404 with a page; unknown API route is problem JSON', async () => {
	const c = new Client(base);
	let res = await c.get('/no/such/page');
	assertEqual(res.status, 404, 'page status');
	assert((res.headers.get('content-type') || '').startsWith('text/html'), 'HTML 404');
	assert((await res.text()).includes('<main'), '404 page uses the layout');
	res = await c.get('/api/v1/no-such-thing');
	assertEqual(res.status, 404, 'API status');
	assertEqual(res.headers.get('content-type'), 'application/problem+json', 'problem type');
	const p = await res.json();
	assertEqual(p.status, 404, 'problem status');
	assert(p.title, 'problem has a title');
});

// A raw request: the headers announce a body over the limit, and the server
// must answer 413 from the headers alone, before any of the body is sent.
function rawRequest(text) {
	return new Promise((resolve, reject) => {
		const url = new URL(base);
		const chunks = [];
		const s = net.connect(Number(url.port), url.hostname, () => s.write(text));
		s.on('data', (d) => chunks.push(d));
		s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
		s.on('error', reject);
		setTimeout(() => { s.destroy(); resolve(Buffer.concat(chunks).toString('latin1')); }, 5000);
	});
}

test('an oversized body gets 413', async () => {
	const c = await admin();
	const answer = await rawRequest('POST /api/v1/organisations HTTP/1.1\r\nHost: x\r\n' +
		`Authorization: Bearer ${c.bearer}\r\nContent-Type: application/json\r\n` +
		`Content-Length: ${9 * 1024 * 1024}\r\nConnection: close\r\n\r\n{`);
	assert(/^HTTP\/1\.1 413 /.test(answer), `413 expected, got: ${answer.slice(0, 60)}`);
	const form = await rawRequest('POST /login HTTP/1.1\r\nHost: x\r\n' +
		'Content-Type: application/x-www-form-urlencoded\r\n' +
		`Content-Length: ${64 * 1024 * 1024}\r\nConnection: close\r\n\r\nemail=`);
	assert(/^HTTP\/1\.1 413 /.test(form), `413 for a form too, got: ${form.slice(0, 60)}`);
});

test('malformed JSON gets 400; missing and wrong fields are named', async () => {
	const c = await admin();
	let res = await fetch(base + '/api/v1/organisations', {
		method: 'POST', body: '{"name": ',
		headers: { authorization: `Bearer ${c.bearer}`, 'content-type': 'application/json' },
	});
	assertEqual(res.status, 400, 'malformed JSON status');
	assertEqual(res.headers.get('content-type'), 'application/problem+json', 'problem type');
	res = await c.request('POST', '/api/v1/organisations', { json: { name: '', type: 'castle', colour: 'red' } });
	assertEqual(res.status, 400, 'invalid fields status');
	const p = await res.json();
	const fields = (p.errors || []).map((e) => e.field).sort();
	for (const f of ['code', 'colour', 'name', 'type'])
		assert(fields.includes(f), `field ${f} named in ${JSON.stringify(p.errors)}`);
});

test('a malformed form gets 400 with the fields named, and the form is shown again', async () => {
	const c = new Client(base);
	await c.login('lead@demo.collective.test');
	const res = await c.request('POST', '/orgs/CAVUHB/invite', { form: { email: 'not-an-email', role: 'emperor' } });
	assertEqual(res.status, 400, 'status');
	const html = await res.text();
	assert(html.includes('error-summary'), 'an error summary');
	assert(/href="#email"/.test(html) && /href="#role"/.test(html), 'the summary links to each wrong field');
});

test('a failed write leaves nothing changed (duplicate code)', async () => {
	const c = await admin();
	const before = await (await c.get('/api/v1/organisations?per_page=1')).json();
	const res = await c.request('POST', '/api/v1/organisations',
		{ json: { code: 'CAVUHB', name: 'A second board with the same code', type: 'health_board', region: 'national' } });
	assertEqual(res.status, 409, 'conflict');
	const after = await (await c.get('/api/v1/organisations?per_page=1')).json();
	assertEqual(after.pagination.total, before.pagination.total, 'organisation count');
	const audit = await (await c.get('/api/v1/audit?per_page=100')).json();
	assert(!JSON.stringify(audit).includes('A second board'), 'no audit entry for the failed write');
});

test('security headers on pages and API', async () => {
	for (const path of ['/', '/orgs', '/api/v1/organisations', '/login']) {
		const res = await fetch(base + path);
		const csp = res.headers.get('content-security-policy') || '';
		assert(csp.includes("frame-ancestors 'none'"), `${path}: frame-ancestors in ${csp}`);
		assert(/script-src 'self'/.test(csp) || /default-src 'self'/.test(csp), `${path}: script source limited`);
		assert(!csp.includes('unsafe-inline'), `${path}: no inline script or style allowed`);
		assertEqual(res.headers.get('x-content-type-options'), 'nosniff', `${path}: nosniff`);
		assert(res.headers.get('referrer-policy'), `${path}: referrer policy`);
	}
});

test('pages carry no inline script', async () => {
	for (const path of ['/', '/orgs', '/login', '/orgs/CAVUHB']) {
		const html = await (await fetch(base + path)).text();
		assert(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), `${path} has an inline <script>`);
		assert(!/\son[a-z]+=/i.test(html), `${path} has an inline event handler`);
	}
});

test('static files have an ETag, long caching, and answer 304', async () => {
	const home = await (await fetch(base + '/')).text();
	const m = home.match(/href="(\/static\/app\.css[^"]*)"/);
	assert(m, 'the layout links the stylesheet');
	const res = await fetch(base + m[1].replace(/&amp;/g, '&'));
	assertEqual(res.status, 200, 'stylesheet');
	const etag = res.headers.get('etag');
	assert(etag, 'ETag');
	assert(/max-age=\d{6,}/.test(res.headers.get('cache-control') || ''), 'long caching');
	const again = await fetch(base + m[1], { headers: { 'if-none-match': etag } });
	assertEqual(again.status, 304, 'not modified');
});

test('text is gzipped when the client accepts it', async () => {
	const res = await fetch(base + '/orgs', { headers: { 'accept-encoding': 'gzip' }, decompress: false });
	// fetch decompresses transparently; check the header, then the bytes with a raw request.
	assertEqual(res.headers.get('content-encoding'), 'gzip', 'content-encoding');
	const url = new URL(base);
	const raw = await new Promise((resolve, reject) => {
		const chunks = [];
		const s = net.connect(Number(url.port), url.hostname, () =>
			s.write('GET /orgs HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n'));
		s.on('data', (d) => chunks.push(d));
		s.on('end', () => resolve(Buffer.concat(chunks)));
		s.on('error', reject);
	});
	const split = raw.indexOf('\r\n\r\n');
	const head = raw.subarray(0, split).toString();
	let body = raw.subarray(split + 4);
	if (/transfer-encoding: chunked/i.test(head)) {
		const parts = [];
		let i = 0;
		for (;;) {
			const eol = body.indexOf('\r\n', i);
			const n = parseInt(body.subarray(i, eol).toString(), 16);
			if (!n) break;
			parts.push(body.subarray(eol + 2, eol + 2 + n));
			i = eol + 2 + n + 2;
		}
		body = Buffer.concat(parts);
	}
	assert(gunzipSync(body).toString().includes('Organisations'), 'the body inflates to the page');
});

test('/healthz checks the database; /metrics speaks Prometheus', async () => {
	const h = await fetch(base + '/healthz');
	assertEqual(h.status, 200, 'healthz');
	await fetch(base + '/orgs');
	const m = await (await fetch(base + '/metrics')).text();
	assert(/^# TYPE \S+ counter$/m.test(m), 'a counter');
	assert(/route="orgs"[^}]*status="200"|status="200"[^}]*route="orgs"/.test(m), 'requests by route and status');
	assert(/_bucket\{[^}]*le="\+Inf"\}/.test(m), 'a latency histogram');
	assert(/db[a-z_]*connections/i.test(m), 'database connections');
});

test('the OpenAPI document covers every API route and nothing else', async () => {
	const doc = await (await fetch(base + '/api/v1/openapi.json')).json();
	assert(/^3\.1/.test(doc.openapi), 'OpenAPI 3.1');
	const documented = new Set();
	for (const [p, ops] of Object.entries(doc.paths))
		for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${p}`);
	const served = new Set(listRoutes().filter((r) => r.pattern.startsWith('/api/v1'))
		.map((r) => `${r.method} ${r.pattern.replace(/^\/api\/v1/, '')}`));
	const norm = (s) => s.replace(/^(\S+) \/api\/v1/, '$1 ');
	const docNorm = new Set([...documented].map(norm));
	for (const s of served) assert(docNorm.has(s) || documented.has(s), `${s} is not documented`);
	assertEqual(docNorm.size, served.size, 'documented operations');
});

test('pagination: pages, per_page limits, Link header', async () => {
	const c = new Client(base);
	const res = await c.get('/api/v1/organisations?per_page=10&page=2');
	assertEqual(res.status, 200, 'status');
	const body = await res.json();
	assertEqual(body.items.length, 10, 'ten on a page');
	assertEqual(body.pagination.page, 2, 'page');
	assert(body.pagination.total >= 40, `about fifty organisations, got ${body.pagination.total}`);
	assert(/rel="next"/.test(res.headers.get('link') || ''), 'Link rel=next');
	const first = await (await c.get('/api/v1/organisations?per_page=10&page=1')).json();
	assert(!first.items.some((o) => body.items.some((p) => p.code === o.code)), 'pages do not overlap');
	const bad = await c.get('/api/v1/organisations?per_page=100000');
	assert(bad.status === 400 || (await bad.json()).items.length <= 200, 'per_page is bounded');
});

test('API tokens: a token works, is stored hashed, and stops working when revoked', async () => {
	const c = new Client(base);
	await c.login('member@demo.collective.test');
	let res = await c.request('POST', '/api/v1/tokens', { json: { name: 'script' } });
	assertEqual(res.status, 201, 'created');
	const made = await res.json();
	assert(made.token && made.id, 'the token is shown once, with its id');
	const t = new Client(base);
	t.bearer = made.token;
	res = await t.get('/api/v1/users/me');
	assertEqual(res.status, 200, 'the token works');
	assertEqual((await res.json()).email, 'member@demo.collective.test', 'as its user');
	const list = await (await t.get('/api/v1/tokens')).json();
	assert(!JSON.stringify(list).includes(made.token), 'the list never shows a token again');
	res = await t.request('DELETE', `/api/v1/tokens/${made.id}`);
	assert(res.status === 204 || res.status === 200, `revoked (${res.status})`);
	res = await t.get('/api/v1/users/me');
	assertEqual(res.status, 401, 'a revoked token is refused');
});

test('session: new token at login, HttpOnly and SameSite=Lax, all revoked when the password changes', async () => {
	const a = new Client(base);
	await a.login('planner@demo.collective.test');
	const name = [...a.cookies.keys()].find((k) => /session/.test(k));
	assert(name, 'a session cookie');
	const before = a.cookies.get(name);
	// Signing in again from the same browser must not keep the old token.
	const res = await a.request('POST', '/login', { form: { email: 'planner@demo.collective.test', password: demoPassword } });
	assertEqual(res.status, 303, 'signed in');
	const cookie = res.headers.getSetCookie().find((s) => s.startsWith(name + '=') && !/max-age=0/i.test(s));
	assert(cookie, 'the session cookie is set at login');
	assert(/HttpOnly/i.test(cookie) && /SameSite=Lax/i.test(cookie), `cookie attributes: ${cookie}`);
	assert(a.cookies.get(name) !== before, 'a new token at login');
	const old = new Client(base);
	old.cookies.set(name, before);
	assertEqual((await old.get('/account')).status, 303, 'the old token no longer works');
	await a.csrfFrom('/account');
	const b = new Client(base);
	await b.login('planner@demo.collective.test');
	const newPassword = 'another-long-password-2';
	const ch = await a.request('POST', '/account/password',
		{ form: { current: demoPassword, current_password: demoPassword, password: newPassword, new_password: newPassword, confirm: newPassword, confirm_password: newPassword } });
	assert(ch.status === 303 || ch.status === 200, `password changed (${ch.status}) ${ch.status === 400 ? await ch.text() : ''}`);
	const gone = await b.get('/account');
	assertEqual(gone.status, 303, 'the other session was revoked');
	const c = new Client(base);
	await c.login('planner@demo.collective.test', newPassword);
});

test('failed logins are throttled per account', async () => {
	const c = new Client(base);
	await c.csrfFrom('/login');
	let last;
	for (let i = 0; i < 12; i++)
		last = await c.request('POST', '/login', { form: { email: 'lead.other@demo.collective.test', password: 'wrong-password-' + i } });
	assertEqual(last.status, 429, 'throttled after repeated failures');
	const ok = await c.request('POST', '/login', { form: { email: 'lead.other@demo.collective.test', password: demoPassword } });
	assert(ok.status === 429, 'even the right password waits while throttled');
});

test('invitation: the lead invites, the email waits in the outbox, the link works once', async () => {
	const lead = new Client(base);
	await lead.login('lead@demo.collective.test');
	const res = await lead.request('POST', '/api/v1/organisations/CAVUHB/invitations', { json: { email: 'new.person@example.test', role: 'member' } });
	assertEqual(res.status, 201, `invited ${res.status}`);
	const mails = readOutbox(server.url, outbox);
	const mail = mails.find((m) => m.includes('new.person@example.test'));
	assert(mail, 'an email to the invitee');
	const link = linkIn(mail, '/invitations/accept?token=');
	const token = link.searchParams.get('token');
	const anon = new Client(base);
	let acc = await anon.request('POST', '/api/v1/invitations/accept', { json: { token, name: 'New person', password: 'a-long-enough-password' } });
	assert(acc.status === 201 || acc.status === 200, `accepted (${acc.status})`);
	acc = await anon.request('POST', '/api/v1/invitations/accept', { json: { token, name: 'Again', password: 'a-long-enough-password' } });
	assert(acc.status >= 400 && acc.status < 500, 'a used invitation is refused');
	const n = new Client(base);
	await n.login('new.person@example.test', 'a-long-enough-password');
	const me = await (await n.get('/api/v1/memberships')).json();
	assert(JSON.stringify(me).includes('member'), 'the new person is a member');
});

test('password reset through the outbox', async () => {
	const c = new Client(base);
	await c.csrfFrom('/password/forgot');
	const res = await c.request('POST', '/password/forgot', { form: { email: 'member.other@demo.collective.test' } });
	assert(res.status === 303 || res.status === 200, `asked (${res.status})`);
	const mail = readOutbox(server.url, outbox).find((m) => m.includes('member.other@demo.collective.test') && m.includes('/password/reset'));
	assert(mail, 'a reset email');
	const link = linkIn(mail, '/password/reset?token=');
	const page = new Client(base);
	await page.csrfFrom(link.pathname + link.search);
	const done = await page.request('POST', '/password/reset', { form: { token: link.searchParams.get('token'), password: 'reset-password-123', confirm: 'reset-password-123', confirm_password: 'reset-password-123' } });
	assert(done.status === 303 || done.status === 200, `reset (${done.status})`);
	await new Client(base).login('member.other@demo.collective.test', 'reset-password-123');
});

test('the audit log records who changed what, before and after', async () => {
	const c = await admin();
	const res = await c.request('PATCH', '/api/v1/organisations/SBUHB', { json: { region: 'national' } });
	assertEqual(res.status, 200, 'updated');
	const audit = await (await c.get('/api/v1/audit?per_page=50')).json();
	const entry = audit.items.find((a) => JSON.stringify(a).includes('SBUHB') && JSON.stringify(a).includes('national'));
	assert(entry, 'an entry for the change');
	const s = JSON.stringify(entry);
	assert(s.includes('west_glamorgan') || s.includes('before'), 'the value before');
	assert(s.includes('admin@demo.collective.test') || entry.user_id || entry.actor, 'who made it');
});

await run();

// The authorization matrix: every route the server has (as `collective serve
// --list-routes` prints it) × every demo role × (own organisation, another
// organisation, anonymous), each answer checked against what the route
// declares it needs and what the role holds.
//
// The memberships are the demo data's, written out in tests/lib/routes.mjs
// rather than read from the server, so that the expectation does not come
// from the code under test. A route with a path parameter that file does not
// know fails: a new module adds its parameters there.

import { test, run, startServer, assert } from '../lib/harness.mjs';
import { Client, apiToken, listRoutes } from '../lib/client.mjs';
import { USERS, PARENT_ORG, PARENT_SCOPES, fillPath, scopeCode } from '../lib/routes.mjs';

// Routes that must only be reached by users with a role, whatever they declare.
const MUST_NOT_BE_PUBLIC = [/\/members/, /\/invitations?$/, /\/invite$/, /audit/, /tokens/, /users\/me/, /^\/account/];
// Unsafe routes that anyone may call (they authenticate or start a flow themselves).
const PUBLIC_UNSAFE = new Set(['login', 'logout', 'forgot', 'reset', 'accept', 'acceptInvitation']);
// Routes that end the caller's session: each gets a session of its own.
const ENDS_SESSION = new Set(['login', 'logout']);

function expected(route, user, code) {
	const n = route.need;
	if (n.kind === 'public') return 'allow';
	if (!user) return 'login';
	if (n.kind === 'logged_in') return 'allow';
	if (user.some((m) => m.role === 'programme_admin')) return 'allow';
	const parent = n.scope && PARENT_ORG[n.scope] ? PARENT_ORG[n.scope][code] : null;
	const ok = user.some((m) => n.roles.includes(m.role) && (!n.scope || (m.scope === n.scope && m.code === code) ||
		(parent && m.scope === 'org' && m.code === parent)));
	const above = n.scope && PARENT_SCOPES[n.scope] ? PARENT_SCOPES[n.scope](code) : [];
	const viaParent = user.some((m) => n.roles.includes(m.role) && above.some((p) => p.scope === m.scope && p.code === m.code));
	return ok || viaParent ? 'allow' : 'deny';
}

function classify(route, res) {
	const api = route.pattern.startsWith('/api/');
	if (api && res.status === 401) return 'login';
	if (!api && res.status === 303 && (res.headers.get('location') || '').startsWith('/login')) return 'login';
	if (res.status === 403) return 'deny';
	return 'allow';
}

const server = await startServer();
const routes = listRoutes();
const sessions = new Map(); // email -> Client with a session cookie
const bearers = new Map(); // email -> Client with an API token
const anonymous = new Client(server.base);
await anonymous.csrfFrom('/login');

for (const email of Object.keys(USERS)) {
	const c = new Client(server.base);
	await c.login(email);
	sessions.set(email, c);
	const b = new Client(server.base);
	b.bearer = apiToken(server.url, email);
	bearers.set(email, b);
}

async function call(route, client, path) {
	const api = route.pattern.startsWith('/api/');
	const unsafe = route.method !== 'GET' && route.method !== 'HEAD';
	const opts = !unsafe ? {} : api ? { json: {} } : { form: {} };
	return client.request(route.method, path, opts);
}

test('the route list is complete and declares what each route needs', async () => {
	assert(routes.length >= 30, `only ${routes.length} routes listed`);
	for (const r of routes) {
		assert(['public', 'logged_in', 'role'].includes(r.need.kind), `${r.name}: unknown need ${r.need.kind}`);
		const unsafe = r.method !== 'GET' && r.method !== 'HEAD';
		if (unsafe && r.need.kind === 'public')
			assert(PUBLIC_UNSAFE.has(r.name), `${r.method} ${r.pattern} changes data but is public`);
		if (MUST_NOT_BE_PUBLIC.some((re) => re.test(r.pattern)))
			assert(r.need.kind !== 'public', `${r.method} ${r.pattern} must not be public`);
	}
});

for (const route of routes) {
	test(`${route.method} ${route.pattern}`, async () => {
		const api = route.pattern.startsWith('/api/');
		const ctxs = route.need.kind === 'role' && route.need.scope ? ['own', 'other'] : ['own'];
		const wrong = [];
		const who = [null, ...Object.keys(USERS)];
		for (const email of who) {
			const user = email ? USERS[email] : null;
			for (const ctx of ctxs) {
				const path = fillPath(route, { ctx, user });
				let client;
				if (!email) {
					client = anonymous;
				} else if (ENDS_SESSION.has(route.name)) {
					client = new Client(server.base);
					await client.login(email);
				} else {
					client = api ? bearers.get(email) : sessions.get(email);
				}
				const res = await call(route, client, path);
				await res.arrayBuffer();
				const code = route.need.scope ? scopeCode(route, path) : null;
				const want = expected(route, user, code);
				const got = classify(route, res);
				if (res.status >= 500) wrong.push(`${email || 'anonymous'} ${ctx}: ${res.status}`);
				else if (want !== got) wrong.push(`${email || 'anonymous'} ${ctx} ${path}: expected ${want}, got ${got} (${res.status})`);
			}
		}
		if (wrong.length) throw new Error(wrong.join('\n'));
	});
}

test('sessions survived the walk (no route logged a user out by accident)', async () => {
	for (const [email, c] of sessions) {
		const res = await c.get('/account');
		assert(res.status === 200, `${email} lost the session: ${res.status}`);
	}
});

await run();

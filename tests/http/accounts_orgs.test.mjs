// Organisations added and changed through the pages (the programme admin's
// forms at /orgs/new and /orgs/{code}/edit), with the API's rules: every
// wrong field named beside the field and in the summary, nothing changed by
// a refused form, an audit entry for each change, and nobody else let in.
// Also members managed from the members page by the admin and by a lead.
import { test, run, startServer, assert, assertEqual } from '../lib/harness.mjs';
import { Client, apiToken } from '../lib/client.mjs';

const server = await startServer();
const base = server.base;

async function signedIn(email) {
	const c = new Client(base);
	await c.login(email);
	return c;
}

// The API's view, with a token of the admin's: what is really stored.
const api = new Client(base);
api.bearer = apiToken(server.url, 'admin@demo.collective.test');

async function orgCount() {
	const r = await api.get('/api/v1/organisations?per_page=1');
	assertEqual(r.status, 200, 'organisation list');
	return (await r.json()).pagination.total;
}

async function orgByCode(code) {
	const r = await api.get(`/api/v1/organisations/${encodeURIComponent(code)}`);
	return r.status === 200 ? r.json() : null;
}

async function auditEntries() {
	const r = await api.get('/api/v1/audit?per_page=100');
	assertEqual(r.status, 200, 'audit log');
	return (await r.json()).items;
}

// Posts the form the way a browser would: the CSRF token of the form page.
async function postForm(c, formPath, action, fields) {
	await c.csrfFrom(formPath);
	const res = await c.request('POST', action, { form: fields });
	return { res, html: await res.text() };
}

// The error of one field: in the summary (linked to the field), beside the
// field (the id its aria-describedby names), and the field marked invalid.
function assertFieldError(html, field, message) {
	assert(html.includes('class="error-summary"'), 'an error summary');
	const summary = html.slice(html.indexOf('class="error-summary"'), html.indexOf('</ul>', html.indexOf('class="error-summary"')));
	assert(summary.includes(`href="#${field}"`), `the summary links to #${field}: ${summary}`);
	if (message) assert(summary.includes(message), `the summary says "${message}": ${summary}`);
	assert(new RegExp(`<p class="error-message" id="${field}-error">[\\s\\S]*?${message || ''}`).test(html), `an error beside ${field}`);
	const control = new RegExp(`<(input|select)[^>]*id="${field}"[^>]*>`).exec(html);
	assert(control, `a control with id ${field}`);
	assert(/aria-invalid="true"/.test(control[0]), `${field} marked invalid: ${control[0]}`);
	assert(new RegExp(`aria-describedby="[^"]*${field}-error`).test(control[0]), `${field} described by its error: ${control[0]}`);
	assert(new RegExp(`<label class="label" for="${field}">`).test(html), `${field} has a label`);
}

const good = { name: 'Valleys Recovery Partnership', code: 'VRP-1', type: 'third_sector', region: 'cwm_taf' };

test('the admin finds the forms from the directory and the organisation page; others do not', async () => {
	const admin = await signedIn('admin@demo.collective.test');
	const dir = await (await admin.get('/orgs')).text();
	assert(dir.includes('href="/orgs/new"'), 'the directory links to the new organisation form');
	const org = await (await admin.get('/orgs/CAVUHB')).text();
	assert(org.includes('href="/orgs/CAVUHB/edit"'), 'the organisation page links to its edit form');
	for (const email of ['lead@demo.collective.test', 'member@demo.collective.test']) {
		const c = await signedIn(email);
		assert(!(await (await c.get('/orgs')).text()).includes('href="/orgs/new"'), `no add link for ${email}`);
		assert(!(await (await c.get('/orgs/CAVUHB')).text()).includes('/edit"'), `no edit link for ${email}`);
	}
	const anon = new Client(base);
	assert(!(await (await anon.get('/orgs')).text()).includes('href="/orgs/new"'), 'no add link for visitors');
});

test('the new organisation form has labelled fields and a CSRF token', async () => {
	const admin = await signedIn('admin@demo.collective.test');
	const res = await admin.get('/orgs/new');
	assertEqual(res.status, 200);
	const html = await res.text();
	assert(/<form method="post" action="\/orgs\/new"/.test(html), 'posts to /orgs/new');
	assert(/name="csrf" value="[^"]+"/.test(html), 'a CSRF field');
	for (const f of ['name', 'code', 'type', 'region'])
		assert(new RegExp(`<label class="label" for="${f}">`).test(html) && html.includes(`id="${f}"`), `${f} labelled`);
	assert(/<option value="health_board">Health board<\/option>/.test(html), 'the types to choose from');
	assert(/<option value="national">All Wales<\/option>/.test(html), 'the regions to choose from');
	assert(!html.includes('error-summary'), 'no errors before the form is sent');
});

test('the admin adds an organisation through the form: stored, audited, in the directory', async () => {
	const admin = await signedIn('admin@demo.collective.test');
	const before = await orgCount();
	const { res } = await postForm(admin, '/orgs/new', '/orgs/new', good);
	assertEqual(res.status, 303, 'redirected after the change');
	assertEqual(res.headers.get('location'), '/orgs/VRP-1');
	assertEqual(await orgCount(), before + 1, 'one more organisation');
	const stored = await orgByCode('VRP-1');
	assertEqual(stored.name, good.name);
	assertEqual(stored.type, 'third_sector');
	assertEqual(stored.region, 'cwm_taf');
	const page = await (await admin.get('/orgs/VRP-1')).text();
	assert(page.includes('The organisation has been added'), 'a success message');
	assert(page.includes('Valleys Recovery Partnership') && page.includes('Third sector') && page.includes('Cwm Taf Morgannwg'), 'the page shows it');
	const dir = await (await new Client(base).get('/orgs')).text();
	assert(dir.includes('href="/orgs/VRP-1"'), 'visitors see it in the directory');
	const entry = (await auditEntries()).find((e) => e.action === 'org.create' && e.object_id === stored.id);
	assert(entry, 'an org.create audit entry');
	assertEqual(entry.actor, 'Demo programme admin');
	assertEqual(entry.after.code, 'VRP-1');
	assertEqual(entry.before, null);
});

const refusals = [
	['a code already taken', { ...good, code: 'CAVUHB', name: 'A board with a borrowed code' }, 'code', 'An organisation with this code already exists'],
	['a missing name', { ...good, code: 'NONAME', name: '' }, 'name', 'Enter a name'],
	['a name of spaces', { ...good, code: 'SPACES', name: '   ' }, 'name', 'Enter a name'],
	['an unknown type', { ...good, code: 'CASTLE', name: 'A castle', type: 'castle' }, 'type', 'Choose a type of organisation'],
	['an unknown region', { ...good, code: 'MARS', name: 'Far away', region: 'mars' }, 'region', 'Choose a region'],
	['a code in small letters', { ...good, code: 'lower', name: 'Lower case' }, 'code', 'Code must be 2 to 16 capital letters, digits or hyphens'],
	['a missing code', { ...good, code: '', name: 'No code at all' }, 'code', 'Enter a code'],
];
for (const [what, fields, field, message] of refusals) {
	test(`adding: ${what} is refused beside the field and nothing changes`, async () => {
		const admin = await signedIn('admin@demo.collective.test');
		const count = await orgCount();
		const audit = (await auditEntries()).length;
		const { res, html } = await postForm(admin, '/orgs/new', '/orgs/new', fields);
		assertEqual(res.status, 400, 'the form again, with its errors');
		assertFieldError(html, field, message);
		assert(html.includes('<title>Error:'), 'the title says there is an error');
		if (fields.name.trim()) assert(html.includes(`value="${fields.name}"`), 'what was typed is kept');
		assertEqual(await orgCount(), count, 'no organisation added');
		assertEqual((await auditEntries()).length, audit, 'no audit entry');
		if (fields.code !== 'CAVUHB' && fields.code) assertEqual(await orgByCode(fields.code), null, 'nothing under the code');
		assertEqual((await orgByCode('CAVUHB')).name, 'Cardiff and Vale University Health Board', 'the other board untouched');
	});
}

test('adding: an empty form names every field at once, in the order of the form', async () => {
	const admin = await signedIn('admin@demo.collective.test');
	const count = await orgCount();
	const { res, html } = await postForm(admin, '/orgs/new', '/orgs/new', {});
	assertEqual(res.status, 400);
	for (const f of ['name', 'code', 'type', 'region']) assertFieldError(html, f);
	const order = ['#name', '#code', '#type', '#region'].map((h) => html.indexOf(`href="${h}"`));
	assert(order.every((v, i) => i === 0 || v > order[i - 1]), `summary in form order: ${order}`);
	assertEqual(await orgCount(), count, 'nothing added');
});

test('adding: the errors are in Welsh for a Welsh reader', async () => {
	const admin = await signedIn('admin@demo.collective.test');
	admin.cookies.set('lang', 'cy');
	const { res, html } = await postForm(admin, '/orgs/new', '/orgs/new', { ...good, code: '', name: '' });
	assertEqual(res.status, 400);
	assert(html.includes('lang="cy"'), 'a Welsh page');
	assert(html.includes('Ychwanegu sefydliad'), 'the Welsh heading');
	assertFieldError(html, 'code', 'Rhowch god');
	assertFieldError(html, 'name');
});

test('the admin changes an organisation through the form: stored, audited, shown', async () => {
	const admin = await signedIn('admin@demo.collective.test');
	const form = await admin.get('/orgs/HAFAL/edit');
	assertEqual(form.status, 200);
	const html = await form.text();
	assert(/<form method="post" action="\/orgs\/HAFAL\/edit"/.test(html), 'posts to its own address');
	assert(/id="code"[^>]*value="HAFAL"|value="HAFAL"[^>]*id="code"/.test(html), 'the code filled in');
	const was = await orgByCode('HAFAL');
	assert(html.includes(`<option value="${was.type}" selected>`), 'the stored type chosen');
	const count = await orgCount();
	const { res } = await postForm(admin, '/orgs/HAFAL/edit', '/orgs/HAFAL/edit',
		{ name: 'Hafal (renamed)', code: 'HAFAL', type: was.type, region: 'west' });
	assertEqual(res.status, 303);
	assertEqual(res.headers.get('location'), '/orgs/HAFAL');
	const now = await orgByCode('HAFAL');
	assertEqual(now.name, 'Hafal (renamed)');
	assertEqual(now.region, 'west');
	assertEqual(now.id, was.id, 'the same organisation');
	assertEqual(await orgCount(), count, 'no new organisation');
	const page = await (await admin.get('/orgs/HAFAL')).text();
	assert(page.includes('The organisation&#39;s details have been changed') || page.includes("The organisation's details have been changed"), 'a success message');
	const entry = (await auditEntries()).find((e) => e.action === 'org.update' && e.object_id === was.id);
	assert(entry, 'an org.update audit entry');
	assertEqual(entry.actor, 'Demo programme admin');
	assertEqual(entry.before.name, was.name);
	assertEqual(entry.after.name, 'Hafal (renamed)');
	assertEqual(entry.before.region, was.region);
	assertEqual(entry.after.region, 'west');
	const dir = await (await new Client(base).get('/orgs')).text();
	assert(dir.includes('Hafal (renamed)'), 'the directory shows the new name');
});

test('changing the code moves the organisation to its new address', async () => {
	const admin = await signedIn('admin@demo.collective.test');
	const was = await orgByCode('VRP-1');
	assert(was, 'made by the earlier test');
	const { res } = await postForm(admin, '/orgs/VRP-1/edit', '/orgs/VRP-1/edit', { ...good, code: 'VRP-2' });
	assertEqual(res.status, 303);
	assertEqual(res.headers.get('location'), '/orgs/VRP-2');
	assertEqual(await orgByCode('VRP-1'), null, 'the old code is free');
	assertEqual((await orgByCode('VRP-2')).id, was.id, 'same organisation, new code');
});

const editRefusals = [
	['another organisation\'s code', { code: 'SBUHB' }, 'code', 'An organisation with this code already exists'],
	['a missing name', { name: '' }, 'name', 'Enter a name'],
	['an unknown type', { type: 'castle' }, 'type', 'Choose a type of organisation'],
];
for (const [what, change, field, message] of editRefusals) {
	test(`changing: ${what} is refused beside the field and nothing changes`, async () => {
		const admin = await signedIn('admin@demo.collective.test');
		const was = await orgByCode('CAVUHB');
		const audit = (await auditEntries()).length;
		const fields = { name: was.name, code: was.code, type: was.type, region: was.region, ...change };
		const { res, html } = await postForm(admin, '/orgs/CAVUHB/edit', '/orgs/CAVUHB/edit', fields);
		assertEqual(res.status, 400);
		assertFieldError(html, field, message);
		const now = await orgByCode('CAVUHB');
		assertEqual(JSON.stringify(now), JSON.stringify(was), 'the organisation is as it was');
		assertEqual((await orgByCode('SBUHB')).name, 'Swansea Bay University Health Board', 'the other one too');
		assertEqual((await auditEntries()).length, audit, 'no audit entry');
	});
}

test('nobody but a programme admin may add or change an organisation', async () => {
	const count = await orgCount();
	const was = await orgByCode('CAVUHB');
	const fields = { ...good, code: 'SNEAK', name: 'Sneaked in' };
	for (const email of ['lead@demo.collective.test', 'member@demo.collective.test', 'planner@demo.collective.test']) {
		const c = await signedIn(email);
		assertEqual((await c.get('/orgs/new')).status, 403, `${email}: new form`);
		assertEqual((await c.get('/orgs/CAVUHB/edit')).status, 403, `${email}: edit form of their own organisation`);
		assertEqual((await c.request('POST', '/orgs/new', { form: fields })).status, 403, `${email}: add`);
		assertEqual((await c.request('POST', '/orgs/CAVUHB/edit', { form: { ...fields, code: 'CAVUHB' } })).status, 403, `${email}: change`);
	}
	const anon = new Client(base);
	const r = await anon.get('/orgs/new');
	assertEqual(r.status, 303);
	assertEqual(r.headers.get('location'), '/login?next=/orgs/new');
	assertEqual((await anon.get('/orgs/NOSUCH/edit')).status, 404, 'no such organisation');
	assertEqual(await orgCount(), count, 'nothing added');
	assertEqual(await orgByCode('SNEAK'), null);
	assertEqual(JSON.stringify(await orgByCode('CAVUHB')), JSON.stringify(was), 'nothing changed');
});

test('a form without its CSRF token is refused and changes nothing', async () => {
	const admin = await signedIn('admin@demo.collective.test');
	const count = await orgCount();
	const bad = await admin.request('POST', '/orgs/new', { form: { ...good, code: 'NOCSRF', csrf: 'x'.repeat(43) } });
	assertEqual(bad.status, 403);
	const edit = await admin.request('POST', '/orgs/CAVUHB/edit', { form: { ...good, code: 'CAVUHB', csrf: '' } });
	assertEqual(edit.status, 403);
	assertEqual(await orgCount(), count);
	assertEqual((await orgByCode('CAVUHB')).name, 'Cardiff and Vale University Health Board');
});

async function membersOf(code) {
	const r = await api.get(`/api/v1/organisations/${code}/members`);
	assertEqual(r.status, 200);
	return (await r.json()).items;
}

test('the admin changes a role and removes a membership from the members page', async () => {
	const admin = await signedIn('admin@demo.collective.test');
	const page = await (await admin.get('/orgs/SBUHB')).text();
	assert(page.includes('href="/orgs/SBUHB/members"'), 'the organisation page leads to its members');
	const m = (await membersOf('SBUHB')).find((u) => u.email === 'member.other@demo.collective.test');
	const html = await (await admin.get('/orgs/SBUHB/members')).text();
	assert(html.includes(`action="/orgs/SBUHB/members/${m.id}/role"`) && html.includes(`action="/orgs/SBUHB/members/${m.id}/remove"`), 'a form for each');
	let { res } = await postForm(admin, '/orgs/SBUHB/members', `/orgs/SBUHB/members/${m.id}/role`, { role: 'org_lead' });
	assertEqual(res.status, 303);
	assertEqual(res.headers.get('location'), '/orgs/SBUHB/members');
	assertEqual((await membersOf('SBUHB')).find((u) => u.id === m.id).roles.join(), 'org_lead', 'now a lead');
	({ res } = await postForm(admin, '/orgs/SBUHB/members', `/orgs/SBUHB/members/${m.id}/remove`, {}));
	assertEqual(res.status, 303);
	assert(!(await membersOf('SBUHB')).some((u) => u.id === m.id), 'no longer a member');
	const log = await auditEntries();
	assert(log.some((e) => e.action === 'membership.role' && e.actor === 'Demo programme admin' && e.after.user_id === m.id), 'the role change audited');
	assert(log.some((e) => e.action === 'membership.remove' && e.actor === 'Demo programme admin' && e.before.user_id === m.id), 'the removal audited');
});

test('a lead manages their own organisation\'s members from the page, not another\'s', async () => {
	const lead = await signedIn('lead@demo.collective.test');
	const m = (await membersOf('CAVUHB')).find((u) => u.email === 'member@demo.collective.test');
	let { res } = await postForm(lead, '/orgs/CAVUHB/members', `/orgs/CAVUHB/members/${m.id}/role`, { role: 'org_lead' });
	assertEqual(res.status, 303);
	assertEqual((await membersOf('CAVUHB')).find((u) => u.id === m.id).roles.join(), 'org_lead');
	({ res } = await postForm(lead, '/orgs/CAVUHB/members', `/orgs/CAVUHB/members/${m.id}/role`, { role: 'emperor' }));
	assertEqual(res.status, 303, 'back to the page with a warning');
	assert((await (await lead.get('/orgs/CAVUHB/members')).text()).includes('Choose a role'), 'the warning is shown');
	assertEqual((await membersOf('CAVUHB')).find((u) => u.id === m.id).roles.join(), 'org_lead', 'unchanged by a bad role');
	({ res } = await postForm(lead, '/orgs/CAVUHB/members', `/orgs/CAVUHB/members/${m.id}/remove`, {}));
	assertEqual(res.status, 303);
	assert(!(await membersOf('CAVUHB')).some((u) => u.id === m.id), 'removed');
	const other = (await membersOf('SBUHB')).find((u) => u.email === 'lead.other@demo.collective.test');
	await lead.csrfFrom('/orgs/CAVUHB/members');
	assertEqual((await lead.request('POST', `/orgs/SBUHB/members/${other.id}/remove`, { form: {} })).status, 403, 'another organisation');
	assertEqual((await lead.request('POST', `/orgs/SBUHB/members/${other.id}/role`, { form: { role: 'member' } })).status, 403);
	assert((await membersOf('SBUHB')).some((u) => u.id === other.id), 'still there');
});

await run();

// What the tests know of the demo data, to turn route patterns into paths.
//
// A module that adds a route with a new path parameter adds it here: to
// SCOPE_PARAMS when the parameter names a scope that access is decided on,
// to SAMPLE_PARAMS otherwise (a real object of the demo data, for pages that
// the accessibility crawl should see), and to MISSING_PARAMS (a value naming
// nothing, for requests that must change nothing).

export const OWN_ORG = 'CAVUHB';
export const OTHER_ORG = 'SBUHB';

// The demo users and their memberships, written out here rather than read
// from the server so that expectations do not come from the code under test.
export const USERS = {
	'admin@demo.collective.test': [{ scope: 'global', role: 'programme_admin' }],
	'planner@demo.collective.test': [{ scope: 'global', role: 'planner' }],
	'lead@demo.collective.test': [{ scope: 'org', code: 'CAVUHB', role: 'org_lead' }],
	'member@demo.collective.test': [{ scope: 'org', code: 'CAVUHB', role: 'member' }],
	'lead.other@demo.collective.test': [{ scope: 'org', code: 'SBUHB', role: 'org_lead' }],
	'member.other@demo.collective.test': [{ scope: 'org', code: 'SBUHB', role: 'member' }],
};

const orgOf = (user) => user && user.find((m) => m.scope === 'org')?.code;

// scope type -> { own(user), other(user) } giving the parameter's text.
export const SCOPE_PARAMS = {
	org: {
		own: (user) => orgOf(user) || OWN_ORG,
		other: (user) => (orgOf(user) === OTHER_ORG ? OWN_ORG : OTHER_ORG),
	},
};

// Exchange (src/mod/exchange/ex_demo.c): in a fresh demo database exchange 1
// is hosted by OWN_ORG and exchange 2 by OTHER_ORG; registration 1 is on
// exchange 1 and registration 2 on exchange 2; nomination 1 is OWN_ORG's and
// nomination 2 OTHER_ORG's. Access to them passes through the organisation.
const byOrg = { [OWN_ORG]: '1', [OTHER_ORG]: '2' };
for (const scope of ['exchange', 'registration', 'nomination']) {
	SCOPE_PARAMS[scope] = {
		own: (user) => byOrg[orgOf(user)] || '1',
		other: (user) => (orgOf(user) === OTHER_ORG ? '1' : '2'),
	};
}
SCOPE_PARAMS.programme = { own: () => '1', other: () => '1' };

// scope type -> parameter value -> the organisation above it (for roles held
// on the organisation, such as the lead of an exchange's host organisation).
export const PARENT_ORG = {
	exchange: { 1: OWN_ORG, 2: OTHER_ORG },
	registration: { 1: OWN_ORG, 2: OTHER_ORG },
	nomination: { 1: OWN_ORG, 2: OTHER_ORG },
};

// parameter name -> a value that names nothing.
export const MISSING_PARAMS = {
	user: '999999',
	user_id: '999999',
	id: '999999',
	programme: '999999',
	secret: 'no-such-feed-no-such-feed-no-such-feed-0000',
	action: 'cancel',
	'path...': 'app.css',
};

// parameter name -> a real object in the demo data.
export const SAMPLE_PARAMS = {
	code: OWN_ORG,
	id: '1',
	programme: '1',
	secret: 'no-such-feed-no-such-feed-no-such-feed-0000',
	action: 'cancel',
	'path...': 'app.css',
};

// Improve (src/mod/improve/imp_demo_load.c). In a fresh demo database the
// collaborative 'restrictive-practice' has teams 1-12 and 'physical-health'
// teams 13-14, where no demo user but the programme admin holds a role. A
// team's parents are its organisation and its collaborative: a role held
// on either reaches the team.
const IMP_TEAM_ORG = {
	1: 'BCUHB', 2: 'BCUHB', 3: 'HDUHB', 4: 'HDUHB', 5: 'SBUHB', 6: 'SBUHB', 7: 'CTMUHB',
	8: 'CTMUHB', 9: 'CAVUHB', 10: 'CAVUHB', 11: 'ABUHB', 12: 'ABUHB', 13: 'SBUHB', 14: 'PTHB',
};
const IMP_COLLAB = 'restrictive-practice';
const impTeams = (codes, role) => codes.map((code) => ({ scope: 'team', code, role }));
Object.assign(USERS, {
	'team@demo.collective.test': [
		{ scope: 'org', code: 'CAVUHB', role: 'member' },
		...impTeams(['9', '10'], 'team_member'),
		{ scope: 'collab', code: IMP_COLLAB, role: 'viewer' },
	],
	'coach@demo.collective.test': [
		{ scope: 'org', code: 'NHSWPI', role: 'member' },
		...impTeams(['3', '4', '5', '6', '9', '10'], 'coach'),
		{ scope: 'collab', code: IMP_COLLAB, role: 'viewer' },
	],
	'collab.admin@demo.collective.test': [{ scope: 'collab', code: IMP_COLLAB, role: 'collab_admin' }],
	'faculty@demo.collective.test': [{ scope: 'collab', code: IMP_COLLAB, role: 'faculty' }],
	'viewer@demo.collective.test': [{ scope: 'collab', code: IMP_COLLAB, role: 'viewer' }],
});
SCOPE_PARAMS.collab = {
	own: () => IMP_COLLAB,
	other: () => 'physical-health',
};
SCOPE_PARAMS.team = {
	own: (user) => {
		const t = user && user.find((m) => m.scope === 'team');
		if (t) return t.code;
		return orgOf(user) === OTHER_ORG ? '5' : '9';
	},
	other: () => '14',
};
// scope type -> (parameter value) -> the scopes directly above it.
export const PARENT_SCOPES = {
	team: (code) => [
		{ scope: 'org', code: IMP_TEAM_ORG[code] },
		{ scope: 'collab', code: Number(code) <= 12 ? IMP_COLLAB : 'physical-health' },
	],
};
Object.assign(MISSING_PARAMS, { view: 'nothing', month: '1999-01', measure: 'none.svg', format: 'none' });
Object.assign(SAMPLE_PARAMS, { view: 'scores', month: '2026-08', measure: 'rp_rate.svg', format: 'data.csv' });

// A conference's sessions and rooms ({session}, {room}) are reached through
// the exchange in the same path ({id}, the scope): in a fresh demo database
// session 1 and room 1 are the demo conference's, not exchange 1's, so the
// accessibility crawl meets them as 404 pages; tests/browser/exchange_admin
// checks the change forms themselves.
Object.assign(MISSING_PARAMS, { session: '999999', room: '999999' });
Object.assign(SAMPLE_PARAMS, { session: '1', room: '1' });

// The text of the route's scope parameter in path (its segment in the pattern).
export function scopeCode(route, path) {
	const at = route.pattern.split('/').indexOf(`{${route.need.param}}`);
	return at < 0 ? null : decodeURIComponent(path.split('/')[at]);
}

// The path for a route: the scope parameter from SCOPE_PARAMS for ctx
// ('own' or 'other') and user; other parameters from `others`.
export function fillPath(route, { ctx = 'own', user = null, others = MISSING_PARAMS } = {}) {
	let missing = null;
	const path = route.pattern.replace(/\{([^}]+)\}/g, (_, p) => {
		const need = route.need || {};
		if (need.kind === 'role' && need.scope && p === need.param) {
			const s = SCOPE_PARAMS[need.scope];
			if (!s) { missing = `scope ${need.scope}`; return 'x'; }
			return encodeURIComponent(s[ctx](user));
		}
		if (p === 'code') return encodeURIComponent(SCOPE_PARAMS.org[ctx](user));
		if (p in others) return encodeURIComponent(others[p]).replace(/%2F/g, '/');
		missing = `parameter {${p}}`;
		return 'x';
	});
	if (missing) throw new Error(`${route.method} ${route.pattern}: tests/lib/routes.mjs does not know ${missing}`);
	return path;
}

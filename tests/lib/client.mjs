// A small HTTP client for the tests: a cookie jar per user, sign-in through
// the real login form (with its CSRF token), CSRF tokens read from pages, and
// API tokens made by `collective token create`.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin, demoPassword } from './harness.mjs';

export class Client {
	constructor(base) {
		this.base = base;
		this.cookies = new Map();
		this.bearer = null;
		this.csrf = null;
	}

	cookieHeader() {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}

	keepCookies(res) {
		for (const line of res.headers.getSetCookie()) {
			const [pair, ...attrs] = line.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
			if (expired) this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
	}

	// method, path, { form, json, headers } -> Response (redirects not followed)
	async request(method, path, { form, json, headers = {} } = {}) {
		const h = { ...headers };
		if (this.cookies.size) h.cookie = this.cookieHeader();
		if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
		let body;
		if (form) {
			const f = { ...form };
			if (this.csrf && !('csrf' in f)) f.csrf = this.csrf;
			body = new URLSearchParams(f).toString();
			h['content-type'] = 'application/x-www-form-urlencoded';
		} else if (json !== undefined) {
			body = JSON.stringify(json);
			h['content-type'] = 'application/json';
			if (this.csrf && !this.bearer) h['x-csrf-token'] = this.csrf;
		}
		const res = await fetch(this.base + path, { method, headers: h, body, redirect: 'manual' });
		this.keepCookies(res);
		return res;
	}

	async get(path, opts) {
		return this.request('GET', path, opts);
	}

	// The CSRF token from a page's form (the hidden field "csrf").
	async csrfFrom(path) {
		const res = await this.get(path);
		const html = await res.text();
		const m = html.match(/name="csrf" value="([^"]+)"/);
		if (!m) throw new Error(`no CSRF token on ${path} (status ${res.status})`);
		this.csrf = m[1];
		return this.csrf;
	}

	// Signs in through the login form; throws unless it succeeds.
	async login(email, password = demoPassword) {
		await this.csrfFrom('/login');
		const res = await this.request('POST', '/login', { form: { email, password } });
		if (res.status !== 303 || (res.headers.get('location') || '').startsWith('/login'))
			throw new Error(`login as ${email} failed: ${res.status} ${await res.text()}`);
		await this.csrfFrom('/account');
		return res;
	}
}

// A new API token for the user, through the command line.
export function apiToken(dbUrl, email) {
	const out = spawnSync(bin, ['token', 'create', '--email', email, '--db', dbUrl], { encoding: 'utf8' });
	if (out.status !== 0) throw new Error(`token create failed: ${out.stderr}`);
	return out.stdout.trim().split('\n').pop().trim();
}

// Every route the server has, as `collective serve --list-routes` prints it.
export function listRoutes() {
	const out = spawnSync(bin, ['serve', '--list-routes'], { encoding: 'utf8' });
	if (out.status !== 0) throw new Error(`--list-routes failed: ${out.stderr}`);
	return JSON.parse(out.stdout);
}

// Sends the queued emails into a directory (no SMTP host) and returns the
// text of every email written there so far, oldest first.
export function readOutbox(dbUrl, dir) {
	const out = spawnSync(bin, ['outbox', '--send', '--dir', dir, '--db', dbUrl], { encoding: 'utf8' });
	if (out.status !== 0) throw new Error(`outbox --send failed: ${out.stderr}`);
	return readdirSync(dir).filter((f) => f.endsWith('.eml'))
		.sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
		.map((f) => readFileSync(join(dir, f), 'utf8'));
}

// The first link to path in an email's text (quoted-printable soft breaks undone).
export function linkIn(mail, path) {
	const text = mail.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
	const m = text.match(new RegExp(`https?://[^\\s"<>]*${path.replace(/[?]/g, '\\?')}[^\\s"<>]*`));
	if (!m) throw new Error(`no link to ${path} in the email:\n${mail}`);
	return new URL(m[0]);
}

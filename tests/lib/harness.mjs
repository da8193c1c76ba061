// The test harness shared by the HTTP and browser suites: a real
// `collective serve` on a fresh database (SQLite, or PostgreSQL from
// scripts/pg-temp), a tiny test runner printing "ok - name" / "not ok - name"
// and a last line "N passed, N failed".
//
// The database kind comes from startServer({db}) or, by default, from the
// environment variable COLLECTIVE_TEST_DBKIND ('sqlite' or 'postgres').

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const bin = resolve(root, process.env.BUILD || 'build', 'collective');
export const demoPassword = 'demo-password-for-tests';
export const dbKind = process.env.COLLECTIVE_TEST_DBKIND || 'sqlite';

const tests = [];
const cleanups = [];

const testTimeout = Number(process.env.COLLECTIVE_TEST_TIMEOUT || 180) * 1000;

export function test(name, fn) {
	tests.push({ name, fn });
}

export function onCleanup(fn) {
	cleanups.push(fn);
}

export function assert(cond, message) {
	if (!cond) throw new Error(message || 'assertion failed');
}

export function assertEqual(actual, expected, message) {
	if (actual !== expected)
		throw new Error(`${message || 'values differ'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

function freePort() {
	return new Promise((res, rej) => {
		const s = net.createServer();
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => res(port));
		});
		s.on('error', rej);
	});
}

// Starts a throw-away PostgreSQL cluster (scripts/pg-temp); returns its URL.
export function startPostgres() {
	const out = spawnSync(join(root, 'scripts/pg-temp'), ['start'], { encoding: 'utf8' });
	if (out.status !== 0) throw new Error('pg-temp start failed: ' + out.stderr);
	const env = {};
	for (const m of out.stdout.matchAll(/(PGTEMP_[A-Z]+)=([^;\n]+)/g)) env[m[1]] = m[2].trim();
	onCleanup(() => spawnSync(join(root, 'scripts/pg-temp'), ['stop', env.PGTEMP_DIR]));
	return env.PGTEMP_URL;
}

// Starts `collective serve` on a fresh database loaded with the demo data
// (every demo user's password is demoPassword). db: 'sqlite' or 'postgres'.
export async function startServer({ db = dbKind } = {}) {
	const dir = mkdtempSync(join(tmpdir(), 'collective-browser-'));
	onCleanup(() => rmSync(dir, { recursive: true, force: true }));
	const url = db === 'postgres' ? startPostgres() : `sqlite:${join(dir, 'test.db')}`;
	const demo = spawnSync(bin, ['demo', '--db', url, '--password-stdin'], {
		input: demoPassword + '\n', encoding: 'utf8',
	});
	if (demo.status !== 0) throw new Error(`collective demo failed (${demo.status}): ${demo.stderr}`);
	const port = await freePort();
	const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--db', url], {
		stdio: ['ignore', 'ignore', 'pipe'],
		env: { ...process.env, COLLECTIVE_OUTBOX_DIR: join(dir, 'outbox') },
	});
	let stderr = '';
	proc.stderr.on('data', (d) => { stderr += d; });
	onCleanup(() => new Promise((res) => {
		if (proc.exitCode !== null) return res();
		proc.on('exit', res);
		proc.kill('SIGTERM');
	}));
	const base = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 200; i++) {
		try {
			const r = await fetch(base + '/healthz');
			if (r.ok) return { base, url, dir, proc, stderr: () => stderr };
		} catch { /* not up yet */ }
		if (proc.exitCode !== null) throw new Error('server exited: ' + stderr);
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error('server did not answer /healthz: ' + stderr);
}

export async function run() {
	let pass = 0;
	let fail = 0;
	for (const t of tests) {
		let timer;
		const t0 = Date.now();
		try {
			// One test that hangs must not take the others with it.
			await Promise.race([t.fn(), new Promise((_, reject) => {
				timer = setTimeout(() => reject(new Error(`timed out after ${testTimeout / 1000} s`)), testTimeout);
			})]);
			console.log(`ok - ${t.name} # ${((Date.now() - t0) / 1000).toFixed(1)} s`);
			pass++;
		} catch (e) {
			console.log(`not ok - ${t.name}`);
			console.log(String(e && e.stack || e).split('\n').map((l) => '#   ' + l).join('\n'));
			fail++;
		} finally {
			clearTimeout(timer);
		}
	}
	for (const c of cleanups.reverse()) {
		try { await c(); } catch { /* best effort */ }
	}
	console.log(`${pass} passed, ${fail} failed`);
	process.exitCode = fail ? 1 : 0;
}

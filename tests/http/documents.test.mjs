// Documents made by the running server: the program is not linked against
// the document libraries (src/render loads them on first use), so these
// check that a real `collective serve` still makes each kind of file, whole.

import { test, run, startServer, assert, assertEqual } from '../lib/harness.mjs';
import { Client } from '../lib/client.mjs';

const server = await startServer();
const base = server.base;

async function admin() {
	const c = new Client(base);
	await c.login('admin@demo.collective.test');
	return c;
}

async function fetchBytes(c, path) {
	const res = await c.get(path);
	const body = Buffer.from(await res.arrayBuffer());
	return { res, body };
}

test('the conference pack is a whole PDF', async () => {
	const { res, body } = await fetchBytes(await admin(), '/programmes/1/pack.pdf');
	assertEqual(res.status, 200, 'status');
	assert((res.headers.get('content-type') || '').startsWith('application/pdf'), 'PDF type');
	assertEqual(body.subarray(0, 5).toString('latin1'), '%PDF-', 'PDF header');
	assert(body.subarray(-8).toString('latin1').includes('%%EOF'), 'PDF trailer');
	assert(body.length > 1000, `a real document (${body.length} bytes)`);
});

test('a collaborative pack with its charts is a whole PDF', async () => {
	const { res, body } = await fetchBytes(await admin(), '/improve/c/restrictive-practice/pack.pdf');
	assertEqual(res.status, 200, 'status');
	assertEqual(body.subarray(0, 5).toString('latin1'), '%PDF-', 'PDF header');
	assert(body.subarray(-8).toString('latin1').includes('%%EOF'), 'PDF trailer');
	// the charts are drawn from SVG into the PDF: more than text alone
	assert(body.length > 5000, `charts drawn (${body.length} bytes)`);
});

test('a team export as a spreadsheet is an XLSX (zip) file', async () => {
	const { res, body } = await fetchBytes(await admin(), '/improve/t/1/export/data.xlsx');
	assertEqual(res.status, 200, 'status');
	assertEqual(body.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004', 'zip header');
	assert(body.includes(Buffer.from('xl/worksheets/sheet1.xml')), 'a worksheet');
});

test('badges for an exchange are a PDF', async () => {
	const { res, body } = await fetchBytes(await admin(), '/exchanges/1/badges');
	assertEqual(res.status, 200, 'status');
	assertEqual(body.subarray(0, 5).toString('latin1'), '%PDF-', 'PDF header');
});

await run();

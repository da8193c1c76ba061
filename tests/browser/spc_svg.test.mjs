// The SPC chart as Chromium draws it: `collective spc --svg` on a series with
// a shift, shown in a page, screenshotted (tests/browser/screenshots/), and
// checked for what a reader needs: every point drawn, the improvement points
// in blue, the title and description, the icons, no accessibility violations.

import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { test, run, newPage, checkA11y, assert, assertEqual, screenshot, bin, onCleanup } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'spc-svg-'));
onCleanup(() => rmSync(dir, { recursive: true, force: true }));

// 60 months of a waiting-time measure; the last 8 fall after a change.
let csv = 'x,y,notes\r\n';
for (let i = 0; i < 60; i++) {
	const y = 50 + ((i * 7) % 5) - (i >= 52 ? 4 : 0);
	const month = String((i % 12) + 1).padStart(2, '0');
	csv += `${2020 + Math.floor(i / 12)}-${month}-01,${y},${i === 52 ? 'new triage process' : ''}\r\n`;
}
writeFileSync(join(dir, 'waits.csv'), csv);
const svgPath = join(dir, 'waits.svg');
const out = execFileSync(bin, ['spc', '--chart', 'i', '--direction', 'decrease', '--target', '44',
	'--notes', 'notes', '--title', 'Days waiting for a first appointment', '--svg', svgPath,
	join(dir, 'waits.csv')], { encoding: 'utf8' });
const svg = readFileSync(svgPath, 'utf8');

test('the command writes the points and a chart under 40 KB', async () => {
	assertEqual(out.trim().split('\n').length, 61, 'a header and 60 rows');
	assert(svg.length < 40 * 1024, `the chart is ${svg.length} bytes`);
});

test('Chromium draws every point, the improvement in blue, and the icons', async () => {
	const page = await newPage();
	await page.setContent(`<!doctype html><html lang="en"><head><title>SPC chart</title></head>` +
		`<body><main><h1>Waiting times</h1>${svg}</main></body></html>`);
	const box = await page.locator('svg').boundingBox();
	assert(box && box.width > 600 && box.height > 300, `the chart has a size: ${JSON.stringify(box)}`);
	const points = await page.locator('svg circle[r="4.5"]').count();
	assertEqual(points, 60, 'one circle per point');
	const blue = await page.locator('svg circle[r="4.5"][fill="#289de0"]').count();
	assert(blue >= 7, `the shift below the mean is improvement blue (${blue} points)`);
	const title = await page.locator('svg > title').textContent();
	assertEqual(title, 'Days waiting for a first appointment', 'the title');
	const desc = await page.locator('svg > desc').textContent();
	assert(/^special cause improvement: \d+ points below the mean since \w+ 20\d\d/.test(desc),
		`the description says what the chart shows: ${desc}`);
	assert(await page.getByText('new triage process').count() === 1, 'the note is shown');
	assert(await page.locator('svg g > title', { hasText: 'variation:' }).count() === 1, 'variation icon');
	assert(await page.locator('svg g > title', { hasText: 'assurance:' }).count() === 1, 'assurance icon');
	const shot = await screenshot(page, 'spc_svg');
	assert(readFileSync(shot).length > 10000, 'the screenshot is not blank');
	await checkA11y(page, 'the SPC chart');
});

await run();

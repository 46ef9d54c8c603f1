// Drives Debian's chromium with playwright-core (pinned in
// web/package-lock.json) through weftd's web UI. Usage:
//   node web_browser.mjs URL DESIGNS.json SHOTS_DIR DOWNLOAD_DIR
// DESIGNS.json: {"xss": ID, "models": ID, "lib": ID, "files": {...}}.
// Prints one "ok ..." line per check; exits non-zero at the first failure.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(process.env.WEFT_WEB_NODE_MODULES + '/');
const { chromium } = require('playwright-core');

const [url, designsFile, shots, downloads] = process.argv.slice(2);
const d = JSON.parse(fs.readFileSync(designsFile, 'utf8'));
let failed = false;

function check(cond, what) {
	if (!cond) {
		console.error('FAIL: ' + what);
		failed = true;
		throw new Error(what);
	}
	console.log('ok ' + what);
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--enable-unsafe-swiftshader',
	    '--use-angle=swiftshader', '--ignore-gpu-blocklist'],
});
try {
	const ctx = await browser.newContext({
		viewport: { width: 1200, height: 900 }, acceptDownloads: true });
	const page = await ctx.newPage();
	const dialogs = [];
	const errors = [];
	globalThis.errors = errors;
	page.on('dialog', (dl) => { dialogs.push(dl.message()); dl.dismiss(); });
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('console', (m) => { if (m.type() === 'error')
		errors.push(m.text()); });
	await page.addInitScript(() => { window.__xss = 0; });

	// Home: both designs, the attack shown as text.
	await page.goto(url + '/');
	const home = await page.textContent('#recent');
	check(home.includes('<script>alert(1)</script>'),
	    'home shows the script title as text');
	check(home.includes('Model zoo'), 'home lists the model design');
	// The 3MF's own thumbnail on the model zoo's card, loaded.
	await page.waitForFunction((id) => {
		const img = document.querySelector(
		    `a.thumb[href="/d/${id}"] img`);
		return img && img.complete && img.naturalWidth > 0;
	}, d.models, { timeout: 10000 }).catch(() => {});
	const tw = await page.evaluate((id) => {
		const img = document.querySelector(
		    `a.thumb[href="/d/${id}"] img`);
		return img && img.complete ? img.naturalWidth : -1;
	}, d.models);
	check(tw === 12, 'the card shows the 3MF thumbnail (' + tw + ')');
	await page.screenshot({ path: path.join(shots, 'home.png'),
	    fullPage: true });

	// Search.
	await page.goto(url + '/search?q=zoo');
	const res = await page.textContent('#results');
	check(res.includes('Model zoo') && !res.includes('alert'),
	    'search finds only the model design');
	await page.screenshot({ path: path.join(shots, 'search.png'),
	    fullPage: true });

	// The attack design: nothing runs, the javascript: text is no link.
	await page.goto(url + '/d/' + d.xss);
	await page.waitForTimeout(300);
	check(await page.textContent('#title') === '<script>alert(1)</script>',
	    'design title is the literal text');
	const links = await page.$$eval('#description a',
	    (as) => as.map((a) => a.getAttribute('href')));
	check(links.length === 1 && links[0] === 'https://example.org/ok',
	    'only the https link is a link: ' + JSON.stringify(links));
	check(await page.$('img[src=x]') === null, 'no injected img element');
	check(await page.evaluate(() => window.__xss) === 0 &&
	    dialogs.length === 0, 'no script ran (dialogs: ' +
	    JSON.stringify(dialogs) + ')');
	await page.screenshot({ path: path.join(shots, 'design-xss.png'),
	    fullPage: true });

	// The model design: each model drawn, non-blank.
	await page.goto(url + '/d/' + d.models);
	await page.screenshot({ path: path.join(shots, 'design.png'),
	    fullPage: true });
	for (const name of ['cube-binary.stl', 'pyramid-ascii.stl',
	    'prism.obj', 'cube.3mf']) {
		await page.click(`button.view[data-src$="/${name}"]`);
		await page.waitForSelector(
		    '#viewer[data-state="shown"], #viewer[data-state="error"]',
		    { timeout: 30000, state: 'attached' });
		check(await page.getAttribute('#viewer', 'data-state') ===
		    'shown', name + ' loaded');
		await page.waitForTimeout(500);
		const frac = await page.evaluate(() => {
			const c = document.querySelector('#viewer canvas');
			const gl = c.getContext('webgl2') ||
			    c.getContext('webgl');
			const w = gl.drawingBufferWidth;
			const h = gl.drawingBufferHeight;
			const px = new Uint8Array(w * h * 4);
			gl.readPixels(0, 0, w, h, gl.RGBA,
			    gl.UNSIGNED_BYTE, px);
			let model = 0;
			for (let i = 0; i < px.length; i += 4) {
				const dr = Math.abs(px[i] - 238);
				const dg = Math.abs(px[i + 1] - 241);
				const db = Math.abs(px[i + 2] - 243);
				if (dr + dg + db > 30)
					model++;
			}
			return model / (w * h);
		});
		check(frac > 0.02 && frac < 0.98, name +
		    ' drawn: ' + (frac * 100).toFixed(1) + '% of pixels');
		await page.locator('#viewer').screenshot({
		    path: path.join(shots, 'view-' + name + '.png') });
	}

	// The remix tree, both ways.
	check((await page.textContent('.remixes')).includes('Zoo remix'),
	    'the design lists its remix');
	await page.goto(url + '/d/' + d.remix);
	check((await page.textContent('.sources')).includes('Model zoo'),
	    'the remix names its source');
	await page.screenshot({ path: path.join(shots, 'design-remix.png'),
	    fullPage: true });
	await page.goto(url + '/d/' + d.models);

	// Like, take it back, like again, and comment: the page's own forms.
	check((await page.textContent('#counts')).startsWith('0 likes'),
	    'no like yet');
	await Promise.all([page.waitForNavigation(),
	    page.click('button.act-like')]);
	check((await page.textContent('#counts')).startsWith('1 like '),
	    'the like counts (' + await page.textContent('#counts') + ')');
	check(await page.$('button.act-unlike') !== null,
	    'a liked design offers unlike');
	await Promise.all([page.waitForNavigation(),
	    page.click('button.act-unlike')]);
	check((await page.textContent('#counts')).startsWith('0 likes'),
	    'unlike takes it back');
	await Promise.all([page.waitForNavigation(),
	    page.click('button.act-like')]);
	const said = 'Printed it in PETG <b>fine</b> \u2014 thanks!';
	await page.fill('#comment-text', said);
	await Promise.all([page.waitForNavigation(),
	    page.click('button.act-comment')]);
	check((await page.textContent('.comment-list')).includes(said),
	    'the comment is shown, as text');
	check(await page.$('.comment-list b') === null,
	    'the comment\'s markup is not markup');
	check((await page.textContent('#counts')).includes('1 comment '),
	    'the comment counts');
	await page.screenshot({ path: path.join(shots, 'design-social.png'),
	    fullPage: true });

	// The zip, through the browser's own download.
	const [dl] = await Promise.all([
		page.waitForEvent('download'),
		page.click('a[href$="/design.zip"]'),
	]);
	await dl.saveAs(path.join(downloads, 'models.zip'));
	check(fs.statSync(path.join(downloads, 'models.zip')).size > 0,
	    'zip downloaded');

	// Library and status pages.
	await page.goto(url + '/l/' + d.lib);
	check((await page.textContent('#results')).includes('Model zoo'),
	    'library page lists its design');
	await page.screenshot({ path: path.join(shots, 'library.png'),
	    fullPage: true });
	await page.goto(url + '/status');
	check((await page.textContent('#status')).includes(
	    url.replace('http://', '')), 'status page shows the web address');
	await page.screenshot({ path: path.join(shots, 'status.png'),
	    fullPage: true });

	// A form on another origin posting to the node is refused.
	const evil = await ctx.newPage();
	await evil.goto('about:blank');
	await evil.setContent(`<form method="post" action="${url}/act/follow">
	    <input name="token" value="guess"><button>go</button></form>`);
	const [resp] = await Promise.all([
		evil.waitForNavigation(),
		evil.click('button'),
	]);
	check(resp.status() === 403, 'a cross-origin form POST is refused (' +
	    resp.status() + ')');
	check(errors.filter((e) => !e.includes('favicon')).length === 0,
	    'no page errors: ' + JSON.stringify(errors));
} catch (e) {
	const errors = globalThis.errors || [];
	if (!failed)
		console.error('FAIL: ' + e.stack + '\npage errors: ' +
		    JSON.stringify(errors));
	failed = true;
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);

// Drives the real `tl view` page in headless Chromium (playwright-core, Debian's chromium):
// session list → session timeline → step detail, keyboard navigation, the stats panel, search,
// and the live tail receiving steps that `tl hook claude-code` appends while the page is open.
// Run by crates/tl/tests/it/view.rs, which starts the server on a sandbox TL_HOME and passes:
//   TL_VIEW_URL      the URL `tl view` printed (with its token)
//   TL_PLAYWRIGHT    the node_modules directory holding playwright-core
//   TL_CHROMIUM      the browser (default /usr/bin/chromium)
//   TL_BIN           the tl binary, TL_APPEND a file of hook payloads to append during the test
//   TL_CLAUDE_ID     the Claude Code session's id, TL_USAGE_ID a session with token usage
//   TL_SCREENSHOTS   where to save a PNG of each page
// Exits non-zero with the failed check's message; prints one line per check that passed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const require = createRequire(join(env('TL_PLAYWRIGHT'), 'noop.js'));
const { chromium } = require('playwright-core');
const url = env('TL_VIEW_URL');
const shots = env('TL_SCREENSHOTS');
const claude = env('TL_CLAUDE_ID');
const usageId = env('TL_USAGE_ID');
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.TL_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
const problems = [];
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
const ok = (what) => console.log(`ok: ${what}`);
const shot = async (name) => page.screenshot({ path: join(shots, `${name}.png`) });
const rowText = (sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent));

try {
  // 1. The session list.
  await page.goto(url);
  await page.waitForSelector(`#sessions tr[data-id="${claude}"]`);
  const ids = await page.$$eval('#sessions tbody tr[data-id]', (trs) => trs.map((t) => t.dataset.id));
  assert.ok(ids.length >= 2, `at least two sessions listed, got ${ids.length}`);
  const claudeRow = await page.textContent(`#sessions tr[data-id="${claude}"]`);
  assert.match(claudeRow, /claude-code/);
  assert.match(claudeRow, /danger/, 'the Claude Code session shows its danger findings');
  assert.match(claudeRow, /shop/, 'the project is the last part of the cwd');
  ok(`session list shows ${ids.length} sessions`);
  // Sorting by steps puts the biggest first.
  await page.click('th[data-sort="steps"]');
  const steps = await page.$$eval('#sessions tbody tr[data-id] td:nth-child(6)', (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(steps, [...steps].sort((a, b) => Number(b.replace(/k$/, '000')) - Number(a.replace(/k$/, '000'))));
  await page.click('th[data-sort="started"]');
  ok('sorting by a column');
  // Filtering by agent.
  await page.selectOption('#f-agent', 'codex');
  await page.waitForFunction(() => [...document.querySelectorAll('#sessions tbody tr[data-id]')].every((t) => t.textContent.includes('codex')));
  await page.selectOption('#f-agent', '');
  await page.waitForSelector(`#sessions tr[data-id="${claude}"]`);
  ok('filter by agent');
  await shot('1-sessions');

  // 2. The session's timeline.
  await page.click(`#sessions tr[data-id="${claude}"]`);
  await page.waitForSelector('#timeline .row[data-seq]');
  await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live');
  const summaries = await rowText('#timeline .row[data-seq] .sum');
  for (const want of ['ls -la config/', 'rm config/secrets.yml', 'rm -rf build/']) {
    assert.ok(summaries.some((s) => s.includes(want)), `the timeline shows ${want}: ${summaries.join(' | ')}`);
  }
  assert.ok(!summaries.some((s) => s.includes('git push --force')), 'the push is not recorded yet');
  ok(`timeline shows ${summaries.length} steps`);
  await shot('2-session');

  // Keyboard: n jumps to the first finding and opens it; Esc closes it.
  await page.keyboard.press('n');
  await page.waitForSelector('#detail .finding');
  assert.match(page.url(), new RegExp(`#/s/${claude}/\\d+$`));
  const firstFlag = Number(page.url().split('/').pop());
  await page.keyboard.press('n');
  await page.waitForFunction((seq) => Number(location.hash.split('/').pop()) > seq, firstFlag);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'hidden' });
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail .dhead h2');
  ok('keyboard: n, Esc, j, Enter');

  // 3. A step in full: the command, its findings, the raw payload.
  const rm = await page.$('#timeline .row[data-seq]:has-text("rm -rf build/")');
  await rm.click();
  await page.waitForSelector('#detail #findings');
  const detail = await page.textContent('#detail');
  assert.match(detail, /dangerous-rm-rf/);
  assert.match(detail, /rm -rf build\//);
  assert.match(detail, /raw payload/);
  const seq = Number(page.url().split('/').pop());
  ok(`step #${seq} shows the command and its finding`);
  await shot('3-step');
  // A write shows its change as a diff.
  await (await page.$('#timeline .row[data-seq]:has-text("app.yml") >> nth=-1')).click();
  await page.waitForSelector('#detail pre.diff .add');
  ok('a write shows its diff');
  await shot('3b-step-write');
  // The step's URL is a link: loading it opens the same step.
  await page.goto(`${url.split('#')[0]}#/s/${claude}/${seq}`);
  await page.waitForSelector('#detail #findings');
  assert.match(await page.textContent('#detail h2'), /rm -rf build\//);
  ok('a step has its own URL');

  // 4. The stats panel of a session with token usage.
  await page.goto(`${url.split('#')[0]}#/s/${usageId}`);
  await page.waitForSelector('#timeline .row[data-seq]');
  await page.keyboard.press('s');
  await page.waitForSelector('#stats svg.chart');
  const bars = await page.$$eval('#stats svg.chart rect', (r) => r.length);
  assert.ok(bars > 0, 'the usage chart has bars');
  assert.ok((await page.$$('#stats .bars .bar')).length > 0, 'steps by kind');
  ok(`stats: steps by kind and a usage chart of ${bars} bars`);
  await shot('4-stats');

  // 5. Search, with the syntax of `tl search`.
  await page.keyboard.press('/');
  await page.keyboard.type('secrets.yml');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#hits .hit');
  const hits = await rowText('#hits .hit');
  assert.ok(hits.some((h) => h.includes('rm config/secrets.yml')), `search finds the rm: ${hits.join(' | ')}`);
  assert.ok(hits.some((h) => /Read|secrets\.yml/.test(h)), 'and the read');
  assert.ok((await page.$$('#hits mark')).length > 0, 'matches are highlighted');
  ok(`search finds ${hits.length} steps`);
  await shot('5-search');
  await page.click('#hits .hit:has-text("rm config/secrets.yml")');
  await page.waitForSelector('#detail .dhead h2');
  assert.match(await page.textContent('#detail .dhead h2'), /rm config\/secrets\.yml/);
  ok('a hit opens its step');
  await page.goto(`${url.split('#')[0]}#/search?q=${encodeURIComponent('kind:SHELL_EXEC severity:danger')}`);
  await page.waitForSelector('#hits .hit');
  const danger = await page.$$eval('#hits .hit', (els) => els.map((e) => [e.className, e.querySelector('.kind').title]));
  assert.ok(danger.length >= 3 && danger.every(([cls, kind]) => cls.includes('danger') && kind === 'SHELL_EXEC'), JSON.stringify(danger));
  ok('field filters');

  // 6. The live tail: steps appended now appear without a reload.
  await page.goto(`${url.split('#')[0]}#/s/${claude}`);
  await page.waitForSelector('#timeline .row[data-seq]');
  await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live');
  const before = (await page.$$('#timeline .row[data-seq]')).length;
  for (const line of readFileSync(env('TL_APPEND'), 'utf8').split('\n').filter(Boolean)) {
    execFileSync(env('TL_BIN'), ['hook', 'claude-code'], { input: line, env: process.env });
  }
  await page.waitForSelector('#timeline .row[data-seq]:has-text("git push --force")', { timeout: 15000 });
  const after = (await page.$$('#timeline .row[data-seq]')).length;
  assert.ok(after > before, `rows ${before} → ${after}`);
  ok(`live: ${after - before} new steps appeared`);
  await page.waitForTimeout(300);
  await shot('6-live');

  assert.deepEqual(problems, [], 'no errors in the page');
  console.log('browser: all checks passed');
} catch (e) {
  await shot('failure').catch(() => {});
  console.error(`FAILED: ${e.stack || e}`);
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}

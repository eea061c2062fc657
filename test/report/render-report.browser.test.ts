// The report in a real browser (Debian's chromium, driven by playwright-core):
// it loads offline without console errors, every chart draws, and a hostile
// course title is shown as text. Skipped on a machine without chromium unless
// CI=true, where a missing browser is a failure.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/render-report';
import { HOSTILE_TITLE, chartsFixture, studyFixture } from './fixture';

const CHROMIUM = '/usr/bin/chromium';
const required = process.env.CI === 'true';

describe.skipIf(!existsSync(CHROMIUM) && !required)('renderReport in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is required when CI=true (apt-get install chromium)`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'trainlift-report-'));
    file = join(dir, 'report.html');
    writeFileSync(file, renderReport(studyFixture(), { charts: chartsFixture() }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads offline with no console errors, draws every chart and shows the hostile title as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const drawn = chartsFixture().filter((c) => c.groupSize === undefined).length;
    const divs = page.locator('div.trainlift-plot');
    await expect.poll(() => divs.count()).toBe(drawn);
    for (let i = 0; i < drawn; i++) {
      // Plotly draws most traces as a <g class="trace"> inside its <svg class="main-svg">;
      // a Sankey as its nodes, a heat map as a <g class="hm">.
      await divs.nth(i).locator('svg.main-svg').first().waitFor({ state: 'attached', timeout: 15_000 });
      const traces = await divs.nth(i).locator('svg.main-svg g.trace, svg.main-svg g.sankey-node, svg.main-svg g.hm').count();
      expect(traces, `chart ${i + 1} has no trace drawn`).toBeGreaterThan(0);
    }

    const shownTitle = await page.locator('.card h3').filter({ hasText: 'window.__pwned' }).first().textContent();
    expect(shownTitle).toBe(HOSTILE_TITLE);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    if (process.env.REPORT_SCREENSHOT) {
      await page.screenshot({ path: process.env.REPORT_SCREENSHOT, fullPage: true });
    }
    await page.close();
  });
});

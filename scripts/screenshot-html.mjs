#!/usr/bin/env node
// Screenshots an HTML file (a study report, an exported notebook) in headless
// Chromium, page by page, to check by eye that it renders and its charts draw:
//   node scripts/screenshot-html.mjs reports/demo.html /tmp/demo   # → /tmp/demo-0.png, -1.png, …
//   PDF=1 node scripts/screenshot-html.mjs reports/demo.html /tmp/demo   # also /tmp/demo.pdf (print CSS)
//   PRINT=1 …   # screenshots with the print stylesheet applied
// Console errors in the page, and charts that drew nothing, are printed and
// make the exit code 1.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [file, prefix = '/tmp/screenshot'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/screenshot-html.mjs FILE.html [OUT_PREFIX]');
  process.exit(2);
}
const width = 1200;
const pageHeight = 1500;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width, height: pageHeight } });
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  if (process.env.PRINT) await page.emulateMedia({ media: 'print' });
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
  await page.waitForTimeout(1500);
  const charts = await page.evaluate(() => {
    const divs = [...document.querySelectorAll('div.trainlift-plot')];
    // What a drawn trace leaves in the SVG: most types a g.trace; Sankey and heat maps their own groups.
    const drawn = 'svg.main-svg g.trace, svg.main-svg g.sankey-node, svg.main-svg g.hm, svg.main-svg g.slice';
    return { total: divs.length, drawn: divs.filter((d) => d.querySelector(drawn)).length };
  });
  if (charts.drawn < charts.total) errors.push(`${charts.total - charts.drawn} of ${charts.total} charts drew no trace`);
  console.log(`charts: ${charts.drawn} of ${charts.total} drawn`);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const shots = [];
  for (let y = 0, i = 0; y < height; y += pageHeight, i++) {
    const path = `${prefix}-${i}.png`;
    await page.screenshot({ path, fullPage: true, clip: { x: 0, y, width, height: Math.min(pageHeight, height - y) } });
    shots.push(path);
  }
  console.log(`${height}px tall → ${shots.join(' ')}`);
  if (process.env.PDF) {
    await page.pdf({ path: `${prefix}.pdf`, format: 'A4', printBackground: true });
    console.log(`print version → ${prefix}.pdf`);
  }
} finally {
  await browser.close();
}
if (errors.length) {
  console.error(`console errors:\n  ${errors.join('\n  ')}`);
  process.exit(1);
}

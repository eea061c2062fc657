// The report's stylesheet: one readable column, verdict cards, tables with
// right-aligned tabular numbers, and print rules that keep a chart, a card or
// a table row on one page.

/**
 * CSS embedded in every report.
 *
 * @example
 * `<style>${REPORT_CSS}</style>`
 */
export const REPORT_CSS = `
:root {
  --ink: #1d2430; --muted: #5b6573; --rule: #dde2e8; --panel: #f6f8fa; --accent: #1f5fa8;
  --good: #1b7f4b; --good-bg: #e6f4ec; --none: #5b6573; --none-bg: #eef1f4;
  --early: #8a5a00; --early-bg: #fdf3dc; --split: #7a3fa0; --split-bg: #f3eafa;
  --bad: #b42318; --bad-bg: #fdecea;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
}
main { max-width: 1160px; margin: 0 auto; padding: 32px 40px 48px; }
header.report-header { border-bottom: 3px solid var(--accent); padding-bottom: 18px; margin-bottom: 8px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--accent); font-weight: 600; margin: 0 0 4px; }
h1 { font-size: 28px; line-height: 1.25; margin: 0 0 10px; font-weight: 650; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--rule); font-weight: 620; }
h3 { font-size: 16px; margin: 24px 0 8px; font-weight: 620; }
p { margin: 0 0 10px; }
.question { font-size: 16px; color: var(--ink); max-width: 60em; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
nav.toc { font-size: 13px; color: var(--muted); margin: 14px 0 0; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 14px; white-space: nowrap; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 18px 0 6px; }
.fact { background: var(--panel); border-radius: 8px; padding: 10px 14px; }
.fact .value { white-space: nowrap; font-size: 21px; font-weight: 650; font-variant-numeric: tabular-nums; }
.fact .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--rule); border-left: 5px solid var(--none); border-radius: 8px; padding: 14px 16px; background: #fff; }
.card h3 { margin: 0 0 2px; font-size: 16px; }
.card .course-id { font-size: 12px; color: var(--muted); font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.badge { display: inline-block; font-size: 12px; font-weight: 650; padding: 2px 10px; border-radius: 999px; margin: 8px 0 8px; }
.card dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 8px 0 0; font-size: 14px; }
.card dt { color: var(--muted); }
.card dd { margin: 0; font-variant-numeric: tabular-nums; min-width: 0; overflow-wrap: anywhere; }
.v-effective { border-left-color: var(--good); } .v-effective .badge { color: var(--good); background: var(--good-bg); }
.v-none { border-left-color: var(--none); } .v-none .badge { color: var(--none); background: var(--none-bg); }
.v-early { border-left-color: var(--early); } .v-early .badge { color: var(--early); background: var(--early-bg); }
.v-split { border-left-color: var(--split); } .v-split .badge { color: var(--split); background: var(--split-bg); }
.v-harmful { border-left-color: var(--bad); } .v-harmful .badge { color: var(--bad); background: var(--bad-bg); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 6px 0 14px; }
caption { text-align: left; color: var(--muted); font-size: 13px; padding: 0 0 6px; caption-side: top; }
th, td { padding: 6px 9px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { white-space: nowrap; text-align: left; font-weight: 620; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; border-bottom: 2px solid var(--rule); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
tr.group-start td { border-top: 2px solid var(--rule); }
tr.recommended td { background: #f3f8fe; }
td.suppressed { color: var(--muted); font-style: italic; }
.yes { color: var(--good); font-weight: 600; } .no { color: var(--bad); font-weight: 600; }
details > summary { cursor: pointer; font-weight: 600; margin: 0.6em 0; }
@media print { details { display: block; } details > summary { list-style: none; } }
.sev-error { color: var(--bad); font-weight: 650; } .sev-warning { color: var(--early); font-weight: 650; }
figure.chart { margin: 12px 0 22px; border: 1px solid var(--rule); border-radius: 8px; padding: 8px 8px 4px; }
figure.chart figcaption { font-size: 13px; color: var(--muted); padding: 4px 8px 6px; }
.notice { background: var(--panel); border-radius: 8px; padding: 10px 14px; font-size: 14px; margin: 12px 0 22px; }
ul.notes { padding-left: 20px; } ul.notes li { margin-bottom: 6px; }
footer.repro { margin-top: 48px; padding-top: 14px; border-top: 1px solid var(--rule); font-size: 12px; color: var(--muted); }
footer.repro table { font-size: 12px; }
footer.repro td, footer.repro th { padding: 3px 8px; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav.toc, .modebar-container { display: none !important; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  .card, figure.chart, .fact, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  .cards { grid-template-columns: 1fr 1fr; }
}
`;

/**
 * `moe report`: one self-contained HTML file for a curation run, a training run, or both. The
 * Vega runtime (from the `vega` package) and the compiled chart specifications are inlined, and
 * the page's Content-Security-Policy forbids every network request, so it opens offline and
 * reveals nothing when opened.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { exists, readTextSync, writeFileAtomic } from '../io/files.js';
import { type Chart, curateCharts, trainCharts } from './charts.js';
import {
  type CurateData,
  collectCurate,
  collectTrain,
  isCurateRun,
  isTrainRun,
  type Sample,
  type TrainData,
} from './collect.js';

/** The page's mark: a file without it at the output path is not replaced. */
export const GENERATOR = '<meta name="generator" content="moe report">';

let vegaSource: string | undefined;
function vegaRuntime(): string {
  if (vegaSource === undefined) {
    const require = createRequire(import.meta.url);
    // the package's exports name only its module build; its folder also holds the minified UMD build
    const file = join(dirname(require.resolve('vega')), 'vega.min.js');
    vegaSource = readTextSync(file).replace(/<\/script/gi, '<\\/script');
  }
  return vegaSource;
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** JSON inside a `<script>` element: `<` escaped so no string can end the element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');
const fmt = (n: number): string => n.toLocaleString('en-US');

function figure(c: Chart): string {
  return `<figure data-chart="${esc(c.name)}"><h3>${esc(c.title)}</h3><div class="chart"></div><figcaption>${esc(c.caption)}</figcaption></figure>`;
}

function samplesTable(rows: Sample[], withReason: boolean): string {
  if (!rows.length) return '<p class="muted">none</p>';
  const head = withReason ? '<th>filter · reason</th><th>measured</th>' : '';
  const body = rows
    .map((s) => {
      const reason = withReason
        ? `<td>${esc(`${s.filter} · ${s.reason}`)}</td><td>${s.value === null || s.value === undefined ? '' : esc(String(Math.round(s.value * 1e4) / 1e4))}</td>`
        : '';
      return `<tr><td><code>${esc(s.id)}</code><br><span class="muted">${esc(s.source)}${s.language ? ` · ${esc(s.language)}` : ''}</span></td>${reason}<td><pre>${esc(s.text)}</pre></td></tr>`;
    })
    .join('');
  return `<table><thead><tr><th>document</th>${head}<th>text (start)</th></tr></thead><tbody>${body}</tbody></table>`;
}

function curateSection(d: CurateData, charts: Chart[]): string {
  const byName = new Map(charts.map((c) => [c.name, c]));
  const fig = (n: string): string => (byName.has(n) ? figure(byName.get(n)!) : '');
  const clusters = d.largestClusters.length
    ? `<table><thead><tr><th>kept document</th><th>copies</th><th>Jaccard</th><th>a removed copy</th></tr></thead><tbody>${d.largestClusters
        .map(
          (c) =>
            `<tr><td><code>${esc(c.kept)}</code></td><td>${c.size}</td><td>${c.jaccard === null ? '' : c.jaccard.toFixed(3)}</td><td><code>${esc(c.removed)}</code><pre>${esc(c.text)}</pre></td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted">no duplicates</p>';
  const problems = d.problemCount
    ? `<details><summary>${fmt(d.problemCount)} input problem${d.problemCount === 1 ? '' : 's'} (files skipped or partly read)</summary><ul>${d.problems.map((p) => `<li><code>${esc(p.path)}</code>: ${esc(p.reason)}</li>`).join('')}</ul></details>`
    : '';
  return `<section id="curate"><h2>Curation: ${esc(d.name)}</h2><p class="muted">${esc(d.dir)}</p>${problems}
${fig('funnel')}${fig('filters')}${fig('mix')}${fig('clusters')}
<h3>Largest duplicate clusters</h3>${clusters}
${fig('tokens')}
<h3>Rejected documents, by reason</h3>${samplesTable(d.rejected, true)}
<h3>Kept documents</h3>${samplesTable(d.kept, false)}</section>`;
}

function trainSection(d: TrainData, charts: Chart[]): string {
  const facts = [
    d.last ? `step ${fmt(d.last.step)}${d.steps ? ` of ${fmt(d.steps)}` : ''}` : 'no step logged yet',
    d.last ? `training loss ${d.last.loss.toFixed(4)}` : '',
    d.last?.val_loss !== null && d.last?.val_loss !== undefined ? `validation loss ${d.last.val_loss.toFixed(4)}` : '',
    d.best ? `best validation ${d.best.val_loss.toFixed(4)} at step ${fmt(d.best.step)}` : '',
  ].filter(Boolean);
  const events = d.events.length
    ? `<p>${d.events.map((e) => `step ${e.step}: ${esc(String(e.event))}`).join('; ')}</p>`
    : '';
  const cks = d.checkpoints.length
    ? `<p>Checkpoints: ${d.checkpoints.map((c) => `<code>${esc(c)}</code>`).join(', ')}</p>`
    : '';
  return `<section id="train"><h2>Training</h2><p class="muted">${esc(d.dir)}</p><p>${esc(facts.join('; '))}</p>${events}${cks}
${charts.map(figure).join('\n')}</section>`;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:980px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em;margin:1.4em 0 .4em}
figure{margin:1em 0 2em}figcaption,.muted{color:#666;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.88em}td,th{border:1px solid #ddd;padding:.3em .5em;vertical-align:top;text-align:left}
pre{white-space:pre-wrap;margin:0;max-height:9em;overflow:auto;font-size:.92em}code{font-size:.92em}`;

const BOOT = `(async () => {
  const specs = JSON.parse(document.getElementById('moe-specs').textContent);
  const failed = [];
  for (const [name, spec] of Object.entries(specs)) {
    const el = document.querySelector('[data-chart="' + name + '"] .chart');
    try {
      await new vega.View(vega.parse(spec), { renderer: 'svg', container: el, hover: true }).runAsync();
    } catch (e) {
      failed.push(name);
      el.textContent = 'This chart could not be drawn: ' + e.message;
    }
  }
  document.body.dataset.charts = failed.length ? 'failed: ' + failed.join(', ') : 'ready';
})();`;

export interface ReportResult {
  out: string;
  charts: string[];
}

/** Writes the report of `runs` (curation and/or training run folders) to `out`. */
export async function writeReport(runs: string[], out: string): Promise<ReportResult> {
  const sections: string[] = [];
  const charts: Chart[] = [];
  let title = 'moe report';
  for (const run of runs) {
    if (await isCurateRun(run)) {
      const d = await collectCurate(run);
      const c = curateCharts(d);
      sections.push(curateSection(d, c));
      charts.push(...c);
      title = `moe report: ${d.name}`;
    } else if (await isTrainRun(run)) {
      const d = await collectTrain(run);
      const c = trainCharts(d);
      sections.push(trainSection(d, c));
      charts.push(...c);
    } else {
      throw new UserError(
        `${run} is neither a moe curate run (report.json with stages) nor a moe train run (metrics.jsonl)`,
        'pass the --out folder of moe curate or moe train',
      );
    }
  }
  if (await exists(out)) {
    const head = readTextSync(out).slice(0, 2000);
    if (!head.includes(GENERATOR))
      throw new UserError(
        `${out} exists and was not written by moe report`,
        'choose another --out; moe never overwrites files it did not write',
      );
  }
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
${GENERATOR}
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body data-charts="loading"><h1>${esc(title)}</h1>
${sections.join('\n')}
<script>${vegaRuntime()}</script>
<script type="application/json" id="moe-specs">${scriptJson(Object.fromEntries(charts.map((c) => [c.name, c.spec])))}</script>
<script>${BOOT}</script>
</body></html>
`;
  await writeFileAtomic(out, html);
  return { out, charts: charts.map((c) => c.name) };
}

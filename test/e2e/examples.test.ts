/**
 * Every example a user is shown runs as written: the `sh` blocks of the README and the examples
 * of every command's `--help`, in a scratch folder laid out like the repository (fixtures/,
 * configs/, bin/ linked; `moe` on the PATH), after the demo's own commands. Each must exit 0
 * without an internal error.
 *
 * Not run: `npm …` lines (the set-up commands, which CI itself runs) and the README's SLURM
 * script, a template for a cluster (`#SBATCH`, /data, /scratch).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { ROOT } from '../helpers.js';

/** The commands of the README's `sh` blocks, continuation lines joined, in order. */
function readmeCommands(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    const body = block[1]!;
    if (/^#SBATCH/m.test(body)) continue;
    for (const line of body.replace(/\\\n\s*/g, '').split('\n')) {
      const cmd = line.trim();
      if (cmd && !cmd.startsWith('#') && !cmd.startsWith('npm ')) out.push(cmd);
    }
  }
  return out;
}

/** Every command path (`['dedup', 'merge']`), depth first, in the order the program declares them. */
function commandPaths(cmd: CommandUnknownOpts, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

/** The `moe …` lines under "Example" in a command's help. */
function helpExamples(help: string): string[] {
  const at = help.search(/^Examples?\b/m);
  if (at < 0) return [];
  return help
    .slice(at)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('moe '));
}

/** Debian's Chromium, which .ci/run installs; the report's browser test is skipped without it. */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

describe('the demo, its report, and every example', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let demo = { status: -1 as number | null, stdout: '', stderr: '', seconds: 0 };
  const sh = (cmd: string) => spawnSync('bash', ['-c', cmd], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const run = (cmd: string): void => {
    const r = sh(cmd);
    expect(r.stderr, cmd).not.toMatch(/internal error/);
    expect(r.status, `${cmd}\n${r.stderr}`).toBe(0);
  };
  const demoCommands = (): string[] =>
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { demo: string } }).scripts.demo
      .split('&&')
      .map((c) => c.trim().replace(/^node bin\/moe /, 'moe '));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'moe-examples-'));
    for (const name of ['fixtures', 'corpus', 'configs', 'bin']) symlinkSync(join(ROOT, name), join(dir, name));
    mkdirSync(join(dir, 'shim'));
    writeFileSync(join(dir, 'shim/moe'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/moe')}" "$@"\n`);
    chmodSync(join(dir, 'shim/moe'), 0o755);
    env = { ...process.env, PATH: `${join(dir, 'shim')}:${process.env.PATH}`, FORCE_COLOR: '0' };
    // npm run demo, as a newcomer runs it (the examples read runs/demo and runs/demo-models)
    const t0 = Date.now();
    const outs = demoCommands().map(sh);
    demo = {
      status: outs.every((o) => o.status === 0) ? 0 : (outs.find((o) => o.status !== 0)?.status ?? -1),
      stdout: outs.map((o) => o.stdout).join(''),
      stderr: outs.map((o) => o.stderr).join(''),
      seconds: (Date.now() - t0) / 1000,
    };
  }, 600_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('npm run demo curates, trains a model that learns rather than memorises, prints a sample, a summary and the report', () => {
    expect(demo.stderr).not.toMatch(/internal error/);
    expect(demo.status, demo.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'runs/demo/demo.json'), 'utf8')) as {
      docs_in: number;
      docs_kept: number;
      tokens: { train: number; val: number };
      steps: number;
      val_loss: number;
      unigram_entropy: number;
      sample: string;
      report: string;
      input_problems: number;
    };
    // the broken fixtures are one line, not one warning each
    expect(demo.stderr.match(/^warning: /gm)?.length ?? 0).toBe(1);
    expect(demo.stderr).toMatch(/^warning: 8 input problems \(the first: /m);
    expect(summary.input_problems).toBe(8);
    expect(summary.docs_in).toBe(174);
    expect(summary.tokens.train).toBeGreaterThan(150_000);
    expect(summary.tokens.val).toBeGreaterThan(15_000);
    expect(summary.steps).toBe(400);
    // the unigram entropy of the validation split, computed here from the shard itself
    const bin = readFileSync(join(dir, 'runs/demo/shards/val_text_document.bin'));
    const ids = new Uint16Array(bin.buffer, bin.byteOffset, bin.length / 2);
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    let entropy = 0;
    for (const c of counts.values()) entropy -= (c / ids.length) * Math.log(c / ids.length);
    expect(summary.unigram_entropy).toBeCloseTo(entropy, 9);
    // it learned: well below the best context-free model of the very split it is scored on
    expect(summary.val_loss).toBeLessThan(entropy - 0.75);
    const metrics = readFileSync(join(dir, 'runs/demo/train/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; val_loss?: number });
    const vals = metrics.filter((m) => m.val_loss !== undefined);
    expect(vals.length).toBe(4);
    expect(vals.at(-1)!.val_loss!).toBeLessThan(vals[0]!.val_loss!);
    expect(vals.at(-1)!.val_loss!).toBeLessThan(entropy - 0.75);
    // what the user reads at the end
    expect(demo.stdout).toContain('Sample (prompt "The package manager"');
    expect(summary.sample.startsWith('The package manager')).toBe(true);
    expect(summary.sample.length).toBeGreaterThan('The package manager'.length + 40);
    expect(demo.stdout).toMatch(
      /^ {2}validation {2}\d\.\d{3} nats\/token .* a unigram model of the split scores \d\.\d{3}$/m,
    );
    expect(demo.stdout).toContain('report      runs/demo/report.html');
    expect(existsSync(join(dir, 'runs/demo/report.html'))).toBe(true);
  });

  it.skipIf(!CHROMIUM)(
    'the demo report draws every chart in headless Chromium and makes no network request',
    async () => {
      const { default: puppeteer } = await import('puppeteer-core');
      const browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      });
      try {
        const page = await browser.newPage();
        const requests: string[] = [];
        const errors: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.setViewport({ width: 1100, height: 900 });
        const url = `file://${join(dir, 'runs/demo/report.html')}`;
        await page.goto(url);
        await page.waitForFunction(() => document.body.dataset.charts !== 'loading', { timeout: 60_000 });
        const state = await page.evaluate(() => document.body.dataset.charts);
        expect(errors).toEqual([]);
        expect(state).toBe('ready');
        // data marks (not axes or legends) drawn in each chart
        const marks = await page.evaluate(() =>
          Object.fromEntries(
            [...document.querySelectorAll<HTMLElement>('[data-chart]')].map((f) => [
              f.dataset.chart,
              f.querySelectorAll('svg g.role-mark > path, svg g.role-mark > line').length,
            ]),
          ),
        );
        for (const name of [
          'funnel',
          'filters',
          'mix',
          'clusters',
          'tokens',
          'loss',
          'lr',
          'grad_norm',
          'throughput',
          'expert_load',
        ])
          expect(marks[name], name).toBeGreaterThan(0);
        // the expert-load heatmap: one cell per expert, logged step and MoE layer (4 × 40 × 1)
        expect(
          await page.evaluate(
            () => document.querySelectorAll('[data-chart="expert_load"] svg g.mark-rect.role-mark > path').length,
          ),
        ).toBe(160);
        // the samples of kept and rejected documents, with the measured value
        // the rendered text (table cells apart), which textContent is not
        // biome-ignore lint/performance/useDomNodeTextContent: innerText is what a reader sees
        expect(await page.evaluate(() => document.body.innerText)).toMatch(/c4 · curly_bracket\s+\d/);
        expect(requests).toEqual([url]);
        mkdirSync(join(ROOT, 'test-results'), { recursive: true });
        await page.screenshot({ path: join(ROOT, 'test-results/demo-report.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    },
    120_000,
  );

  it('every README and --help example runs as written (exit 0, no internal error)', () => {
    const readme = readmeCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(readme.length).toBeGreaterThanOrEqual(25);
    const done = new Set<string>(demoCommands());
    for (const cmd of readme) {
      run(cmd);
      done.add(cmd.replace(/\s+#.*$/, ''));
    }

    const program = createProgram();
    const paths = commandPaths(program);
    let examples = 0;
    for (const path of paths) {
      const help = spawnSync(process.execPath, [join(ROOT, 'bin/moe'), ...path, '--help'], { encoding: 'utf8' }).stdout;
      for (const cmd of helpExamples(help)) {
        examples += 1;
        const plain = cmd.replace(/\s+#.*$/, '');
        if (done.has(plain)) continue; // the same command as a README example, already run
        // the merge example needs its signature parts first, made as its help text says
        if (path.join(' ') === 'dedup merge')
          for (const i of [0, 1]) run(`moe dedup --in runs/demo/filter --shard ${i}/2 --out runs/sigs`);
        run(cmd);
        done.add(plain);
      }
    }
    // every command shows an example but the groups that only hold subcommands
    const without = paths.filter(
      (p) =>
        !helpExamples(spawnSync(process.execPath, [join(ROOT, 'bin/moe'), ...p, '--help'], { encoding: 'utf8' }).stdout)
          .length,
    );
    expect(without.map((p) => p.join(' '))).toEqual(['tokenizer', 'shards', 'lm', 'classifier', 'export']);
    expect(examples).toBeGreaterThan(15);
  }, 600_000);
});

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
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { ROOT, tmpDir } from '../helpers.js';

/** The commands of the README's `sh` blocks, continuation lines joined, in order. */
export function readmeCommands(markdown: string): string[] {
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
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

/** The `moe …` lines under "Example" in a command's help. */
export function helpExamples(help: string): string[] {
  const at = help.search(/^Examples?\b/m);
  if (at < 0) return [];
  return help
    .slice(at)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('moe '));
}

describe('examples', () => {
  it('every README and --help example runs as written (exit 0, no internal error)', () => {
    const dir = tmpDir();
    for (const name of ['fixtures', 'configs', 'bin']) symlinkSync(join(ROOT, name), join(dir, name));
    mkdirSync(join(dir, 'shim'));
    writeFileSync(join(dir, 'shim/moe'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/moe')}" "$@"\n`);
    chmodSync(join(dir, 'shim/moe'), 0o755);
    const env = { ...process.env, PATH: `${join(dir, 'shim')}:${process.env.PATH}`, FORCE_COLOR: '0' };
    const run = (cmd: string): void => {
      const r = spawnSync('bash', ['-c', cmd], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(r.stderr, cmd).not.toMatch(/internal error/);
      expect(r.status, `${cmd}\n${r.stderr}`).toBe(0);
    };
    // the demo's commands first: the examples read runs/demo and runs/demo-models
    const demo = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { demo: string } }).scripts.demo;
    for (const cmd of demo.split('&&')) run(cmd.trim().replace(/^node bin\/moe /, 'moe '));

    const readme = readmeCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(readme.length).toBeGreaterThanOrEqual(25);
    const done = new Set<string>();
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
        if (path.join(' ') === 'dedup merge') for (const i of [0, 1]) run(`moe dedup --in runs/demo/filter --shard ${i}/2 --out runs/sigs`);
        run(cmd);
        done.add(plain);
      }
    }
    // every command shows an example but the groups that only hold subcommands
    const without = paths.filter((p) => !helpExamples(spawnSync(process.execPath, [join(ROOT, 'bin/moe'), ...p, '--help'], { encoding: 'utf8' }).stdout).length);
    expect(without.map((p) => p.join(' '))).toEqual(['tokenizer', 'shards', 'lm', 'classifier', 'export']);
    expect(examples).toBeGreaterThan(15);
  }, 600_000);
});

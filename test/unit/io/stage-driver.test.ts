import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { taskModule } from '../../../src/core/pool.js';
import type { Stage, StageContext } from '../../../src/core/stage-contract.js';
import { StagePlan } from '../../../src/core/stage.js';
import type { StatsData } from '../../../src/core/stats.js';
import { runStage } from '../../../src/io/stage-dir.js';
import { tmpDir } from '../../helpers.js';

type WordsTask = typeof import('./fixtures/words-task.js').runTask;

/** A stage that writes the workers' words, one per line, into `words.txt`. */
class WordsStage implements Stage<WordsTask, { words: number; file: string }> {
  readonly name = 'words';
  readonly module = taskModule<WordsTask>(new URL('./fixtures/words-task.ts', import.meta.url));
  readonly workers = 2;
  readonly calls: string[] = [];
  readonly written: string[] = [];
  results: number[] = [];

  constructor(
    readonly fingerprint: string,
    private readonly opts: { failAt?: string; ownStats?: boolean } = {},
  ) {}

  open(ctx: StageContext): void {
    this.calls.push(`open:${ctx.dir ? 'dir' : 'dry'}`);
    ctx.stats.count('opened');
  }
  init(): { suffix: string } {
    return { suffix: '!' };
  }
  tasks(): string[][] {
    return [['a', 'bb'], ['ccc'], [], ['dddd', 'e']];
  }
  write(item: string, ctx: StageContext): void {
    if (item === this.opts.failAt) throw new Error(`cannot write ${item}`);
    this.written.push(item);
    if (item === 'CCC!') ctx.mark('third_seconds');
  }
  onTaskDone(result: number): void {
    this.results.push(result);
  }
  get onTaskStats(): ((s: StatsData, ctx: StageContext) => void) | undefined {
    if (!this.opts.ownStats) return undefined;
    return (s, ctx) => ctx.stats.count('own_words', s.counts.words ?? 0);
  }
  async close(ctx: StageContext): Promise<{ words: number; file: string }> {
    this.calls.push('close');
    if (ctx.dir) writeFileSync(join(ctx.dir, 'words.txt'), `${this.written.join('\n')}\n`);
    return { words: this.written.length, file: 'words.txt' };
  }
  dispose(): void {
    this.calls.push('dispose');
  }
}

describe('runStage (the driver of every stage)', () => {
  it('runs the pool in task order, merges stats, times, and writes the folder with its report', async () => {
    const out = join(tmpDir(), 'words');
    const stage = new WordsStage('fp1');
    const { report, skipped } = await runStage(stage, { out, silent: true });
    expect(skipped).toBe(false);
    expect(stage.written).toEqual(['A!', 'BB!', 'CCC!', 'DDDD!', 'E!']);
    expect(stage.results).toEqual([2, 1, 0, 2]);
    expect(stage.calls).toEqual(['open:dir', 'close', 'dispose']);
    expect(readFileSync(join(out, 'words.txt'), 'utf8')).toBe('A!\nBB!\nCCC!\nDDDD!\nE!\n');
    expect(report).toMatchObject({ stage: 'words', fingerprint: 'fp1', tool_version: '0.1.0', words: 5 });
    expect(report.stats.counts).toEqual({ opened: 1, bytes_in: 11, words: 5 });
    expect(Object.keys(report.timing)).toEqual(['seconds', 'third_seconds', 'workers']);
    expect(report.timing.workers).toBe(2);
    expect(report.timing.third_seconds).toBeLessThanOrEqual(report.timing.seconds);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(report);
    expect(readdirSync(join(out, '..')).sort()).toEqual(['words']);
  });

  it('skips a folder complete for the fingerprint, and runs it again for another', async () => {
    const out = join(tmpDir(), 'words');
    await runStage(new WordsStage('fp1'), { out, silent: true });
    const again = new WordsStage('fp1');
    const second = await runStage(again, { out, silent: true });
    expect(second.skipped).toBe(true);
    expect(again.calls).toEqual([]);
    expect(second.report.words).toBe(5);
    const changed = new WordsStage('fp2');
    expect((await runStage(changed, { out, silent: true })).skipped).toBe(false);
    expect(changed.calls).toEqual(['open:dir', 'close', 'dispose']);
    const plan = await runStage(new WordsStage('fp3'), { out, plan: true, silent: true }).catch((e: unknown) => e);
    expect(plan).toBeInstanceOf(StagePlan);
    expect((plan as StagePlan).why).toBe('its input or settings changed');
  });

  it('without out, runs dry: the same report, nothing written', async () => {
    const stage = new WordsStage('fp1');
    const { report, skipped } = await runStage(stage, { silent: true });
    expect(skipped).toBe(false);
    expect(stage.calls).toEqual(['open:dry', 'close', 'dispose']);
    expect(report.words).toBe(5);
    expect(report.stats.counts.words).toBe(5);
  });

  it("a stage's own onTaskStats replaces the merge", async () => {
    const { report } = await runStage(new WordsStage('fp1', { ownStats: true }), { silent: true });
    expect(report.stats.counts).toEqual({ opened: 1, own_words: 5 });
  });

  it('a failing write leaves no folder and no temporary one, and the stage is disposed', async () => {
    const root = tmpDir();
    const out = join(root, 'words');
    const stage = new WordsStage('fp1', { failAt: 'CCC!' });
    await expect(runStage(stage, { out, silent: true })).rejects.toThrow('cannot write CCC!');
    expect(stage.written).toEqual(['A!', 'BB!']);
    expect(stage.calls).toEqual(['open:dir', 'dispose']);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });
});

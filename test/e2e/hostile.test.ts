import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { docsOf, FIXTURES, moe, tmpDir } from '../helpers.js';

const BIN = join(import.meta.dirname, '../../bin/moe');

/** `bytes` zero bytes, gzipped, streamed to `path` (a decompression bomb with no newline). */
async function zeroBomb(path: string, bytes: number): Promise<void> {
  const chunk = Buffer.alloc(1 << 20);
  async function* zeros(): AsyncGenerator<Buffer> {
    for (let left = bytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  await pipeline(Readable.from(zeros()), createGzip({ level: 1 }), createWriteStream(path));
}

/** `moe ARGS` under /usr/bin/time when there is one: exit code, stdout, stderr, peak RSS in KiB. */
function moeMeasured(args: string[]): { code: number; stdout: string; stderr: string; rssKb?: number } {
  const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'MOE_RSS %M'] : [];
  const cmd = [...time, process.execPath, BIN, ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26 });
  const rss = /MOE_RSS (\d+)/.exec(r.stderr ?? '');
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ...(rss ? { rssKb: Number(rss[1]) } : {}) };
}

describe('hostile input: bounded memory', () => {
  it('a gzip bomb of 1 GiB of zeros as JSONL: skipped as it streams, reported with its path, the good input beside it kept', async () => {
    const dir = tmpDir();
    const bomb = join(dir, 'bomb.jsonl.gz');
    await zeroBomb(bomb, 1 << 30);
    const out = join(dir, 'o');
    const r = moeMeasured(['ingest', bomb, join(FIXTURES, 'web/docs.jsonl.gz'), '--out', out, '--quiet', '--json']);
    expect(r.code).toBe(0);
    expect((await docsOf(out)).map((d) => d.id)).toEqual([
      'docs.jsonl.gz#0',
      'docs.jsonl.gz#1',
      'docs.jsonl.gz#2',
      'docs.jsonl.gz#4',
    ]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.stats.counts['skipped.line_too_long']).toBe(1);
    expect(report.stats.errors).toEqual([
      { path: bomb, reason: `line 1: ${1 << 30} bytes, over ingest.web.maxLineBytes (67108864); skipped` },
    ]);
    // the whole line was 1 GiB; the process never held more than the 64 MiB limit of it
    if (r.rssKb !== undefined) expect(r.rssKb).toBeLessThan(600 * 1024);
  }, 120_000);

  it('a WARC whose one response record holds 1 GiB, and one whose gzip-encoded body inflates to 1 GiB: skipped without holding them', async () => {
    const dir = tmpDir();
    const http = (body: string, extra = ''): string =>
      `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n${extra}\r\n${body}`;
    const record = (block: Buffer | string, i: number, length = Buffer.byteLength(block)): string =>
      `WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://a.example/${i}\r\nWARC-Record-ID: <urn:uuid:${i}>\r\nContent-Length: ${length}\r\n\r\n`;
    const page = http(
      `<html><body><article><p>${'A real page of text after the huge one, with enough words in it to be an article paragraph. '.repeat(4)}</p></article></body></html>`,
    );
    // the huge record: its header says 1 GiB and a gigabyte of bytes follow, streamed into the gzip
    const huge = join(dir, 'huge.warc.gz');
    const head = http('<html><body><p>');
    const size = 1 << 30;
    async function* parts(): AsyncGenerator<Buffer> {
      yield Buffer.from(record('', 0, size) + head);
      const chunk = Buffer.alloc(1 << 20, 0x61);
      for (let left = size - Buffer.byteLength(head); left > 0; left -= chunk.length)
        yield left >= chunk.length ? chunk : chunk.subarray(0, left);
      yield Buffer.from(`\r\n\r\n${record(page, 1)}${page}\r\n\r\n`);
    }
    await pipeline(Readable.from(parts()), createGzip({ level: 1 }), createWriteStream(huge));
    // a small record whose body is gzip-encoded: 1 GiB once inflated
    const bombBody = await new Promise<Buffer>((resolve) => {
      const gz = createGzip({ level: 1 });
      const out: Buffer[] = [];
      gz.on('data', (c: Buffer) => out.push(c));
      gz.on('end', () => resolve(Buffer.concat(out)));
      const chunk = Buffer.alloc(1 << 20, 0x61);
      for (let i = 0; i < 1024; i++) gz.write(chunk);
      gz.end();
    });
    const bombBlock = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n'),
      bombBody,
    ]);
    const encoded = join(dir, 'encoded.warc');
    await pipeline(
      Readable.from([
        Buffer.from(record(bombBlock, 2)),
        bombBlock,
        Buffer.from(`\r\n\r\n${record(page, 3)}${page}\r\n\r\n`),
      ]),
      createWriteStream(encoded),
    );
    const out = join(dir, 'o');
    const r = moeMeasured(['ingest', huge, encoded, '--out', out, '--quiet', '--json']);
    expect(r.code).toBe(0);
    expect((await docsOf(out)).map((d) => d.id)).toEqual(['huge.warc.gz#1', 'encoded.warc#1']);
    expect(JSON.parse(r.stdout).counts['skipped.html_too_large']).toBe(2);
    if (r.rssKb !== undefined) expect(r.rssKb).toBeLessThan(600 * 1024);
  }, 180_000);
});

describe('hostile input: files that never end or hold nothing', () => {
  it('a FIFO or /dev/zero as input is refused at once, naming it (it was read forever)', () => {
    const dir = tmpDir();
    const fifo = join(dir, 'pipe.jsonl');
    const made = spawnSync('mkfifo', [fifo]);
    const inputs = made.status === 0 ? [fifo, '/dev/zero'] : ['/dev/zero'];
    for (const input of inputs) {
      const t0 = Date.now();
      const r = moe(['ingest', input, '--out', join(dir, 'o')]);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`moe: error: ${input} is not a regular file or folder`);
      expect(r.stderr).toContain('hint:');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a 0-byte part file is a data error naming it, as a truncated one is', () => {
    const dir = tmpDir();
    const stage = join(dir, 'ingest');
    mkdirSync(stage);
    writeFileSync(join(stage, 'part-00000.jsonl.gz'), '');
    const r = moe(['filter', '--in', stage, '--out', join(dir, 'f')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('part-00000.jsonl.gz is empty (0 bytes): a part file cut short');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('hostile input: a manifest naming files outside its run', () => {
  it('verify refuses a manifest listing an absolute path or a ../ path, and hashes nothing outside the run', () => {
    for (const file of ['/etc/passwd', '../../etc/passwd', 'ok/../../secret']) {
      const dir = tmpDir();
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ outputs: [{ file, sha256: '0'.repeat(64) }] }));
      const r = moe(['verify', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `manifest.json is not a valid manifest: it lists ${JSON.stringify(file)}, a path outside the run folder`,
      );
      expect(r.stderr).not.toContain('differs');
    }
  });
});

describe('user errors: --out naming a file', () => {
  it('every command that writes a folder refuses a file as --out (or a path under one), leaving the file as it was', async () => {
    const dir = tmpDir();
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'my notes');
    const stage = join(dir, 'ingest');
    expect(moe(['ingest', join(FIXTURES, 'web/docs.jsonl.gz'), '--out', stage, '--quiet']).code).toBe(0);
    const cases: string[][] = [
      ['ingest', join(FIXTURES, 'web'), '--out', file],
      ['ingest', join(FIXTURES, 'web'), '--out', join(file, 'sub')],
      ['filter', '--in', stage, '--out', file],
      ['dedup', '--in', stage, '--out', file, '--db', join(dir, 'dedup.sqlite')],
      ['curate', '--config', join(FIXTURES, '../configs/demo.yaml'), '--out', file],
      ['train', '--config', join(FIXTURES, '../configs/train-demo.yaml'), '--data', join(dir, 'shards'), '--out', file],
    ];
    for (const args of cases) {
      const r = moe(args);
      expect(r.code, args.join(' ')).toBe(1);
      const out = args[args.indexOf('--out') + 1]!;
      expect(r.stderr).toContain(
        `moe: error: --out ${out} ${out === file ? 'is a file, not a folder' : 'lies under a file, not a folder'}`,
      );
      expect(r.stderr).toContain('hint: name a new folder for --out');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readFileSync(file, 'utf8')).toBe('my notes');
    }
    expect(existsSync(join(dir, 'dedup.sqlite'))).toBe(false);
  });
});

/** sha256 of every file under `dir`, by relative path: a folder's exact state. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length + 1)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('never destroy what the user has', () => {
  it("curate into a folder of the user's own report.json, manifest.json, tokenizer.json and dedup.sqlite: exit 1, all four unchanged", () => {
    const dir = join(tmpDir(), 'mine');
    mkdirSync(dir);
    for (const f of ['report.json', 'manifest.json', 'tokenizer.json', 'dedup.sqlite'])
      writeFileSync(join(dir, f), `my own ${f}`);
    const before = snapshot(dir);
    const r = moe(['curate', '--config', join(FIXTURES, '../configs/demo.yaml'), '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--out ${dir} is not a moe curate run: it holds`);
    expect(snapshot(dir)).toEqual(before);
  });

  it('filter --in X --out X, and --out a folder holding --in: exit 1, the stage folder unchanged, rejected/ included', () => {
    const dir = tmpDir();
    const ingest = join(dir, 'ingest');
    const filter = join(dir, 'filter');
    expect(moe(['ingest', join(FIXTURES, 'web'), '--out', ingest, '--quiet']).code).toBe(0);
    expect(moe(['filter', '--in', ingest, '--out', filter, '--keep-rejected', '--quiet']).code).toBe(0);
    const before = snapshot(filter);
    expect(Object.keys(before).some((f) => f.startsWith('rejected/'))).toBe(true);
    for (const out of [filter, dir]) {
      const r = moe(['filter', '--in', filter, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`--out ${out} ${out === filter ? 'is' : 'holds'} the --in folder ${filter}`);
    }
    expect(snapshot(filter)).toEqual(before);
  });

  it('train into a folder that already holds files, without --resume: exit 1, the folder unchanged', () => {
    const dir = tmpDir();
    const out = join(dir, 'train');
    mkdirSync(join(out, 'checkpoints'), { recursive: true });
    writeFileSync(join(out, 'tokenizer.json'), 'the tokenizer of an earlier run');
    writeFileSync(join(out, 'metrics.jsonl'), '{"step":1}\n');
    const before = snapshot(out);
    // refused before the shards are read: no data is needed to see it
    const r = moe([
      'train',
      '--config',
      join(FIXTURES, '../configs/train-demo.yaml'),
      '--data',
      join(dir, 'shards'),
      '--out',
      out,
      '--backend',
      'wasm',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--out ${out} already holds files (an earlier training run?)`);
    expect(r.stderr).toContain('hint: pass --resume to continue that run');
    expect(snapshot(out)).toEqual(before);
  });
});

describe('user errors: values that were accepted silently', () => {
  it('refuses out-of-range and non-numeric values, naming the flag (exit 1, one line, no stack)', () => {
    const cases: Array<[string[], string]> = [
      [
        ['generate', '--checkpoint', 'x', '--prompt', 'hi', '--temperature', 'abc'],
        "option '--temperature <t>' argument 'abc' is invalid. expected a number in [0, ∞)",
      ],
      [
        ['generate', '--checkpoint', 'x', '--prompt', 'hi', '--temperature', '-1'],
        "option '--temperature <t>' argument '-1' is invalid",
      ],
      [
        ['generate', '--checkpoint', 'x', '--prompt', 'hi', '--top-p', '2'],
        "option '--top-p <p>' argument '2' is invalid. expected a number in (0, 1]",
      ],
      [
        ['generate', '--checkpoint', 'x', '--prompt', 'hi', '--seed', '1.5'],
        "option '--seed <n>' argument '1.5' is invalid",
      ],
      [
        ['dedup', '--in', 'x', '--out', 'y', '--db', 'z', '--threshold', '2'],
        "option '--threshold <j>' argument '2' is invalid",
      ],
      [
        ['dedup', '--in', 'x', '--out', 'y', '--db', 'z', '--threshold', '0.8', '--bands', '4'],
        "option '--threshold <j>' cannot be used with option '--bands <n>'",
      ],
      [['shards', 'inspect', 'x', '--doc', 'abc'], "option '--doc <n>' argument 'abc' is invalid"],
      [
        ['generate', '--checkpoint', 'x', '--prompt', 'hi', '--tokenizer', '/missing.json'],
        '--tokenizer /missing.json not found',
      ],
      [['ingest', join(FIXTURES, 'web/docs.jsonl.gz'), '--out', '-'], '--out - would make a folder named "-"'],
      [
        ['lm', 'train', '--in', join(FIXTURES, 'quality/clean-train.txt'), '--out', FIXTURES],
        `--out ${FIXTURES} is a folder; this command writes one file`,
      ],
      [
        [
          'classifier',
          'train',
          '--positive',
          join(FIXTURES, 'quality/clean-train.txt'),
          '--negative',
          join(FIXTURES, 'quality/junk-train.txt'),
          '--out',
          FIXTURES,
        ],
        `--out ${FIXTURES} is a folder; this command writes one file`,
      ],
      [
        [
          'tokenizer',
          'train',
          '--in',
          join(FIXTURES, 'quality/clean-train.txt'),
          '--vocab-size',
          '300',
          '--out',
          FIXTURES,
        ],
        `hint: name the file, e.g. --out ${join(FIXTURES, 'tokenizer.json')}`,
      ],
      [['filter', '--in', 'x', '--out', 'y', '--dry-run'], '--dry-run writes nothing, so --out would be ignored'],
      [
        [
          'train',
          '--config',
          join(FIXTURES, '../configs/train-demo.yaml'),
          '--data',
          'x',
          '--out',
          join(tmpDir(), 't'),
          '--max-steps',
          '99999',
        ],
        "--max-steps 99999 is beyond the run's 400 steps (train.steps)",
      ],
    ];
    for (const [args, message] of cases) {
      const r = moe(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('saying why', () => {
  it('tokenizer train says when the vocabulary stops short of --vocab-size', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'tiny.txt'), 'a b c\n\nd e f\n');
    const r = moe([
      'tokenizer',
      'train',
      '--in',
      join(dir, 'tiny.txt'),
      '--vocab-size',
      '32000',
      '--out',
      join(dir, 'tok.json'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'warning: the vocabulary stopped at 257 of the 32000 tokens asked for: no pair of tokens occurs 2 times or more',
    );
  });
});

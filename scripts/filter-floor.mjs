#!/usr/bin/env node
// Helper of `npm run bench` (filter_floor), run in a fresh process so V8 starts cold, as a
// `moe filter` run does. Prints one JSON line.
//
//   node scripts/filter-floor.mjs pool DIR WORKERS   moe's worker pool reading DIR's parts, with a
//       task that parses each chunk and judges nothing: starting the workers, gunzip, UTF-8, JSON
//   node scripts/filter-floor.mjs chain DIR          the default web chain over DIR's documents,
//       already parsed, in this thread: its first pass (cold, JIT warm-up included, as a worker
//       runs it) and its second (warm)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url);
// workers import this file for runTask and see the same argv: only the main thread runs a mode
const [mode, dir, workers] = isMainThread ? process.argv.slice(2) : [];

/** The task module's `runTask` (the pool imports this same file in its workers). */
// biome-ignore lint/correctness/useYield: the pool runs a generator; this task yields no batches, only a result
export async function* runTask(task) {
  const { parseChunk } = await import(new URL('io/jsonl.js', dist).href);
  return parseChunk(task).length;
}

// the V8 settings \`moe\` runs with
if (isMainThread) (await import(new URL('core/jit.js', dist).href)).tuneV8();

if (mode === 'pool') {
  const { orderedPool } = await import(new URL('core/pool.js', dist).href);
  const { readChunks } = await import(new URL('io/jsonl.js', dist).href);
  const t0 = performance.now();
  let docs = 0;
  for await (const ev of orderedPool({
    tasks: readChunks(dir),
    workers: +workers,
    module: { url: new URL(import.meta.url) },
    init: {},
  })) {
    if (ev.type === 'done') docs += ev.result;
  }
  console.log(JSON.stringify({ docs, seconds: (performance.now() - t0) / 1000 }));
} else if (mode === 'chain') {
  const { FilterSchema } = await import(new URL('config/filter-schema.js', dist).href);
  const { Chains } = await import(new URL('filter/chain.js', dist).href);
  const { resolveParams } = await import(new URL('filter/resolve.js', dist).href);
  const { StageStats } = await import(new URL('core/stats.js', dist).href);
  const docs = readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl.gz'))
    .flatMap((n) =>
      gunzipSync(readFileSync(join(dir, n)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    );
  const config = FilterSchema.parse({});
  const passes = [];
  for (let pass = 0; pass < 2; pass++) {
    const chains = new Chains({ config, params: resolveParams(config), models: {}, learned: {} });
    await chains.load(['web', 'arxiv', 'code']);
    const stats = new StageStats();
    const t0 = performance.now();
    for (const d of docs) chains.run(d, stats);
    passes.push({ seconds: (performance.now() - t0) / 1000, kept: stats.data.counts.docs_out ?? 0 });
  }
  const bytes = docs.reduce((a, d) => a + Buffer.byteLength(d.text), 0);
  console.log(
    JSON.stringify({
      docs: docs.length,
      bytes,
      cold_seconds: passes[0].seconds,
      warm_seconds: passes[1].seconds,
      kept: passes[1].kept,
    }),
  );
}

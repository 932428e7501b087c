import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilterSchema } from '../../../src/config/filter-schema.js';
import { paramsFor } from '../../../src/filter/chain.js';
import { C4_LINE_DEFAULTS } from '../../../src/filter/c4.js';
import { STEP_PARAMS } from '../../../src/filter/params.js';
import { resolveParams, stepParams } from '../../../src/filter/resolve.js';
import { STEPS } from '../../../src/filter/registry.js';
import { DATATROVE_DIALECT, MOE_DIALECT } from '../../../src/filter/types.js';

const config = FilterSchema.parse({
  web: {
    params: { 'gopher-quality': { minWords: 60 } },
    languages: { deu: { fineweb: { shortLineLength: 20 } }, und: { c4: { minSentences: 2 } } },
  },
  code: { languages: { Python: { code: { maxLineLength: 2000 } } } },
});

describe('parameters resolved on the main thread', () => {
  it('are what the schemas give, for every step, source and language', () => {
    for (const dialect of [MOE_DIALECT, DATATROVE_DIALECT]) {
      const resolved = resolveParams(config, dialect);
      for (const source of ['web', 'code', 'arxiv'] as const)
        for (const lang of ['eng', 'deu', 'und', 'cmn', 'jpn', 'Python', 'xyz'])
          for (const name of Object.keys(STEPS))
            expect(paramsFor(resolved, source, lang, name)).toEqual(stepParams(config, source, lang, name, dialect));
    }
  });
  it('carry the config, the language overrides and (in moe mode) the built-in language defaults', () => {
    const moe = resolveParams(config, MOE_DIALECT);
    expect(paramsFor(moe, 'web', 'eng', 'gopher-quality')).toMatchObject({ minWords: 60, minAvgWordLength: 3 });
    expect(paramsFor(moe, 'web', 'cmn', 'gopher-quality')).toMatchObject({ minWords: 60, minAvgWordLength: 1 });
    expect(paramsFor(moe, 'web', 'deu', 'fineweb')).toMatchObject({ shortLineLength: 20 });
    expect(paramsFor(moe, 'web', 'eng', 'fineweb')).toMatchObject({ shortLineLength: 30 });
    // a language of its own in the config does not leak into the others
    expect(paramsFor(moe, 'web', 'und', 'c4')).toMatchObject({ minSentences: 2 });
    expect(paramsFor(moe, 'web', 'eng', 'c4')).toMatchObject({ minSentences: 5 });
    expect(paramsFor(moe, 'code', 'Python', 'code')).toMatchObject({ maxLineLength: 2000 });
    expect(paramsFor(moe, 'code', 'Go', 'code')).toMatchObject({ maxLineLength: 1000 });
    expect(paramsFor(resolveParams(config, DATATROVE_DIALECT), 'web', 'cmn', 'gopher-quality')).toMatchObject({
      minAvgWordLength: 3,
    });
    // plain data: what a worker thread receives is what the main thread made
    expect(structuredClone(moe)).toEqual(moe);
  });
  it("c4's defaults for a chain without c4-lines are the schema's", () => {
    expect(C4_LINE_DEFAULTS).toEqual(STEP_PARAMS['c4-lines'].parse({}));
    expect(Object.keys(STEP_PARAMS).sort()).toEqual(Object.keys(STEPS).sort());
  });
});

describe('a filter worker thread', () => {
  it('loads no zod: nothing the filter task imports at run time imports it', () => {
    const root = join(import.meta.dirname, '../../../src');
    const seen = new Set<string>();
    const zod: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      // run-time imports (`import type` is erased), static and dynamic
      for (const m of source.matchAll(/^import (?!type )[^;]*?from '([^']+)';|import\('([^']+)'\)/gms)) {
        const spec = m[1] ?? m[2]!;
        if (spec === 'zod' || spec.startsWith('zod/')) zod.push(file);
        else if (spec.startsWith('.')) visit(normalize(join(dirname(file), spec.replace(/\.js$/, '.ts'))));
      }
    };
    visit(join(root, 'filter/task.ts'));
    expect(seen.size).toBeGreaterThan(30);
    expect(zod).toEqual([]);
    expect(seen.has(join(root, 'filter/params.ts'))).toBe(false);
  });
});

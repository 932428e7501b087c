import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySets, canonicalJson, loadConfig } from '../../../src/io/config-file.js';
import { CurateSchema } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/core/errors.js';
import { tmpDir } from '../../helpers.js';

function yamlFile(text: string): string {
  const f = join(tmpDir(), 'c.yaml');
  writeFileSync(f, text);
  return f;
}

describe('loadConfig', () => {
  it('fills defaults under the file and --set, in that order', async () => {
    const f = yamlFile('inputs: [a]\ningest:\n  code:\n    maxFileBytes: 500\n');
    const { config, hash } = await loadConfig(CurateSchema, f, [
      'ingest.code.maxFileBytes=700',
      'ingest.web.textField=content',
    ]);
    expect(config.ingest.code.maxFileBytes).toBe(700);
    expect(config.ingest.web.textField).toBe('content');
    expect(config.ingest.web.html.lengthLow).toBe(70);
    expect(config.ingest.source).toBe('auto');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
  it('names an unknown key and the file', async () => {
    const f = yamlFile('inputs: [a]\ningest:\n  code:\n    maxFilebytes: 5\n');
    await expect(loadConfig(CurateSchema, f)).rejects.toThrow(`${f}: unknown key "ingest.code.maxFilebytes"`);
    await expect(loadConfig(CurateSchema, f)).rejects.toBeInstanceOf(ConfigError);
  });
  it('names a value out of range, a wrong type and a missing key', async () => {
    await expect(
      loadConfig(CurateSchema, yamlFile('inputs: [a]\ningest:\n  web:\n    html:\n      maxLinkDensity: 2\n')),
    ).rejects.toThrow(/key "ingest\.web\.html\.maxLinkDensity"/);
    await expect(loadConfig(CurateSchema, yamlFile('inputs: [a]\ningest:\n  source: ftp\n'))).rejects.toThrow(
      /key "ingest\.source"/,
    );
    await expect(loadConfig(CurateSchema, yamlFile('name: x\n'))).rejects.toThrow(/key "inputs"/);
  });
  it('reports invalid YAML and an unreadable file', async () => {
    await expect(loadConfig(CurateSchema, yamlFile('inputs: [a\n'))).rejects.toThrow(/invalid YAML/);
    await expect(loadConfig(CurateSchema, '/nonexistent/c.yaml')).rejects.toThrow(
      'cannot read config /nonexistent/c.yaml',
    );
  });
  it('hashes equal configs equally whatever the key order', async () => {
    const a = await loadConfig(CurateSchema, yamlFile('inputs: [a]\nseed: 3\nname: n\n'));
    const b = await loadConfig(CurateSchema, yamlFile('name: n\nseed: 3\ninputs: [a]\n'));
    expect(a.hash).toBe(b.hash);
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });
});

describe('applySets', () => {
  it('parses values as YAML scalars and never mutates its input', () => {
    const raw = { a: { b: 1 } };
    expect(applySets(raw, ['a.b=2', 'a.c=true', 'd.e=[1, 2]', 'f=text'], 'x')).toEqual({
      a: { b: 2, c: true },
      d: { e: [1, 2] },
      f: 'text',
    });
    expect(raw).toEqual({ a: { b: 1 } });
    expect(() => applySets({}, ['novalue'], 'x')).toThrow(/bad --set/);
    expect(() => applySets({ a: 1 }, ['a.b=2'], 'x')).toThrow(/"a" is not a section/);
  });
});

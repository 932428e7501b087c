/**
 * The one config funnel: schema defaults < YAML file < `--set a.b=v` < explicit
 * flags. YAML and schema problems become `ConfigError`s naming the key and the file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { sha256Text } from './files.js';

/** `--set a.b=v` pairs applied on top of the file; values are parsed as YAML scalars. */
export function applySets(raw: Record<string, unknown>, sets: string[], origin: string): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(`bad --set "${s}"`, 'use --set key.path=value, e.g. --set ingest.code.maxFileBytes=500000');
    const path = s.slice(0, eq).split('.');
    let node: Record<string, unknown> = out;
    for (const key of path.slice(0, -1)) {
      const child = node[key];
      if (child === undefined) node[key] = {};
      else if (typeof child !== 'object' || child === null || Array.isArray(child)) {
        throw new ConfigError(
          `${origin}: --set ${s}: "${key}" is not a section`,
          `"${key}" holds a value, not keys; --set a key that exists (README, configs/)`,
        );
      }
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = YAML.parse(s.slice(eq + 1));
  }
  return out;
}

const KEYS_HINT =
  'every key with its type and default is in src/config/schema.ts (and filter-schema.ts); configs/demo.yaml shows a full config';

function keyPath(path: PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Validates a raw object against a schema, throwing a ConfigError that names key and file. */
export function validate<S extends z.ZodType>(schema: S, raw: unknown, origin: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => keyPath([...issue.path, k]));
    throw new ConfigError(
      `${origin}: unknown key ${keys.map((k) => `"${k}"`).join(', ')}`,
      `check the spelling; ${KEYS_HINT}`,
    );
  }
  const where = issue.path.length ? `key "${keyPath(issue.path)}"` : 'config';
  throw new ConfigError(`${origin}: ${where}: ${issue.message}`, KEYS_HINT);
}

/** Reads a YAML file into a plain object. */
export async function readYaml(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ConfigError(`cannot read config ${file}`, 'check the --config path');
  }
  let value: unknown;
  try {
    value = YAML.parse(text, { prettyErrors: true });
  } catch (e) {
    throw new ConfigError(
      `${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`,
      'fix the YAML at that line: indentation, a missing space after ":", or an unclosed quote or bracket are the usual causes',
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(
      `${file}: the top level must be a mapping of keys`,
      'a config maps sections to settings, e.g. "filter:" then indented keys (see configs/demo.yaml)',
    );
  return value as Record<string, unknown>;
}

export interface Loaded<T> {
  config: T;
  /** sha256 of the canonical JSON of the resolved config. */
  hash: string;
  file?: string;
}

/** Canonical JSON: sorted keys at every level, so equal configs hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

export function hashConfig(config: unknown): string {
  return sha256Text(canonicalJson(config));
}

/** Loads `file` (optional), applies `--set`s, validates; returns the typed config and hash. */
export async function loadConfig<S extends z.ZodType>(
  schema: S,
  file: string | undefined,
  sets: string[] = [],
): Promise<Loaded<z.infer<S>>> {
  const origin = file ?? '--set';
  const raw = applySets(file ? await readYaml(file) : {}, sets, origin);
  const config = validate(schema, raw, origin);
  return { config, hash: hashConfig(config), file };
}

/** Resolves a path from a config file relative to that file's folder. */
export function resolveFromConfig(file: string | undefined, path: string): string {
  if (isAbsolute(path) || !file) return resolve(path);
  return resolve(dirname(file), path);
}

/**
 * A repository's license from its top-level LICENSE/COPYING file, recognised by the distinctive
 * phrases of the common licenses (SPDX ids). Unknown text gives no license rather than a guess.
 */
import { readFile } from 'node:fs/promises';
import type { TreeFile } from './code.js';

const LICENSE_FILE = /^(licen[cs]e|copying)(\.(md|txt|rst))?$/i;

/** Distinctive phrases; any run of whitespace in the file matches a space here. */
const PHRASES: Array<[string, string]> = [
  ['Apache-2.0', 'Apache License,? Version 2\\.0'],
  ['MIT', 'Permission is hereby granted, free of charge, to any person obtaining a copy'],
  ['LGPL-3.0', 'GNU LESSER GENERAL PUBLIC LICENSE Version 3'],
  ['LGPL-2.1', 'GNU LESSER GENERAL PUBLIC LICENSE Version 2\\.1'],
  ['AGPL-3.0', 'GNU AFFERO GENERAL PUBLIC LICENSE'],
  ['GPL-3.0', 'GNU GENERAL PUBLIC LICENSE Version 3'],
  ['GPL-2.0', 'GNU GENERAL PUBLIC LICENSE Version 2'],
  ['MPL-2.0', 'Mozilla Public License,? (version|v\\.?) ?2\\.0'],
  ['BSD-3-Clause', 'Neither the name of .{1,200}? nor the names of (its|the) contributors'],
  ['BSD-2-Clause', 'Redistributions in binary form must reproduce the above copyright notice'],
  ['ISC', 'Permission to use, copy, modify, and/or distribute this software for any purpose'],
  ['Unlicense', 'This is free and unencumbered software released into the public domain'],
  ['PSF-2.0', 'PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2'],
];
const PATTERNS = PHRASES.map(([id, phrase]) => [id, new RegExp(phrase.replace(/ /g, '\\s+'), 'is')] as const);

/** Matches license text against the known phrases, most specific first. */
export function identifyLicense(text: string): string | undefined {
  return PATTERNS.find(([, re]) => re.test(text))?.[0];
}

/** The license of a walked tree, from a LICENSE/COPYING file at its top. */
export async function licenseOf(files: TreeFile[]): Promise<string | undefined> {
  const file = files.find((f) => !f.rel.includes('/') && LICENSE_FILE.test(f.rel));
  if (!file || file.size > 200_000) return undefined;
  try {
    return identifyLicense(await readFile(file.path, 'utf8'));
  } catch {
    return undefined;
  }
}

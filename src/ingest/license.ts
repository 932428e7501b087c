/**
 * A repository's license from its top-level LICENSE/COPYING file, recognised by the distinctive
 * phrases of the common licenses (SPDX ids). Unknown text gives no license rather than a guess.
 */
import { readFile } from 'node:fs/promises';
import type { TreeFile } from './code.js';

const LICENSE_FILE = /^(licen[cs]e|copying)(\.(md|txt|rst))?$/i;

const PATTERNS: Array<[string, RegExp]> = [
  ['Apache-2.0', /Apache License,?\s+Version 2\.0/i],
  ['MIT', /Permission is hereby granted, free of charge, to any person obtaining a copy/i],
  ['LGPL-3.0', /GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3/i],
  ['LGPL-2.1', /GNU LESSER GENERAL PUBLIC LICENSE\s+Version 2\.1/i],
  ['AGPL-3.0', /GNU AFFERO GENERAL PUBLIC LICENSE/i],
  ['GPL-3.0', /GNU GENERAL PUBLIC LICENSE\s+Version 3/i],
  ['GPL-2.0', /GNU GENERAL PUBLIC LICENSE\s+Version 2/i],
  ['MPL-2.0', /Mozilla Public License,?\s+(version|v\.?)\s*2\.0/i],
  ['BSD-3-Clause', /Neither the name of .{1,200} nor the names of (its|the) contributors/is],
  ['BSD-2-Clause', /Redistributions in binary form must reproduce the above copyright notice/i],
  ['ISC', /Permission to use, copy, modify, and\/or distribute this software for any purpose/i],
  ['Unlicense', /This is free and unencumbered software released into the public domain/i],
  ['PSF-2.0', /PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2/i],
];

/** Matches license text against the known phrases, most specific first. */
export function identifyLicense(text: string): string | undefined {
  return PATTERNS.find(([, re]) => re.test(text))?.[0];
}

/** The license of the tree rooted at `root`, from a LICENSE/COPYING file at its top. */
export async function licenseOf(root: string, files: TreeFile[]): Promise<string | undefined> {
  const file = files.find((f) => !f.rel.includes('/') && LICENSE_FILE.test(f.rel));
  if (!file || file.size > 200_000) return undefined;
  try {
    return identifyLicense(await readFile(file.path, 'utf8'));
  } catch {
    return undefined;
  }
}

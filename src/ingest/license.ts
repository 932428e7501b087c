/**
 * A repository's license from its top-level license files (LICENSE, LICENCE, COPYING, UNLICENSE,
 * and their `-MIT`, `.md`… variants), recognised by the distinctive phrases of the common
 * licenses (SPDX ids). Several recognised files are the usual dual licensing (ripgrep's
 * LICENSE-MIT and UNLICENSE, Rust's LICENSE-APACHE and LICENSE-MIT): one SPDX expression of
 * them joined by OR, sorted (`MIT OR Unlicense`). Unknown text gives no license, not a guess.
 */
import type { TreeFile } from '../io/tree.js';
import { readText } from '../io/files.js';

const LICENSE_FILE = /^(licen[cs]e|copying|unlicen[cs]e)([-_.][\w.-]+)?$/i;
/** Files that list the licenses of dependencies, not the project's own. */
const THIRD_PARTY = /third|3rd|dependenc|vendor|notice/i;
/** Largest license file read. */
const MAX_LICENSE_BYTES = 200_000;

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

/** The license of a walked tree (an SPDX expression), from the license files at its top. */
export async function licenseOf(files: TreeFile[]): Promise<string | undefined> {
  const ids = new Set<string>();
  for (const file of files) {
    if (
      file.rel.includes('/') ||
      !LICENSE_FILE.test(file.rel) ||
      THIRD_PARTY.test(file.rel) ||
      file.size > MAX_LICENSE_BYTES
    )
      continue;
    try {
      const id = identifyLicense(await readText(file.path));
      if (id) ids.add(id);
    } catch {
      /* an unreadable license file tells nothing */
    }
  }
  return ids.size ? [...ids].sort().join(' OR ') : undefined;
}

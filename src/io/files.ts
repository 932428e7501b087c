/**
 * File-system helpers shared by every stage: reading whole files, atomic writes (temporary name,
 * then rename), sha256 of files, and the stage output folder that only appears once complete.
 * Errors are the file system's own (ENOENT…), for the caller to report with its path.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * sha256 of a file, read synchronously in 1 MiB blocks: on this workload (thousands of small
 * files, in worker threads) the synchronous calls are over ten times faster than fs.promises.
 */
export function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A whole (small) file, read synchronously: see `sha256File` for why. */
export function readBytes(path: string): Buffer {
  return readFileSync(path);
}

/** A whole text file (`latin1` reads every byte as one character). */
export async function readText(path: string, encoding: 'utf8' | 'latin1' = 'utf8'): Promise<string> {
  return readFile(path, encoding);
}

/** `readText`, synchronously (for files read once at start-up). */
export function readTextSync(path: string): string {
  return readFileSync(path, 'utf8');
}

/** A whole file's bytes. */
export async function readBinary(path: string): Promise<Buffer> {
  return readFile(path);
}

/** A file's size in bytes. */
export function fileSizeSync(path: string): number {
  return statSync(path).size;
}

/** What is at `path`: a file, a folder, something else (a pipe, a device), with its size. */
export async function pathKind(path: string): Promise<{ kind: 'file' | 'dir' | 'other'; size: number }> {
  const st = await stat(path);
  return { kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other', size: st.size };
}

/** `exists`, synchronously. */
export function existsNow(path: string): boolean {
  return existsSync(path);
}

/** A small file written at once (not atomically: for markers and notes, not outputs). */
export function writeTextSync(path: string, text: string): void {
  writeFileSync(path, text);
}

/** A folder and everything in it; nothing when it is missing. */
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

export { copyFile };

/** A folder and its parents, where missing. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

/** A line (or more) added at the end of a log file. */
export async function appendText(path: string, text: string): Promise<void> {
  await appendFile(path, text);
}

/** A file removed; nothing when it is missing. */
export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** A file's size and modification time (ms), or undefined when it cannot be read. */
export function fileStampSync(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    const s = statSync(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Writes a file under a temporary name and renames it, so readers never see half of it. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** JSON with two-space indent and a final newline. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Files in a folder (not recursive), sorted by name. */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** The temporary folder a stage writes into before `commitDir` renames it into place. */
export function tempDirFor(out: string): string {
  return `${out}.tmp-${process.pid}`;
}

export async function freshDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}

/** Replaces `out` with the completed temporary folder `tmp`. */
export async function commitDir(tmp: string, out: string): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await mkdir(dirname(out), { recursive: true });
  await rename(tmp, out);
}

export { join };

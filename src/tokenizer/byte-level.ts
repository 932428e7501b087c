/**
 * GPT-2's byte-level alphabet: each of the 256 byte values is shown as a printable Unicode
 * character (printable Latin-1 bytes as themselves, the rest shifted to U+0100…), so that
 * `tokenizer.json` vocabularies are strings. Shared by every byte-level BPE tokenizer.
 */

/** byte → its character in vocabulary strings. */
export const BYTE_TO_CHAR: string[] = (() => {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const out: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(keep.includes(b) ? b : 256 + extra++);
  return out;
})();

/** character (code unit) → byte, the inverse. */
export const CHAR_TO_BYTE: Map<number, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c.charCodeAt(0), b]));

/** The byte-level string of some bytes. */
export function bytesToSymbols(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_TO_CHAR[b];
  return s;
}

/** The bytes of a byte-level string. */
export function symbolsToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CHAR_TO_BYTE.get(s.charCodeAt(i));
    if (b === undefined) throw new Error(`not a byte-level symbol: ${JSON.stringify(s[i])}`);
    out[i] = b;
  }
  return out;
}

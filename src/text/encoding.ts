/**
 * Legacy-encoding decoding the WHATWG way. `windows-1252` is what browsers use for the labels
 * `iso-8859-1`, `latin1`, `ascii` and `windows-1252` alike; Node 20's TextDecoder decodes it as
 * ISO-8859-1 (0x80–0x9F become C1 control characters instead of € ‚ ƒ „ … œ Ÿ), so the 32 bytes
 * that differ are mapped here.
 */

// windows-1252 code points for bytes 0x80–0x9F (0 = undefined in windows-1252: kept as the C1 control)
const HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0, 0,
  0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

const latin1 = new TextDecoder('latin1');

export function decodeWindows1252(bytes: Uint8Array): string {
  return latin1.decode(bytes).replace(/[\u0080-\u009f]/g, (c) => {
    const cp = HIGH[c.charCodeAt(0) - 0x80]!;
    return cp ? String.fromCharCode(cp) : c;
  });
}

/** Decodes bytes in the encoding a label names (WHATWG labels); undefined for an unknown label. */
export function decodeWithLabel(bytes: Uint8Array, label: string): { text: string; encoding: string } | undefined {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label.trim().toLowerCase());
  } catch {
    return undefined;
  }
  if (decoder.encoding === 'windows-1252') return { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
  return { text: decoder.decode(bytes), encoding: decoder.encoding };
}

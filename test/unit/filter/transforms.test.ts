import { MOE_DIALECT, textOf } from '../../../src/filter/types.js';
import { paramsSchema } from '../../../src/filter/params.js';
import { describe, expect, it } from 'vitest';
import { isNonPublicIp, normalize, pii } from '../../../src/filter/transforms.js';
import type { Transform } from '../../../src/filter/types.js';

const apply = (def: typeof pii | typeof normalize, text: string): { text: string; counts: Record<string, number> } => {
  const t = def.create(paramsSchema(def.name).parse({}) as never, {
    language: 'eng',
    models: {},
    learned: {},
    dialect: MOE_DIALECT,
  }) as Transform;
  const counts: Record<string, number> = {};
  return { text: textOf(t.apply(text, (k, n = 1) => (counts[k] = (counts[k] ?? 0) + n))), counts };
};

describe('pii', () => {
  it('masks e-mails, public IPs and phone numbers, leaving private and documentation IPs', () => {
    const r = apply(
      pii,
      'Mail jane.doe@example.org or call +1 415-555-0132 or (020) 7946 0958; server 8.8.8.8, lan 192.168.1.10, docs 203.0.113.5.',
    );
    expect(r.text).toBe(
      'Mail |||EMAIL_ADDRESS||| or call |||PHONE_NUMBER||| or |||PHONE_NUMBER|||; server |||IP_ADDRESS|||, lan 192.168.1.10, docs 203.0.113.5.',
    );
    expect(r.counts).toEqual({ pii_email: 1, pii_ip: 1, pii_phone: 2 });
    expect(isNonPublicIp('10.1.2.3')).toBe(true);
    expect(isNonPublicIp('172.20.0.1')).toBe(true);
    expect(isNonPublicIp('172.32.0.1')).toBe(false);
  });
  it('leaves years, version numbers and prices alone', () => {
    expect(apply(pii, 'In 2024 version 1.2.3 cost $19.99 for 3 users.').text).toBe(
      'In 2024 version 1.2.3 cost $19.99 for 3 users.',
    );
  });
});

describe('normalize', () => {
  it('NFC, exotic spaces to spaces, zero-width and control characters removed, blank runs trimmed', () => {
    const r = apply(normalize, 'cafe\u0301\u00a0and\u2009tea\u200b!  \t\nnext\u0007\n\n\n\nend');
    expect(r.text).toBe('café and tea!\nnext\n\nend');
    expect(r.counts).toEqual({ normalized: 1 });
    expect(apply(normalize, 'clean text').counts).toEqual({});
  });
});

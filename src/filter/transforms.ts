/**
 * Optional text transforms (off by default; add them to a chain or set `transforms` in the
 * config):
 *
 * `normalize`: Unicode NFC; exotic spaces (no-break, thin, ideographic…) to a plain space;
 * zero-width and control characters removed (tabs and newlines kept); runs of spaces collapsed;
 * trailing spaces and runs of more than two newlines trimmed.
 *
 * `pii`: masks e-mail addresses, public IPv4 addresses and phone numbers with Dolma's
 * placeholders (`|||EMAIL_ADDRESS|||`, `|||IP_ADDRESS|||`, `|||PHONE_NUMBER|||`). Private,
 * loopback and documentation IPs are left alone, as datatrove's PII formatter does.
 */
import type { NormalizeParams, PiiParams } from './params.js';
import type { StepDefinition } from './types.js';

export const normalize: StepDefinition<NormalizeParams> = {
  name: 'normalize',
  kind: 'transform',
  metrics: {},
  create(p) {
    return {
      kind: 'transform',
      name: 'normalize',
      apply(text, count) {
        const out = text
          .normalize(p.form)
          .replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
          .replace(/[\u200b-\u200d\u2060\ufeff\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
          .replace(/\r\n?/g, '\n')
          .replace(/[ \t]+\n/g, '\n')
          .replace(/ {2,}/g, ' ')
          .replace(/\n{3,}/g, '\n\n');
        if (out !== text) count('normalized');
        return out;
      },
    };
  },
};

const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
const IPV4 = /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g;
const PHONE = /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}\b/g;

/** True for addresses that identify nobody: private, loopback, link-local, documentation. */
export function isNonPublicIp(ip: string): boolean {
  const [a, b, c] = ip.split('.').map(Number) as [number, number, number, number];
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 192 && b === 0 && c === 2) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a >= 224
  );
}

export const pii: StepDefinition<PiiParams> = {
  name: 'pii',
  kind: 'transform',
  metrics: {},
  create(p) {
    return {
      kind: 'transform',
      name: 'pii',
      apply(text, count) {
        let out = text;
        // each replacement counts itself, then returns the placeholder
        const mask = (key: string, placeholder: string) => (): string => {
          count(key);
          return placeholder;
        };
        if (p.emails) out = out.replace(EMAIL, mask('pii_email', '|||EMAIL_ADDRESS|||'));
        if (p.ips) {
          const ip = mask('pii_ip', '|||IP_ADDRESS|||');
          out = out.replace(IPV4, (s) => (isNonPublicIp(s) ? s : ip()));
        }
        if (p.phones) out = out.replace(PHONE, mask('pii_phone', '|||PHONE_NUMBER|||'));
        return out;
      },
    };
  },
};

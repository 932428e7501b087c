/** Unicode punctuation (`\p{P}`) per UTF-16 code unit, found by one scan of the BMP rather than a test per unit. */

/** 1 for each code unit outside the surrogates that is `\p{P}`; 0 for the others and for surrogates. */
export const PUNCT_UNITS: Uint8Array = (() => {
  const codes = new Uint16Array(65536 - 2048);
  for (let c = 0, i = 0; c < 65536; c++) if (c < 0xd800 || c > 0xdfff) codes[i++] = c;
  const punctuation = new TextDecoder('utf-16le').decode(codes).replace(/\P{P}+/gu, '');
  const units = new Uint8Array(65536);
  for (let i = 0; i < punctuation.length; i++) units[punctuation.charCodeAt(i)] = 1;
  return units;
})();

/** Unicode punctuation (`\p{P}`) per UTF-16 code unit, found by one scan of the BMP rather than a test per unit. */

/** 1 for each code unit outside the surrogates that is `\p{P}`; 0 for the others and for surrogates. */
export const PUNCT_UNITS: Uint8Array = (() => {
  const units = new Uint8Array(65536);
  const codes: number[] = [];
  for (let c = 0; c < 65536; c++) if (c < 0xd800 || c > 0xdfff) codes.push(c);
  let bmp = '';
  for (let i = 0; i < codes.length; i += 8192) bmp += String.fromCharCode(...codes.slice(i, i + 8192));
  for (const m of bmp.matchAll(/\p{P}/gu)) units[m[0].charCodeAt(0)] = 1;
  return units;
})();

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Go's `base64.StdEncoding.DecodeString`: returns the bytes, or Go's error text
 * `illegal base64 data at input byte N`. Go skips `\r` and `\n` anywhere.
 */
export function decodeGoBase64(s: string): Buffer | string {
  const err = (n: number) => `illegal base64 data at input byte ${n}`;
  const out: number[] = [];
  let si = 0;
  while (si < s.length) {
    const quantum: number[] = [];
    let dlen = 4;
    let done = false;
    for (let j = 0; j < 4; j++) {
      if (si === s.length) {
        if (j === 0) return Buffer.from(out);
        return err(si - j);
      }
      const c = s[si++];
      const idx = B64.indexOf(c);
      if (idx >= 0) {
        quantum.push(idx);
        continue;
      }
      if (c === '\n' || c === '\r') {
        j--;
        continue;
      }
      if (c !== '=') return err(si - 1);
      if (j < 2) return err(si - 1);
      if (j === 2) {
        while (si < s.length && (s[si] === '\n' || s[si] === '\r')) si++;
        if (si === s.length) return err(s.length);
        if (s[si] !== '=') return err(si - 1);
        si++;
      }
      while (si < s.length && (s[si] === '\n' || s[si] === '\r')) si++;
      if (si < s.length) return err(si);
      dlen = j;
      done = true;
      break;
    }
    const v = quantum.reduce((acc, x, i) => acc + x * 2 ** (18 - 6 * i), 0);
    const bytes = [Math.floor(v / 65536) % 256, Math.floor(v / 256) % 256, v % 256];
    out.push(...bytes.slice(0, dlen - 1));
    if (done) break;
  }
  return Buffer.from(out);
}

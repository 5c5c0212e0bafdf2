// CRC-32 (IEEE 802.3, the zlib / PNG / ZIP polynomial), to detect damaged
// bytes in stored piano-roll files and for the entries of export .zip files.
// Pure; node:zlib's crc32 would bring IO into core/ml (and needs Node 20.15).

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes` as an unsigned 32-bit number (crc32("123456789") = 0xcbf43926). */
export function crc32(bytes: Uint8Array): number {
  return crc32Update(0, bytes);
}

/** The CRC-32 of (bytes seen so far, then `chunk`), given the CRC of the bytes so far (0 for none): for streams. */
export function crc32Update(crc: number, chunk: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < chunk.length; i++) c = TABLE[(c ^ chunk[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

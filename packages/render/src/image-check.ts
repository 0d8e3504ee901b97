import type { OutputFormat } from './job-spec.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A PNG's last chunk: length 0, type IEND, its CRC. */
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const EXR_MAGIC = Buffer.from([0x76, 0x2f, 0x31, 0x01]);

/**
 * Whether a frame file holds a whole image of its format, judged by its ends: a PNG from signature
 * to IEND, a JPEG from SOI to EOI; an OpenEXR has no end marker, so its magic number must do. A
 * frame read while its renderer was still writing fails this, and a published frame is never replaced.
 */
export function imageLooksComplete(bytes: Uint8Array, format: OutputFormat): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (format) {
    case 'png':
      return b.length >= PNG_SIGNATURE.length + PNG_END.length && b.subarray(0, 8).equals(PNG_SIGNATURE) && b.subarray(b.length - PNG_END.length).equals(PNG_END);
    case 'jpg':
      return b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;
    case 'exr':
      return b.length > EXR_MAGIC.length && b.subarray(0, 4).equals(EXR_MAGIC);
  }
}

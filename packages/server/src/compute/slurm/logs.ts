import { open } from 'node:fs/promises';
import type { ExecLog } from '../executor.ts';

const MAX_READ = 512 * 1024;

/** Length of the longest prefix of `buf` that does not end inside a UTF-8 sequence. */
export function completeUtf8Length(buf: Buffer): number {
  let i = buf.length - 1;
  // Walk back over at most 3 continuation bytes to the lead byte of the last sequence.
  let back = 0;
  while (i >= 0 && back < 3 && (buf[i]! & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i < 0) return buf.length;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return buf.length - i >= need ? buf.length : i;
}

/**
 * Follows one output file Slurm writes. `read()` returns the new text and a commit function: the offset
 * only moves once the host took the text, so a refused report is sent again rather than lost.
 */
export class LogTail {
  constructor(
    readonly path: string,
    readonly stream: ExecLog['stream'],
    public offset = 0,
  ) {}

  async read(final: boolean): Promise<{ log: ExecLog; commit: () => void } | null> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch {
      return null; // not created yet (job still pending)
    }
    try {
      const { size } = await fh.stat();
      if (size <= this.offset) return null;
      const want = Math.min(size - this.offset, MAX_READ);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, this.offset);
      const chunk = buf.subarray(0, bytesRead);
      const usable = final && this.offset + bytesRead >= size ? chunk.length : completeUtf8Length(chunk);
      if (usable === 0) return null;
      const text = chunk.subarray(0, usable).toString('utf8');
      const next = this.offset + usable;
      return { log: { stream: this.stream, text }, commit: () => void (this.offset = next) };
    } finally {
      await fh.close();
    }
  }
}

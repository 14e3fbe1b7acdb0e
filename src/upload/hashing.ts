import { createHash, type Hash } from 'node:crypto';

/**
 * SHA-256 of a source, fed by offset. Chunks are replayed and the source is reopened during a
 * transfer, so the same bytes may pass several times: each byte is hashed exactly once, in
 * order. A gap (the source reopened ahead of what was hashed, e.g. a resumed session) makes the
 * digest unknown rather than wrong.
 */
export class OrderedHasher {
  private hash: Hash = createHash('sha256');
  private hashedTo = 0;
  private broken = false;

  /** Bytes hashed so far (the next offset the hasher expects). */
  get position(): number {
    return this.hashedTo;
  }

  /** False once a gap was seen: the digest can no longer be known. */
  get intact(): boolean {
    return !this.broken;
  }

  /** Starts over when the digest was lost and the file is about to be read again from byte 0. */
  restartIfBroken(): void {
    if (!this.broken) return;
    this.hash = createHash('sha256');
    this.hashedTo = 0;
    this.broken = false;
  }

  update(offset: number, bytes: Buffer): void {
    if (this.broken) return;
    const end = offset + bytes.length;
    if (end <= this.hashedTo) return; // already hashed (replay or reopen behind)
    if (offset > this.hashedTo) {
      this.broken = true;
      return;
    }
    this.hash.update(bytes.subarray(this.hashedTo - offset));
    this.hashedTo = end;
  }

  /** Hex digest when every byte of `total` was hashed, else undefined. */
  digest(total: number): string | undefined {
    if (this.broken || this.hashedTo !== total) return undefined;
    this.broken = true; // a Hash can be digested once
    return this.hash.digest('hex');
  }
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

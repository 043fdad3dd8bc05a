/**
 * Content-addressed bundle files: `<dir>/<sha[0..2]>/<sha>`. A file's name is its SHA-256, so
 * identical bundles are stored once and every read can be checked against the name it was
 * asked by. A PostgreSQL deployment would keep these on shared storage or in a BLOB column.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The stored bytes do not hash to what they were stored as: never serve them. */
export class CorruptBlobError extends Error {
  override name = 'CorruptBlobError';
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(`Stored bundle is corrupt: expected SHA-256 ${expected}, the stored bytes hash to ${actual}.`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** The blob is missing from the data dir. */
export class MissingBlobError extends Error {
  override name = 'MissingBlobError';
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class BlobStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`Not a SHA-256 hex digest: ${sha256}`);
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  /** Stores `bytes` and returns their SHA-256. Written to a temp file then renamed: never half a blob. */
  async put(bytes: Uint8Array): Promise<string> {
    const sha = sha256Hex(bytes);
    const path = this.pathOf(sha);
    await mkdir(join(this.dir, sha.slice(0, 2)), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, path);
    return sha;
  }

  /** Reads a blob and verifies it against its hash; throws {@link CorruptBlobError} or {@link MissingBlobError}. */
  async get(sha256: string): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new MissingBlobError(`Stored bundle ${sha256} is missing from the data directory.`);
      }
      throw error;
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw new CorruptBlobError(sha256, actual);
    return bytes;
  }
}

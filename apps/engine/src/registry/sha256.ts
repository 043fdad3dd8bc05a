import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of some bytes: what a manifest records for its bundle and source map. */
export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

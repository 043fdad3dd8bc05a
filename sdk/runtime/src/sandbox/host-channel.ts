/**
 * The wire between a sandbox process and its parent when the parent did not fork it itself
 * (see host-launcher.ts): a Unix socket carrying length-prefixed V8-serialized messages, the
 * same encoding as Node's `serialization: 'advanced'` IPC channel.
 */
import type { Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';

/** The env vars that tell a sandbox process where to connect and who it is. */
export const HOST_SOCKET_ENV = 'BAMBAM_SANDBOX_SOCKET';
export const HOST_ID_ENV = 'BAMBAM_SANDBOX_ID';

/** The first message a sandbox process sends on its socket: which launch it is. */
export interface HostHello {
  hello: string;
}

/** The most one message may take (a compiled plugin's bundle and source map travel in `load`). */
export const MAX_HOST_MESSAGE_BYTES = 64 * 1024 * 1024;
const HEADER_BYTES = 4;

export function writeHostMessage(socket: Socket, message: unknown): boolean {
  const body = serialize(message);
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  // Two writes, one syscall (cork): no copy of the body, which carries every frame.
  socket.cork();
  socket.write(header);
  const flushed = socket.write(body);
  socket.uncork();
  return flushed;
}

/**
 * Calls `onMessage` for every whole message read from `socket`; a frame over
 * {@link MAX_HOST_MESSAGE_BYTES} or one that does not deserialize ends the socket.
 */
export function readHostMessages(socket: Socket, onMessage: (message: unknown) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= HEADER_BYTES) {
      const length = pending.readUInt32BE(0);
      if (length > MAX_HOST_MESSAGE_BYTES) {
        socket.destroy(new Error(`sandbox message of ${length} bytes exceeds ${MAX_HOST_MESSAGE_BYTES}`));
        return;
      }
      if (pending.length < HEADER_BYTES + length) break;
      const body = pending.subarray(HEADER_BYTES, HEADER_BYTES + length);
      pending = pending.subarray(HEADER_BYTES + length);
      let message: unknown;
      try {
        message = deserialize(body);
      } catch (error) {
        socket.destroy(error as Error);
        return;
      }
      onMessage(message);
    }
  });
}

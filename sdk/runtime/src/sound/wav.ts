/**
 * WAV files: encode the mixer's output (16-bit PCM) and decode the samples plugins ship
 * (PCM 8/16/24/32-bit integer, 32/64-bit float, plain or WAVE_FORMAT_EXTENSIBLE).
 */

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Encodes interleaved float samples in [-1, 1] as a 16-bit PCM WAV file. Values outside the
 * range are clipped.
 */
export function encodeWav(interleaved: Float32Array, sampleRate: number, channels: number): Uint8Array {
  if (!Number.isInteger(channels) || channels < 1 || channels > 32)
    throw new RangeError(`WAV: bad channel count ${channels}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1)
    throw new RangeError(`WAV: bad sample rate ${sampleRate}`);
  if (interleaved.length % channels !== 0) {
    throw new RangeError(
      `WAV: ${interleaved.length} samples is not a whole number of ${channels}-channel frames`,
    );
  }
  const dataBytes = interleaved.length * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  writeAscii(bytes, 0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  writeAscii(bytes, 8, 'WAVE');
  writeAscii(bytes, 12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  writeAscii(bytes, 36, 'data');
  view.setUint32(40, dataBytes, true);
  const pcm = new Int16Array(bytes.buffer, 44, interleaved.length);
  for (let i = 0; i < interleaved.length; i++) {
    const s = interleaved[i]!;
    const clipped = s > 1 ? 1 : s < -1 ? -1 : s || 0; // `|| 0` turns NaN into silence
    pcm[i] = Math.round(clipped < 0 ? clipped * 0x8000 : clipped * 0x7fff);
  }
  return bytes;
}

/** Decodes a WAV file into one Float32Array per channel, in [-1, 1]. Throws an Error saying what is wrong. */
export function decodeWav(bytes: Uint8Array): { sampleRate: number; channels: Float32Array[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || readAscii(bytes, 0, 4) !== 'RIFF' || readAscii(bytes, 8, 4) !== 'WAVE') {
    throw new Error('WAV: not a RIFF/WAVE file');
  }
  let format:
    | { code: number; channels: number; sampleRate: number; bits: number; blockAlign: number }
    | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = readAscii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.byteLength) throw new Error('WAV: truncated fmt chunk');
      let code = view.getUint16(body, true);
      if (code === FORMAT_EXTENSIBLE) {
        if (size < 40) throw new Error('WAV: truncated WAVE_FORMAT_EXTENSIBLE fmt chunk');
        code = view.getUint16(body + 24, true); // first two bytes of the sub-format GUID
      }
      format = {
        code,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV: data chunk before fmt chunk');
      const end = Math.min(body + size, bytes.byteLength); // tolerate a data size past the end (streamed files)
      return { sampleRate: format.sampleRate, channels: decodeSamples(view, body, end, format) };
    }
    offset = body + size + (size & 1); // chunks are word-aligned
  }
  throw new Error(format ? 'WAV: no data chunk' : 'WAV: no fmt chunk');
}

function decodeSamples(
  view: DataView,
  start: number,
  end: number,
  format: { code: number; channels: number; sampleRate: number; bits: number; blockAlign: number },
): Float32Array[] {
  const { code, channels, bits, sampleRate } = format;
  if (channels < 1 || channels > 32) throw new Error(`WAV: bad channel count ${channels}`);
  if (sampleRate < 1000 || sampleRate > 384000) throw new Error(`WAV: unsupported sample rate ${sampleRate}`);
  const bytesPerSample = bits / 8;
  const read = sampleReader(view, code, bits);
  if (format.blockAlign !== bytesPerSample * channels)
    throw new Error(`WAV: inconsistent block align ${format.blockAlign}`);
  const frames = Math.floor((end - start) / format.blockAlign);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  let at = start;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++, at += bytesPerSample) out[c]![i] = read(at);
  }
  return out;
}

function sampleReader(view: DataView, code: number, bits: number): (at: number) => number {
  if (code === FORMAT_PCM) {
    if (bits === 8) return (at) => (view.getUint8(at) - 128) / 128;
    if (bits === 16) return (at) => view.getInt16(at, true) / 0x8000;
    if (bits === 24) {
      return (at) =>
        (view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 0x800000;
    }
    if (bits === 32) return (at) => view.getInt32(at, true) / 0x80000000;
  } else if (code === FORMAT_FLOAT) {
    if (bits === 32) return (at) => view.getFloat32(at, true);
    if (bits === 64) return (at) => view.getFloat64(at, true);
  } else {
    throw new Error(`WAV: unsupported format code ${code} (only PCM and IEEE float)`);
  }
  throw new Error(`WAV: unsupported bit depth ${bits} for format code ${code}`);
}

function writeAscii(bytes: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
}

function readAscii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

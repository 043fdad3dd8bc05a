/**
 * SDP inspection and munging around werift's offer/answer:
 * - which video codec to receive (VP8 preferred, H.264 packetization-mode 1 accepted);
 * - strip transport-cc (werift's feedback made Chromium collapse its bandwidth estimate, notes);
 * - bitrate hints for Chromium's encoder in the answer's video fmtp.
 */

export type VideoCodecName = 'VP8' | 'H264';

/** The offer cannot be answered (no usable video codec, no audio section…). */
export class SdpError extends Error {
  override name = 'SdpError';
  readonly code: 'unsupported-codec' | 'bad-request';
  constructor(code: 'unsupported-codec' | 'bad-request', message: string) {
    super(message);
    this.code = code;
  }
}

interface MediaSection {
  readonly kind: string;
  readonly lines: string[];
}

function splitSections(sdp: string): { session: string[]; media: MediaSection[] } {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const session: string[] = [];
  const media: MediaSection[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) media.push({ kind: line.slice(2).split(' ')[0] ?? '', lines: [line] });
    else if (media.length > 0) media[media.length - 1]!.lines.push(line);
    else session.push(line);
  }
  return { session, media };
}

function join(session: string[], media: MediaSection[]): string {
  return [...session, ...media.flatMap((m) => m.lines)].join('\r\n') + '\r\n';
}

/** Payload types by codec name (upper case) of one media section. */
function rtpmap(section: MediaSection): Map<number, string> {
  const map = new Map<number, string>();
  for (const line of section.lines) {
    const m = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
    if (m) map.set(Number(m[1]), m[2]!.toUpperCase());
  }
  return map;
}

function fmtp(section: MediaSection, pt: number): string {
  const prefix = `a=fmtp:${pt} `;
  return section.lines.find((l) => l.startsWith(prefix))?.slice(prefix.length) ?? '';
}

function isActive(section: MediaSection): boolean {
  const port = section.lines[0]!.split(' ')[1];
  return port !== '0' && !section.lines.includes('a=inactive');
}

/** What the engine can do with a browser's offer; throws {@link SdpError} with a clear message. */
export function inspectOffer(sdp: string): { videoCodec: VideoCodecName } {
  if (!sdp.startsWith('v=0'))
    throw new SdpError('bad-request', 'The offer is not an SDP (it must start with v=0).');
  const { media } = splitSections(sdp);
  const videos = media.filter((m) => m.kind === 'video' && isActive(m));
  if (videos.length !== 1) {
    throw new SdpError(
      'bad-request',
      `The offer must have exactly one active video section (the camera), found ${videos.length}.`,
    );
  }
  const video = videos[0]!;
  if (!video.lines.some((l) => l === 'a=sendonly' || l === 'a=sendrecv')) {
    throw new SdpError('bad-request', 'The offer does not send video: make the camera transceiver sendonly.');
  }
  const audio = media.filter((m) => m.kind === 'audio' && isActive(m));
  if (audio.length !== 1 || !audio[0]!.lines.some((l) => l === 'a=recvonly' || l === 'a=sendrecv')) {
    throw new SdpError(
      'bad-request',
      'The offer must have one audio section that receives (recvonly or sendrecv): the instrument plays on it.',
    );
  }
  if (![...rtpmap(audio[0]!).values()].includes('OPUS')) {
    throw new SdpError('unsupported-codec', 'The offer has no Opus audio codec; the engine only sends Opus.');
  }
  const codecs = rtpmap(video);
  const names = [...codecs.values()];
  if (names.includes('VP8')) return { videoCodec: 'VP8' };
  const h264 = [...codecs.entries()].some(
    ([pt, name]) => name === 'H264' && /packetization-mode=1/.test(fmtp(video, pt)),
  );
  if (h264) return { videoCodec: 'H264' };
  const offered = [...new Set(names.filter((n) => !['RTX', 'RED', 'ULPFEC', 'FLEXFEC-03'].includes(n)))];
  throw new SdpError(
    'unsupported-codec',
    `Unsupported video codec offer (${offered.join(', ') || 'none'}): the engine decodes VP8 or H.264 ` +
      '(packetization-mode=1). Prefer VP8 with setCodecPreferences.',
  );
}

/** Removes the transport-cc header extension and feedback from an SDP (offer or answer). */
export function stripTransportCc(sdp: string): string {
  return (
    sdp
      .split(/\r?\n/)
      .filter((l) => l.length > 0)
      .filter((l) => !/^a=extmap:\d+(\/\w+)? .*transport-wide-cc/.test(l))
      .filter((l) => !/^a=rtcp-fb:\S+ transport-cc/.test(l))
      .join('\r\n') + '\r\n'
  );
}

/** Adds x-google-{min,start,max}-bitrate to every VP8/H.264 fmtp of the answer's video section. */
export function addBitrateHints(sdp: string, kbps: { min: number; start: number; max: number }): string {
  const { session, media } = splitSections(sdp);
  const hint = `x-google-min-bitrate=${kbps.min};x-google-start-bitrate=${kbps.start};x-google-max-bitrate=${kbps.max}`;
  for (const section of media) {
    if (section.kind !== 'video') continue;
    for (const [pt, name] of rtpmap(section)) {
      if (name !== 'VP8' && name !== 'H264') continue;
      const prefix = `a=fmtp:${pt} `;
      const index = section.lines.findIndex((l) => l.startsWith(prefix));
      if (index >= 0) {
        if (!section.lines[index]!.includes('x-google-')) section.lines[index] += `;${hint}`;
      } else {
        const at = section.lines.findIndex((l) => l.startsWith(`a=rtpmap:${pt} `));
        section.lines.splice(at + 1, 0, `${prefix}${hint}`);
      }
    }
  }
  return join(session, media);
}

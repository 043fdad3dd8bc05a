import type { SoundInfo } from '@bambam/protocol';
import { AUDITION_SAMPLE_RATE, renderAudition } from '../audition.ts';

/**
 * The plugin's sounds as stereo AudioBuffers, rendered in the page exactly as the engine
 * renders them (`audition.ts`), again whenever the sounds change. `ready` once every sound is
 * rendered; `unsupported` when one cannot be (a sample the engine does not serve: the stream
 * plays). `onChange` is called whenever either changes.
 */
export class SoundBank {
  private readonly onChange: () => void;
  private buffers = new Map<string, AudioBuffer>();
  private key = '';
  private isReady = false;
  private isUnsupported = false;
  private disposed = false;

  constructor(onChange: () => void) {
    this.onChange = onChange;
  }

  get ready(): boolean {
    return this.isReady;
  }

  get unsupported(): boolean {
    return this.isUnsupported;
  }

  get(sound: string): AudioBuffer | undefined {
    return this.buffers.get(sound);
  }

  /** Renders the next `prepare` even when the sounds did not change (a new audio context). */
  invalidate(): void {
    this.key = '';
  }

  /** Renders `sounds` unless they are the ones already rendered (or rendering). */
  prepare(sounds: Readonly<Record<string, SoundInfo>>): void {
    const key = JSON.stringify(sounds);
    if (key === this.key) return;
    this.key = key;
    this.isReady = false;
    this.isUnsupported = false;
    this.onChange();
    void this.render(key, sounds);
  }

  dispose(): void {
    this.disposed = true;
  }

  private async render(key: string, sounds: Readonly<Record<string, SoundInfo>>): Promise<void> {
    const buffers = new Map<string, AudioBuffer>();
    try {
      for (const [name, sound] of Object.entries(sounds)) {
        const rendered = await renderAudition(sound);
        const length = rendered.channels[0]?.length ?? 0;
        if (length === 0) continue;
        const buffer = new AudioBuffer({ length, numberOfChannels: 2, sampleRate: AUDITION_SAMPLE_RATE });
        buffer.copyToChannel(new Float32Array(rendered.channels[0]!), 0);
        buffer.copyToChannel(new Float32Array(rendered.channels[1] ?? rendered.channels[0]!), 1);
        buffers.set(name, buffer);
      }
    } catch {
      if (this.key === key) {
        this.isUnsupported = true;
        this.onChange();
      }
      return;
    }
    if (this.key !== key || this.disposed) return;
    this.buffers = buffers;
    this.isReady = true;
    this.onChange();
  }
}

import { createHash } from 'node:crypto';
import type { ManifestSound } from '@bambam/protocol';
import type { Sound } from '@bambam/sdk';

/**
 * A plugin's sounds as its manifest describes them: Tone patches as they are, WAV samples by
 * size and SHA-256 (the bytes are in the bundle). `bambam build` writes them; the registry
 * compares an upload's manifest with what its bundle declares.
 */
export function soundFacts(sounds: Readonly<Record<string, Sound>>): Record<string, ManifestSound> {
  const facts: Record<string, ManifestSound> = {};
  for (const [name, sound] of Object.entries(sounds)) {
    facts[name] =
      sound.kind === 'sample'
        ? {
            kind: 'sample',
            bytes: sound.wav.length,
            sha256: createHash('sha256').update(sound.wav).digest('hex'),
            ...(sound.midi ? { midi: sound.midi } : {}),
          }
        : sound;
  }
  return facts;
}

/**
 * The manifest of a built plugin, defined once as a zod schema; the types are inferred from it.
 * The registry parses every upload with {@link parseManifest}, then checks it against what the
 * bundle really declares when loaded in the sandbox.
 */
import { SOUND_LIMITS, TONE_INSTRUMENTS } from '@bambam/sdk';
import semver from 'semver';
import { z } from 'zod';

/** A plugin's name: lower case letters, digits and '-', at most 64 characters. */
export const PLUGIN_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const SHA256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256');
const KEY = z.string().min(1).max(64);
const TEXT = z.string().max(200);

/** A sound's MIDI note and channel (`@bambam/sdk`'s `MidiMapping`). */
const MidiManifest = z
  .object({ note: z.number().int().min(0).max(127), channel: z.number().int().min(1).max(16).optional() })
  .strict();

const ToneSoundManifest = z
  .object({
    kind: z.literal('tone'),
    instrument: z.enum(TONE_INSTRUMENTS),
    options: z.record(z.string(), z.unknown()).optional(),
    note: z.union([z.string().max(8), z.number().finite()]).optional(),
    duration: z.number().finite().optional(),
    length: z.number().finite().optional(),
    gain: z.number().finite().optional(),
    midi: MidiManifest.optional(),
  })
  .strict()
  .superRefine((sound, ctx) => boundedOptions(sound.options, ctx));

/** Deepest an options tree may nest (the deepest Tone option, `voice0.filterEnvelope.attackCurve[i]`, is 4). */
const MAX_OPTIONS_DEPTH = 6;
/** Values an options tree may hold, array items included (the largest legal patch has under 400). */
const MAX_OPTIONS_VALUES = 4 * SOUND_LIMITS.maxOptionEntries;

/**
 * Bounds a Tone patch's `options` tree before anything walks it recursively (canonical JSON,
 * the comparison with the bundle): its depth and size, iteratively. Whether each option is one
 * the instrument has, within {@link SOUND_LIMITS}, is checked against the bundle's own sounds
 * by the sound validator when the bundle is validated (422 with the field and the range), and a
 * manifest is stored only if it equals them.
 */
function boundedOptions(options: Record<string, unknown> | undefined, ctx: z.RefinementCtx): void {
  const stack: [unknown, number][] = [[options, 0]];
  let values = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++values > MAX_OPTIONS_VALUES) {
      ctx.addIssue({
        code: 'custom',
        path: ['options'],
        message: `holds more than ${MAX_OPTIONS_VALUES} values`,
      });
      return;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_OPTIONS_DEPTH) {
      ctx.addIssue({
        code: 'custom',
        path: ['options'],
        message: `nests deeper than ${MAX_OPTIONS_DEPTH} levels`,
      });
      return;
    }
    for (const item of Object.values(value)) stack.push([item, depth + 1]);
  }
}

/** A WAV sample is described, not embedded: its size and hash (the bytes are in the bundle). */
const SampleSoundManifest = z
  .object({
    kind: z.literal('sample'),
    bytes: z.number().int().nonnegative(),
    sha256: SHA256,
    midi: MidiManifest.optional(),
  })
  .strict();

const ParamBase = { label: TEXT.optional(), description: z.string().max(500).optional() };
const ParamManifest = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('number'),
      default: z.number().finite(),
      min: z.number().finite(),
      max: z.number().finite(),
      step: z.number().finite().positive().optional(),
      ...ParamBase,
    })
    .strict(),
  z.object({ type: z.literal('boolean'), default: z.boolean(), ...ParamBase }).strict(),
  z
    .object({
      type: z.literal('choice'),
      choices: z.array(TEXT).min(1).max(64).readonly(),
      default: TEXT,
      ...ParamBase,
    })
    .strict(),
]);

const FileFacts = z.object({ sha256: SHA256, size: z.number().int().nonnegative() }).strict();

/**
 * A built plugin's `manifest.json`: what `bambam build` writes beside the bundle, a publish
 * carries, the registry validates on every upload and serves, and the studio's plugins page shows.
 */
export const ManifestSchema = z
  .object({
    name: z.string().regex(PLUGIN_NAME, "must be lower case letters, digits and '-', at most 64 characters"),
    version: z
      .string()
      .max(64)
      .refine((v) => semver.valid(v) === v, 'must be a semantic version like 1.0.0'),
    sdk: z
      .string()
      .max(64)
      .refine((v) => semver.validRange(v) !== null, 'must be a semver range like ^0.1.0'),
    description: z.string().min(1).max(500),
    author: TEXT.optional(),
    sounds: z
      .record(KEY, z.discriminatedUnion('kind', [ToneSoundManifest, SampleSoundManifest]))
      .refine((s) => Object.keys(s).length >= 1, 'must declare at least one sound'),
    params: z.record(KEY, ParamManifest),
    bundle: FileFacts,
    sourceMap: FileFacts.optional(),
  })
  .strict();
export type Manifest = z.infer<typeof ManifestSchema>;
/** A sound as a manifest describes it: Tone patches as they are, samples by size and hash. */
export type ManifestSound = Manifest['sounds'][string];

/** Parses an untrusted manifest; on failure, one clear message naming the field. */
export function parseManifest(
  value: unknown,
): { ok: true; manifest: Manifest } | { ok: false; message: string } {
  const result = ManifestSchema.safeParse(value);
  if (result.success) return { ok: true, manifest: result.data };
  const messages = result.error.issues.slice(0, 3).map((issue) => {
    const where = issue.path.length ? `'${issue.path.join('.')}'` : 'manifest';
    return `${where}: ${issue.message}`;
  });
  return { ok: false, message: `Malformed manifest: ${messages.join('; ')}` };
}

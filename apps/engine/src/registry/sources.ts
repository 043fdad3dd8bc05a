/**
 * The studio's saved sources, per workspace, plus bundled examples (bam-drum, read from its
 * package). Examples are read-only defaults every workspace sees: saving one stores the
 * workspace's own copy under the same name, which then wins over the example for that
 * workspace only; deleting the copy brings the example back. A workspace never sees another's
 * sources: another's name is "not found", another's copy of an example is the example.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SavedSource } from '@bambam/protocol';
import { HttpError } from './http-answers.ts';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits, SourceMetrics } from './source-limits.ts';
import { type SourceStore, StoreUnavailableError, WorkspaceFullError } from './store/store.ts';

export const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A bundled example: its name and the file of its entry source. */
export interface Example {
  readonly name: string;
  readonly entry: string;
}

/** bam-drum, resolved through the engine's dependency on `@bambam/bam-drum`. */
export function defaultExamples(): Example[] {
  return [{ name: 'bam-drum', entry: fileURLToPath(import.meta.resolve('@bambam/bam-drum')) }];
}

export function checkSourceName(name: string): void {
  if (!SOURCE_NAME.test(name)) {
    throw new HttpError(
      400,
      'bad-request',
      `Invalid source name '${name.slice(0, 80)}': use lower case letters, digits and '-' (at most 64).`,
    );
  }
}

/** The store's server is away: 503 with its message (it says saving recovers by itself). */
async function fromStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw new HttpError(503, 'store-unavailable', error.message);
    throw error;
  }
}

export interface SavedSourcesOptions {
  readonly examples?: readonly Example[];
  readonly limits?: Partial<SourceLimits>;
  /** Where refusals by a limit are counted. */
  readonly metrics?: SourceMetrics;
}

export class SavedSources {
  readonly limits: SourceLimits;
  readonly metrics: SourceMetrics;
  private readonly store: SourceStore;
  private readonly examples: readonly Example[];

  constructor(store: SourceStore, options: SavedSourcesOptions = {}) {
    this.store = store;
    this.examples = options.examples ?? defaultExamples();
    this.limits = { ...DEFAULT_SOURCE_LIMITS, ...options.limits };
    this.metrics = options.metrics ?? new SourceMetrics();
  }

  example(name: string): Example | undefined {
    return this.examples.find((e) => e.name === name);
  }

  /** The workspace's sources and the examples it has no copy of, by name. */
  async list(workspace: string): Promise<SavedSource[]> {
    const saved: SavedSource[] = (await fromStore(() => this.store.listSources(workspace))).map((s) => ({
      ...s,
    }));
    const names = new Set(saved.map((s) => s.name));
    for (const example of this.examples) {
      if (!names.has(example.name)) saved.push(await this.readExample(example));
    }
    return saved.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The workspace's copy, else the example of that name, else undefined. */
  async get(workspace: string, name: string): Promise<SavedSource | undefined> {
    checkSourceName(name);
    const saved = await fromStore(() => this.store.getSource(workspace, name));
    if (saved) return { ...saved };
    const example = this.example(name);
    return example ? this.readExample(example) : undefined;
  }

  /** The bundled example `name` (no workspace's copy), or undefined. */
  async getExample(name: string): Promise<SavedSource | undefined> {
    const example = this.example(name);
    return example ? this.readExample(example) : undefined;
  }

  async put(workspace: string, name: string, source: unknown): Promise<SavedSource> {
    checkSourceName(name);
    if (typeof source !== 'string' || source.length === 0) {
      throw new HttpError(400, 'bad-request', "'source' must be a non-empty string.");
    }
    const { maxSourceChars, maxSourcesPerWorkspace } = this.limits;
    if (source.length > maxSourceChars) {
      this.metrics.refused('too_large');
      throw new HttpError(
        413,
        'too-large',
        `Source is ${source.length} characters; the limit is ${maxSourceChars} (BAMBAM_MAX_SOURCE_CHARS).`,
      );
    }
    if (source.includes('\u0000')) {
      throw new HttpError(400, 'bad-request', "'source' must not contain NUL characters (U+0000).");
    }
    try {
      return {
        ...(await fromStore(() => this.store.putSource(workspace, name, source, maxSourcesPerWorkspace))),
      };
    } catch (error) {
      if (!(error instanceof WorkspaceFullError)) throw error;
      this.metrics.refused('too_many_sources');
      throw new HttpError(
        429,
        'too-many-sources',
        `This workspace already holds ${error.limit} saved sources, the limit (BAMBAM_MAX_SOURCES_PER_WORKSPACE); delete one to save '${name}'.`,
        { limit: error.limit },
      );
    }
  }

  /** Deletes the workspace's saved source; false when it has none (examples cannot be deleted). */
  async delete(workspace: string, name: string): Promise<boolean> {
    checkSourceName(name);
    return fromStore(() => this.store.deleteSource(workspace, name));
  }

  private async readExample(example: Example): Promise<SavedSource> {
    const source = await readFile(example.entry, 'utf8');
    return { name: example.name, source, updatedAt: new Date(0).toISOString(), example: true };
  }
}

/**
 * The studio's workspace: plugin sources saved on this engine, plus bundled examples
 * (bam-drum, read from its package). Saving an example stores a copy under the same name,
 * which then wins over the example; deleting the copy brings the example back.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MAX_PLUGIN_SOURCE_CHARS, type SavedSource } from '@bambam/protocol';
import { HttpError } from './http.ts';
import { type SourceStore, StoreUnavailableError } from './store/store.ts';

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

export class SavedSources {
  readonly #store: SourceStore;
  readonly #examples: readonly Example[];

  constructor(store: SourceStore, examples: readonly Example[] = defaultExamples()) {
    this.#store = store;
    this.#examples = examples;
  }

  example(name: string): Example | undefined {
    return this.#examples.find((e) => e.name === name);
  }

  async list(): Promise<SavedSource[]> {
    const saved: SavedSource[] = (await fromStore(() => this.#store.listSources())).map((s) => ({ ...s }));
    const names = new Set(saved.map((s) => s.name));
    for (const example of this.#examples) {
      if (!names.has(example.name)) saved.push(await this.#readExample(example));
    }
    return saved.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<SavedSource | undefined> {
    checkSourceName(name);
    const saved = await fromStore(() => this.#store.getSource(name));
    if (saved) return { ...saved };
    const example = this.example(name);
    return example ? this.#readExample(example) : undefined;
  }

  async put(name: string, source: unknown): Promise<SavedSource> {
    checkSourceName(name);
    if (typeof source !== 'string' || source.length === 0) {
      throw new HttpError(400, 'bad-request', "'source' must be a non-empty string.");
    }
    if (source.length > MAX_PLUGIN_SOURCE_CHARS) {
      throw new HttpError(
        413,
        'too-large',
        `Source is ${source.length} characters; the limit is ${MAX_PLUGIN_SOURCE_CHARS}.`,
      );
    }
    if (source.includes('\u0000')) {
      throw new HttpError(400, 'bad-request', "'source' must not contain NUL characters (U+0000).");
    }
    return { ...(await fromStore(() => this.#store.putSource(name, source))) };
  }

  /** Deletes a saved source; false when there is none (examples themselves cannot be deleted). */
  async delete(name: string): Promise<boolean> {
    checkSourceName(name);
    return fromStore(() => this.#store.deleteSource(name));
  }

  async #readExample(example: Example): Promise<SavedSource> {
    const source = await readFile(example.entry, 'utf8');
    return { name: example.name, source, updatedAt: new Date(0).toISOString(), example: true };
  }
}

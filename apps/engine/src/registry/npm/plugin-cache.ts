/**
 * Verified plugin packages on disk, keyed by their tarball's integrity
 * (`<dataDir>/plugin-cache/<sha256 of the integrity>/`). An entry is written only after the
 * package passed every check, into a temp folder renamed into place, so a failure or a crash
 * leaves nothing; every read re-hashes the bundle against its manifest.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../sha256.ts';

/** What an entry holds: the package's own files, verified. */
export interface CachedPlugin {
  readonly integrity: string;
  readonly packageJson: Buffer;
  readonly manifest: Buffer;
  readonly bundle: Buffer;
  readonly sourceMap?: Buffer;
}

const FILES = {
  packageJson: 'package.json',
  manifest: 'manifest.json',
  bundle: 'plugin.js',
  sourceMap: 'plugin.js.map',
};

export class PluginCache {
  readonly root: string;
  readonly #onCorrupt: (message: string) => void;

  constructor(root: string, onCorrupt: (message: string) => void) {
    this.root = root;
    this.#onCorrupt = onCorrupt;
  }

  /** The folder of an integrity's entry. */
  dirOf(integrity: string): string {
    return join(this.root, createHash('sha256').update(integrity).digest('hex'));
  }

  /** The entry, re-verified; undefined when absent or corrupt (a corrupt one is removed). */
  async get(integrity: string): Promise<CachedPlugin | undefined> {
    const dir = this.dirOf(integrity);
    let entry: CachedPlugin;
    try {
      const [packageJson, manifest, bundle] = await Promise.all(
        [FILES.packageJson, FILES.manifest, FILES.bundle].map((file) => readFile(join(dir, file))),
      );
      const sourceMap = await readFile(join(dir, FILES.sourceMap)).catch(() => undefined);
      entry = { integrity, packageJson: packageJson!, manifest: manifest!, bundle: bundle!, sourceMap };
    } catch {
      return undefined;
    }
    const declared = (
      JSON.parse(entry.manifest.toString('utf8')) as { bundle?: { sha256?: string; size?: number } }
    ).bundle;
    if (declared?.sha256 !== sha256Hex(entry.bundle) || declared.size !== entry.bundle.length) {
      this.#onCorrupt(
        `cached bundle in ${dir} no longer matches its manifest; removed, it will be downloaded again`,
      );
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
    return entry;
  }

  /** Writes a verified entry atomically (temp folder, then rename). */
  async put(entry: CachedPlugin): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const temp = await mkdtemp(join(this.root, '.tmp-'));
    try {
      await writeFile(join(temp, FILES.packageJson), entry.packageJson);
      await writeFile(join(temp, FILES.manifest), entry.manifest);
      await writeFile(join(temp, FILES.bundle), entry.bundle);
      if (entry.sourceMap) await writeFile(join(temp, FILES.sourceMap), entry.sourceMap);
      await rename(temp, this.dirOf(entry.integrity)).catch(async (error: NodeJS.ErrnoException) => {
        // Another load of the same integrity got there first: its entry is the same bytes.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
}

import type { SourceLocation } from '@bambam/protocol';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';

/** Sources that belong to libraries bundled into the plugin, not to the plugin's author. */
const LIBRARY_SOURCE = /(^|[\\/])node_modules[\\/]|(^|[\\/])sdk[\\/]src[\\/]/;

/** A stack trace mapped through the bundle's source map. */
export interface MappedStack {
  /** The first position in the author's own code (falling back to the first mapped position). */
  location?: SourceLocation;
  /** The stack with bundle positions replaced by source positions and sandbox frames removed. */
  stack?: string;
}

/**
 * Maps V8 stack traces and positions of a bundle back to the plugin's sources. The source map
 * is parsed on first use: most plugins never throw.
 */
export class StackMapper {
  private readonly bundleFile: string;
  private readonly sourceMap: string;
  private parsedMap: TraceMap | null | undefined;

  /** @param bundleFile - the script name the bundle was compiled with inside the isolate. */
  constructor(bundleFile: string, sourceMap: string) {
    this.bundleFile = bundleFile;
    this.sourceMap = sourceMap;
  }

  /** Maps a 1-based bundle position; undefined when the map has nothing for it. */
  map(line: number, column: number): SourceLocation | undefined {
    const map = this.traceMap();
    if (!map) return undefined;
    const original = originalPositionFor(map, { line, column: Math.max(0, column - 1) });
    if (original.source === null || original.line === null || original.column === null) return undefined;
    return { file: original.source, line: original.line, column: original.column + 1 };
  }

  /** Maps every frame of `stack` that points into the bundle; frames of the sandbox runtime are dropped. */
  mapStack(stack: string | undefined): MappedStack {
    if (!stack) return {};
    const out: string[] = [];
    let first: SourceLocation | undefined;
    let firstOwn: SourceLocation | undefined;
    for (const line of stack.split('\n')) {
      const frame = parseFrame(line);
      if (!frame) {
        if (!/^\s+at /.test(line)) out.push(line);
        continue;
      }
      if (frame.file !== this.bundleFile) continue;
      const mapped = this.map(frame.line, frame.column);
      if (!mapped) continue;
      first ??= mapped;
      if (!firstOwn && !LIBRARY_SOURCE.test(mapped.file ?? '')) firstOwn = mapped;
      const where = `${mapped.file}:${mapped.line}:${mapped.column}`;
      out.push(frame.name ? `    at ${frame.name} (${where})` : `    at ${where}`);
    }
    return { location: firstOwn ?? first, stack: out.join('\n') };
  }

  private traceMap(): TraceMap | null {
    if (this.parsedMap === undefined) {
      try {
        this.parsedMap = new TraceMap(this.sourceMap);
      } catch {
        this.parsedMap = null; // an unreadable map only costs locations, never the error itself
      }
    }
    return this.parsedMap;
  }
}

interface StackFrame {
  name?: string;
  file: string;
  line: number;
  column: number;
}

/** Parses `    at name (file:line:col)` and `    at file:line:col`. */
export function parseFrame(text: string): StackFrame | undefined {
  const named = /^\s+at (?:async )?(.*?) \((.+):(\d+):(\d+)\)$/.exec(text);
  if (named) return { name: named[1], file: named[2]!, line: Number(named[3]), column: Number(named[4]) };
  const bare = /^\s+at (?:async )?(.+):(\d+):(\d+)$/.exec(text);
  if (bare) return { file: bare[1]!, line: Number(bare[2]), column: Number(bare[3]) };
  return undefined;
}

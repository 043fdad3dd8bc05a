'use client';
/**
 * The console: the plugin's `ctx.log` output, sandbox errors with their line:column in the
 * user's source (click to jump there), and the studio's own notes (save and load results).
 */
import type { SourceLocation } from '@bambam/protocol';
import { useEffect, useRef, useState } from 'react';
import type { ConsoleLine, EngineClient } from '../lib/engine-client.ts';
import { classifyConsoleLine } from '../lib/studio-status.ts';

const MAX_LINES = 500;

function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * A frame lost on a starved machine is reported as an error but is not the plugin's fault: shown
 * as a quiet warning.
 */
function shownLevel(line: ConsoleLine): ConsoleLine['level'] {
  return classifyConsoleLine(line)?.kind === 'forgiven' ? 'warn' : line.level;
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file ? `${location.file}:` : ''}${location.line}:${location.column}`;
}

export function ConsolePane({
  client,
  onReveal,
}: {
  client: EngineClient | null;
  onReveal?: (location: SourceLocation) => void;
}) {
  const [lines, setLines] = useState<readonly ConsoleLine[]>([]);
  const listRef = useRef<HTMLOListElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    if (!client) return;
    setLines(client.consoleLines);
    return client.on('console', (line) => setLines((old) => [...old.slice(-(MAX_LINES - 1)), line]));
  }, [client]);

  useEffect(() => {
    const list = listRef.current;
    if (list && stick.current && lines.length > 0) list.scrollTop = list.scrollHeight;
  }, [lines]);

  return (
    <section className="console" aria-label="Console" data-testid="console">
      <div className="console-head">
        <span>Console</span>
        <span className="spacer" />
        <button
          type="button"
          onClick={() => {
            client?.clearConsole();
            setLines([]);
          }}
        >
          Clear
        </button>
      </div>
      <ol
        className="console-lines"
        ref={listRef}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {lines.length === 0 && (
          <li className="console-line studio">
            <span className="console-message">ctx.log output and plugin errors show up here.</span>
          </li>
        )}
        {lines.map((line) => (
          <li
            key={line.id}
            className={`console-line ${shownLevel(line)} ${line.origin}`}
            data-level={line.level}
          >
            <time>{clock(line.receivedAt)}</time>
            {line.location && (
              <button type="button" className="console-location" onClick={() => onReveal?.(line.location!)}>
                {formatLocation(line.location)}
              </button>
            )}
            <span className="console-message">
              {line.plugin && line.origin === 'engine' ? `[${line.plugin}] ` : ''}
              {line.message}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

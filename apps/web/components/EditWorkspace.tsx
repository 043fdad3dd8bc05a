'use client';
import type { SavedSource, SourceLocation } from '@bambam/protocol';
/**
 * The live-coding editor: Monaco with the SDK's types, Save & Run (Ctrl/Cmd+S) that saves the
 * source on the engine and hot-swaps it into the running session, errors as markers at their
 * line and in the console, plugins from the engine's workspace, new ones from a template.
 * Browser-only (Monaco): the edit page loads it with `ssr: false`.
 */
import Editor, { type OnMount } from '@monaco-editor/react';
import type * as Monaco from 'monaco-editor';
import { useCallback, useEffect, useRef, useState } from 'react';
import { type MonacoModule, setupMonaco } from '../lib/monaco-setup.ts';
import { pluginNameProblem, pluginTemplate } from '../lib/plugin-template.ts';
import { SignInRequiredError, SourcesApi } from '../lib/sources-api.ts';
import { ConsolePane, formatLocation } from './ConsolePane.tsx';
import { useEngine, useEngineSnapshot, useStudioMonitor, useStudioStatus } from './EngineProvider.tsx';

const DEFAULT_PLUGIN = 'bam-drum';
const MARKER_OWNER = 'bambam';

/** The last save's progress or outcome (the instrument's state since then is the status badge's). */
type Status = { tone: 'ok' | 'bad' | 'busy' | 'idle'; text: string };

/** Studio states in which a "Running …" save result would contradict the badge and the banner. */
const FAILING_STATES = new Set(['disabled', 'runtime-error']);

declare global {
  interface Window {
    /** The editor, for the end-to-end tests (typing into Monaco key by key is slow and brittle). */
    __bambamEditor?: {
      monaco: MonacoModule;
      editor: Monaco.editor.IStandaloneCodeEditor;
      save: () => Promise<boolean>;
    };
  }
}

export default function EditWorkspace({ initialName }: { initialName?: string }) {
  const client = useEngine();
  const snapshot = useEngineSnapshot(client);
  const monitor = useStudioMonitor();
  const studioStatus = useStudioStatus();
  const [monaco, setMonaco] = useState<MonacoModule | null>(null);
  const [monacoError, setMonacoError] = useState<string | null>(null);
  const editorRef = useRef<Monaco.editor.IStandaloneCodeEditor | null>(null);
  const [name, setName] = useState(initialName ?? DEFAULT_PLUGIN);
  const [sources, setSources] = useState<SavedSource[]>([]);
  /** Set when the engine requires sign-in for saved sources and this browser has none. */
  const [signInUrl, setSignInUrl] = useState<string | null>(null);
  const [value, setValue] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>({ tone: 'idle', text: '' });
  /** Completed Save & Run attempts, so tests (and the status line) can tell one result from the next. */
  const [saves, setSaves] = useState(0);
  const [creating, setCreating] = useState(false);
  const [newName, setNewName] = useState('');
  const api = snapshot ? new SourcesApi(snapshot.engineUrl) : null;
  const engineUrl = snapshot?.engineUrl;
  const sessionSource = snapshot?.plugin?.name === name ? snapshot.plugin.source : undefined;

  useEffect(() => {
    setupMonaco().then(setMonaco, (error: Error) => setMonacoError(error.message));
  }, []);

  // The workspace's saved plugins.
  const refreshSources = useCallback(async () => {
    if (!engineUrl) return;
    try {
      setSources(await new SourcesApi(engineUrl).list());
      setSignInUrl(null);
    } catch (error) {
      setSources([]);
      if (error instanceof SignInRequiredError) {
        const back = new URL(error.loginUrl);
        back.searchParams.set('returnTo', `${window.location.pathname}${window.location.search}`);
        setSignInUrl(back.href);
      }
    }
  }, [engineUrl]);
  useEffect(() => void refreshSources(), [refreshSources]);

  // Open `name`: from the engine's workspace, else from the session (the engine sends the running
  // plugin's source), else say why not.
  const loadedName = useRef<string | null>(null);
  useEffect(() => {
    if (!engineUrl || loadedName.current === name) return;
    let cancelled = false;
    void (async () => {
      let source: string | undefined;
      let why = '';
      try {
        source = (await new SourcesApi(engineUrl).get(name)).source;
      } catch (error) {
        why = (error as Error).message;
        source = sessionSource;
      }
      if (cancelled) return;
      if (source === undefined) {
        if (!snapshot?.plugin) return; // wait for session:ready, which may carry the source
        setStatus({
          tone: 'bad',
          text: `Could not open ${name}: ${why || 'the engine has no source for it'}`,
        });
        return;
      }
      loadedName.current = name;
      setValue(source);
      setSaved(source);
      setStatus({ tone: 'idle', text: '' });
    })();
    return () => {
      cancelled = true;
    };
  }, [engineUrl, name, sessionSource, snapshot?.plugin]);

  const reveal = useCallback((location: SourceLocation) => {
    const editor = editorRef.current;
    if (!editor) return;
    editor.revealLineInCenter(location.line);
    editor.setPosition({ lineNumber: location.line, column: location.column });
    editor.focus();
  }, []);

  const setErrorMarker = useCallback(
    (message: string, location: SourceLocation | undefined, owner = MARKER_OWNER) => {
      const m = editorRef.current?.getModel();
      if (!monaco || !m || !location) return;
      const line = Math.min(Math.max(1, location.line), m.getLineCount());
      const column = Math.min(Math.max(1, location.column), m.getLineMaxColumn(line));
      const word = m.getWordAtPosition({ lineNumber: line, column });
      const endColumn = word && word.endColumn > column ? word.endColumn : m.getLineMaxColumn(line);
      monaco.editor.setModelMarkers(m, owner, [
        {
          severity: monaco.MarkerSeverity.Error,
          message,
          startLineNumber: line,
          startColumn: column,
          endLineNumber: line,
          endColumn: Math.max(endColumn, column + 1),
          source: 'Bam Bam',
        },
      ]);
    },
    [monaco],
  );

  const clearMarkers = useCallback(() => {
    const m = editorRef.current?.getModel();
    if (!monaco || !m) return;
    monaco.editor.setModelMarkers(m, MARKER_OWNER, []);
    monaco.editor.setModelMarkers(m, `${MARKER_OWNER}-runtime`, []);
  }, [monaco]);

  // Runtime errors from the sandbox become markers too, when they point into this file.
  useEffect(() => {
    if (!client) return;
    return client.on('console', (line) => {
      if (line.origin !== 'engine' || line.level !== 'error' || !line.location) return;
      const file = line.location.file;
      if (file && !file.endsWith(`${name}.ts`) && file !== 'plugin.ts' && file !== 'index.ts') return;
      setErrorMarker(line.message, line.location, `${MARKER_OWNER}-runtime`);
    });
  }, [client, name, setErrorMarker]);

  /** Saves on the engine, then hot-swaps into the session. True when the new code is playing. */
  const save = useCallback(async (): Promise<boolean> => {
    const source = editorRef.current?.getValue() ?? value;
    if (!client || !api || source === null) return false;
    setStatus({ tone: 'busy', text: 'Saving…' });
    const filename = `${name}.ts`;
    try {
      await api.save(name, source);
      setSaved(source);
      void refreshSources();
    } catch (error) {
      client.note('warn', `${(error as Error).message}. Running it anyway; it is not saved on the engine.`);
    }
    setStatus({ tone: 'busy', text: 'Compiling…' });
    const ack = await client.loadPlugin(source, filename);
    monitor?.recordLoad(ack, filename);
    clearMarkers();
    if (ack.ok) {
      const p = ack.plugin;
      setStatus({ tone: 'ok', text: `Running ${p.name} v${p.version}` });
      client.note('log', `Saved and loaded ${p.name} v${p.version}: it is playing now.`);
      setSaves((n) => n + 1);
      return true;
    }
    const { error } = ack;
    const where = error.location
      ? ` at ${formatLocation({ ...error.location, file: error.location.file ?? filename })}`
      : '';
    setErrorMarker(error.message, error.location);
    setStatus({ tone: 'bad', text: `Not loaded${where}: the previous instrument keeps playing` });
    client.note('error', `${error.message}${error.location ? '' : ' (no position reported)'}`, {
      location: error.location ? { ...error.location, file: error.location.file ?? filename } : undefined,
      plugin: error.plugin,
    });
    if (error.location) reveal(error.location);
    setSaves((n) => n + 1);
    return false;
  }, [client, monitor, api, name, value, clearMarkers, setErrorMarker, reveal, refreshSources]);

  const saveRef = useRef(save);
  saveRef.current = save;

  const onMount: OnMount = (editor, m) => {
    editorRef.current = editor;
    editor.addCommand(m.KeyMod.CtrlCmd | m.KeyCode.KeyS, () => void saveRef.current());
    window.__bambamEditor = { monaco: m as unknown as MonacoModule, editor, save: () => saveRef.current() };
  };

  useEffect(
    () => () => {
      delete window.__bambamEditor;
    },
    [],
  );

  const open = (next: string) => {
    if (next === name) return;
    const current = editorRef.current?.getValue();
    if (
      current !== undefined &&
      saved !== null &&
      current !== saved &&
      !window.confirm(`Discard unsaved changes to ${name}?`)
    ) {
      return;
    }
    loadedName.current = null;
    setValue(null);
    setName(next);
  };

  const create = () => {
    const problem = pluginNameProblem(newName);
    if (problem) {
      setStatus({ tone: 'bad', text: problem });
      return;
    }
    loadedName.current = newName;
    setName(newName);
    setValue(pluginTemplate(newName));
    setSaved(null);
    setCreating(false);
    setNewName('');
    setStatus({ tone: 'idle', text: 'New plugin from the template: Save & Run to hear it.' });
  };

  const dirty = value !== null && saved !== value;
  // "Running x" was true when it loaded; once the instrument fails, the badge says what is true now.
  const superseded = status.tone === 'ok' && studioStatus !== null && FAILING_STATES.has(studioStatus.state);
  const names = [...new Set([...sources.map((s) => s.name), name])].sort();

  return (
    <div className="edit-main">
      <div className="edit-toolbar">
        {creating ? (
          <form
            className="toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              create();
            }}
          >
            <input
              type="text"
              placeholder="my-instrument"
              value={newName}
              onChange={(e) => setNewName(e.target.value.toLowerCase())}
              aria-label="New plugin name"
            />
            <button type="submit" className="button">
              Create
            </button>
            <button type="button" className="button" onClick={() => setCreating(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <>
            <select
              value={name}
              onChange={(e) => open(e.target.value)}
              aria-label="Plugin"
              data-testid="plugin-select"
            >
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                  {sources.find((s) => s.name === n)?.example ? ' (example)' : ''}
                </option>
              ))}
            </select>
            <button type="button" className="button" onClick={() => setCreating(true)}>
              + New
            </button>
            {signInUrl && (
              <a
                className="button"
                href={signInUrl}
                data-testid="sign-in"
                title="This engine keeps saved plugins per signed-in user"
              >
                Sign in
              </a>
            )}
          </>
        )}
        <span className="file-name">
          {name}.ts
          {dirty && (
            <span className="dirty-dot" title="Unsaved changes">
              {' '}
              ●
            </span>
          )}
        </span>
        <span className="spacer" />
        <span
          className={`save-status ${superseded ? 'idle' : status.tone}`}
          data-testid="save-status"
          data-tone={status.tone}
          data-saves={saves}
        >
          {superseded ? 'Saved' : status.text}
        </span>
        <button
          type="button"
          className="button primary"
          onClick={() => void save()}
          disabled={!client || value === null || snapshot?.link !== 'connected'}
          title="Save on the engine and hot-swap into the session (Ctrl/Cmd+S)"
          data-testid="save-run"
        >
          Save &amp; Run
        </button>
      </div>
      <div className="editor-host" data-testid="editor">
        {monaco && value !== null ? (
          <Editor
            path={`file:///workspace/${name}.ts`}
            defaultLanguage="typescript"
            defaultValue={value}
            theme="vs-dark"
            onMount={onMount}
            onChange={(v) => setValue(v ?? '')}
            options={{
              fontSize: 14,
              minimap: { enabled: false },
              scrollBeyondLastLine: false,
              automaticLayout: true,
              tabSize: 2,
              fixedOverflowWidgets: true,
            }}
            loading={<div className="editor-loading">Loading the editor…</div>}
          />
        ) : (
          <div className="editor-loading">
            {monacoError
              ? `The editor failed to load: ${monacoError}`
              : status.tone === 'bad'
                ? status.text
                : snapshot?.link === 'connected' || !snapshot
                  ? `Opening ${name}…`
                  : `Waiting for the engine to open ${name} (see the message on the right)…`}
          </div>
        )}
      </div>
      <ConsolePane client={client} onReveal={reveal} />
    </div>
  );
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PluginInfo } from '@bambam/protocol';
import type { EngineSnapshot } from './engine-client.ts';
import type { HealthIssue } from './health.ts';
import { connectionLostProblem, engineFullProblem, pluginDisabledProblem } from './problems.ts';
import {
  classifyConsoleLine,
  deriveStudioStatus,
  type InstrumentLog,
  recordNote,
  type StatusInput,
} from './studio-status.ts';

const DRUM: PluginInfo = {
  name: 'bam-drum',
  version: '1.0.0',
  description: '',
  params: {},
  paramValues: {},
  sounds: {},
};

const LIVE: EngineSnapshot = {
  engineUrl: 'http://localhost:3001',
  link: 'connected',
  media: 'live',
  sessionId: 's1',
  socketId: 'k1',
  plugin: DRUM,
  problem: null,
  cameraId: null,
  wantsMedia: true,
};

function status(patch: Partial<StatusInput> = {}) {
  return deriveStudioStatus({ snapshot: LIVE, log: {}, health: [], now: 10_000, ...patch });
}

const engineLine = (message: string, extra: object = {}) =>
  ({ origin: 'engine', level: 'error', message, plugin: 'thrower', ...extra }) as const;

describe('classifyConsoleLine', () => {
  it('tells runtime errors, disabling and forgiven timeouts apart', () => {
    assert.equal(
      classifyConsoleLine(engineLine("Plugin 'thrower': onFrame threw boom"))?.kind,
      'runtime-error',
    );
    assert.equal(
      classifyConsoleLine(engineLine("Plugin 'thrower' was disabled after failing on 30 frames in a row."))
        ?.kind,
      'disabled',
    );
    assert.equal(
      classifyConsoleLine(
        engineLine(
          "Plugin 'bam-drum': onFrame was stopped after 5 ms (1.2 ms of CPU; its budget is 5 ms) and this frame was skipped; not held against the plugin: the machine may be busy",
          { code: 'frame-skipped' },
        ),
      )?.kind,
      'forgiven',
    );
    // By its code, not its words: the same text without the code is a runtime error.
    assert.equal(
      classifyConsoleLine(engineLine("Plugin 'bam-drum': not held against the plugin, says the plugin"))
        ?.kind,
      'runtime-error',
    );
    // A full engine is told by its code (the link's state), not by console text.
    assert.equal(
      classifyConsoleLine({
        origin: 'engine',
        level: 'error',
        message: 'This engine is full (1 of 1 player). Try again in a minute or use another engine.',
      }),
      null,
    );
    assert.equal(
      classifyConsoleLine({ origin: 'engine', level: 'log', message: 'frame 1', plugin: 'x' }),
      null,
    );
    assert.equal(
      classifyConsoleLine({ origin: 'studio', level: 'error', message: 'Not loaded', plugin: 'x' }),
      null,
    );
  });
});

describe('deriveStudioStatus', () => {
  it('is live and quiet when all is well', () => {
    const s = status();
    assert.equal(s.state, 'live');
    assert.equal(s.tone, 'ok');
    assert.match(s.text, /Live/);
    assert.equal(s.banner, null);
  });

  it('says disabled, why and where, in the badge and the banner alike (never "running")', () => {
    const message = "Plugin 'thrower' was disabled after failing on 30 frames in a row. Last error: boom";
    const log = recordNote({}, { kind: 'disabled', message, location: { line: 11, column: 13 } }, 9000);
    const s = status({
      snapshot: { ...LIVE, plugin: { ...DRUM, name: 'thrower' }, problem: pluginDisabledProblem(message) },
      log,
    });
    assert.equal(s.state, 'disabled');
    assert.equal(s.tone, 'bad');
    assert.equal(s.text, 'Disabled · after 30 failures · line 11');
    assert.equal(s.banner?.kind, 'plugin-disabled');
    assert.equal(s.banner?.action, 'reload-plugin');
    assert.match(s.banner!.title, /thrower was disabled after 30 failing frames/);
  });

  it('says a save did not compile, at which line, and that the old instrument plays on', () => {
    const log: InstrumentLog = {
      compileError: {
        message: 'Unexpected ";"',
        location: { file: 'bam-drum.ts', line: 5, column: 15 },
        at: 1,
      },
    };
    const s = status({ log });
    assert.equal(s.state, 'compile-error');
    assert.equal(s.text, 'Not loaded · error at line 5');
    assert.match(
      s.banner!.detail,
      /Unexpected ";" \(line 5, column 15 of bam-drum\.ts\)\. bam-drum v1\.0\.0 keeps playing/,
    );
  });

  it('shows a runtime error while it is recent, then goes back to live', () => {
    const log = recordNote(
      {},
      { kind: 'runtime-error', message: 'boom', location: { line: 11, column: 7 } },
      9000,
    );
    const s = status({ log, now: 10_000 });
    assert.equal(s.state, 'runtime-error');
    assert.equal(s.text, 'Failing at line 11');
    assert.match(
      s.banner!.detail,
      /boom \(line 11, column 7\)\. Frames it fails on make no sound; after 30 failing frames/,
    );
    assert.equal(status({ log, now: 20_000 }).state, 'live');
  });

  it('shows a forgiven timeout as a quiet warning: no banner, not red', () => {
    let log = recordNote({}, { kind: 'forgiven', message: 'not held against the plugin' }, 9000);
    log = recordNote(log, { kind: 'forgiven', message: 'not held against the plugin' }, 9500);
    const s = status({ log });
    assert.equal(s.state, 'live');
    assert.equal(s.tone, 'warn');
    assert.equal(s.banner, null);
    assert.match(s.note!, /2 frames skipped.*Not held against the plugin/);
    // A later spell counts from one again.
    assert.equal(recordNote(log, { kind: 'forgiven', message: 'x' }, 60_000).forgiven!.count, 1);
  });

  it('says the engine is full, in its words, with a Try again button, when it refused the session', () => {
    const message = 'This engine is full (3 of 3 players). Try again in a minute or use another engine.';
    const s = status({
      snapshot: { ...LIVE, link: 'full', media: 'off', sessionId: null, problem: engineFullProblem(message) },
    });
    assert.equal(s.state, 'engine-full');
    assert.equal(s.text, 'Engine full');
    assert.equal(s.banner!.title, 'The engine is full');
    assert.equal(s.banner!.detail, message);
    assert.equal(s.banner!.action, 'retry-engine');
    // Lost for another reason, it is not "full".
    const lost = status({
      snapshot: { ...LIVE, link: 'lost', media: 'off', sessionId: null, problem: connectionLostProblem('x') },
    });
    assert.equal(lost.state, 'reconnecting');
  });

  it('shows health warnings as a warning while the instrument plays', () => {
    const issue: HealthIssue = {
      kind: 'engine-overloaded',
      title: 'The engine is overloaded',
      detail: 'It dropped 40%…',
    };
    const s = status({ health: [issue] });
    assert.equal(s.state, 'struggling');
    assert.equal(s.tone, 'warn');
    assert.equal(s.text, 'Live · engine overloaded');
    assert.equal(s.banner?.tone, 'warn');
    assert.equal(s.banner?.kind, 'engine-overloaded');
  });

  it('puts the link first: an unreachable engine hides what was said about the instrument', () => {
    const log = recordNote({}, { kind: 'runtime-error', message: 'boom' }, 9000);
    const s = status({ snapshot: { ...LIVE, link: 'unreachable', media: 'off' }, log });
    assert.equal(s.state, 'unreachable');
    assert.equal(s.tone, 'bad');
  });
});

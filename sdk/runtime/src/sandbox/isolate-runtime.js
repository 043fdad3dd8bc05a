// The sandbox runtime: evaluated inside every plugin's isolate before the plugin's bundle.
// It builds the plugin's ctx (play, log, state, params) here, so a frame crosses the isolate
// boundary once in and once out, and it captures the built-ins it uses before plugin code can
// replace them. Everything it returns is a string of JSON built from primitives (or, once at
// load, a fresh tree of plain data), so nothing the plugin owns ever reaches the host; the
// host validates it all again anyway. Plain JavaScript: it is read as text, not imported.
((global) => {
  const JSONparse = JSON.parse;
  const NumberIsNaN = Number.isNaN;
  const NumberIsFinite = Number.isFinite;
  const MathMin = Math.min;
  const MathMax = Math.max;
  const JSONstringify = JSON.stringify;
  const ReflectApply = Reflect.apply;
  const ObjectFreeze = Object.freeze;
  const ObjectKeys = Object.keys;
  const ObjectCreate = Object.create;
  const ObjectHasOwn = Object.hasOwn;
  const ArrayIsArray = Array.isArray;
  const StringCtor = String;
  const ErrorCtor = Error;
  const PromiseCtor = Promise;
  const PromiseThen = Promise.prototype.then;
  const Uint8ArrayCtor = Uint8Array;
  const Uint8ArraySlice = Uint8Array.prototype.slice;
  const ArrayBufferIsView = ArrayBuffer.isView;
  const StringSlice = String.prototype.slice;
  const BUNDLE_GLOBAL = '__bambamPlugin';
  const NON_DATA = '$bambamNonData';

  // What could run outside a call (and so outside its time budget) or share memory: gone.
  for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly', 'FinalizationRegistry', 'WeakRef']) {
    delete global[name];
  }

  let maxPlays = 32;
  let maxLogs = 20;
  let maxLogChars = 2000;
  let maxScheduled = 64;
  let maxAheadMs = 250;

  let plugin;
  let onFrameFn;
  let stateFn;
  let setupFn;
  /** Sound names as keys of a prototype-less object: `in` cannot be fooled by pollution. */
  let soundNames = ObjectCreate(null);
  let soundList = '';

  let inCall = false;
  let playOut = '';
  let playCount = 0;
  let playDropped = 0;
  let invalidPlay = '';
  /** The current frame's t: `at` is checked against it. */
  let frameT = 0;
  /** `at` of plays still ahead of the latest frame (per session), and those of this call. */
  let scheduled = [];
  let scheduledNow = [];
  let clampWarned = false;
  let scheduleRefused = false;
  let logOut = '';
  let logCount = 0;
  let logDropped = 0;
  const warned = ObjectCreate(null);

  function play(sound, options) {
    if (!inCall) {
      warnOnce('late-play', 'ctx.play was called after the call returned (after an await?); it is ignored');
      return;
    }
    if (typeof sound !== 'string' || !(sound in soundNames)) {
      return invalid(`ctx.play: unknown sound ${quote(sound)}; this plugin's sounds are ${soundList}`);
    }
    let velocity = 1;
    let pan = 0;
    let at;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') return invalid(`ctx.play: options must be { velocity?, pan?, at? }`);
      const v = options.velocity;
      if (v !== undefined) {
        if (typeof v !== 'number' || NumberIsNaN(v))
          return invalid(`ctx.play: velocity must be a number 0..1, got ${quote(v)}`);
        velocity = MathMax(0, MathMin(1, v));
      }
      const p = options.pan;
      if (p !== undefined) {
        if (typeof p !== 'number' || NumberIsNaN(p))
          return invalid(`ctx.play: pan must be a number -1..1, got ${quote(p)}`);
        pan = MathMax(-1, MathMin(1, p));
      }
      const a = options.at;
      if (a !== undefined) {
        if (typeof a !== 'number' || !NumberIsFinite(a))
          return invalid(
            `ctx.play: at must be a finite number of ms on the frame clock (like frame.t), got ${quote(a)}`,
          );
        at = a;
        if (at > frameT + maxAheadMs) {
          if (!clampWarned) {
            clampWarned = true;
            logEntry(
              'warn',
              `ctx.play: at = ${at} is ${at - frameT} ms after frame.t; a play can be scheduled at most ${maxAheadMs} ms ahead, so it plays at frame.t + ${maxAheadMs}`,
              new ErrorCtor().stack,
            );
          }
          at = frameT + maxAheadMs;
        }
      }
    }
    if (playCount >= maxPlays) {
      playDropped++;
      return;
    }
    if (at !== undefined && at > frameT) {
      if (scheduled.length + scheduledNow.length >= maxScheduled) {
        if (!scheduleRefused) {
          scheduleRefused = true;
          logEntry(
            'error',
            `ctx.play: ${maxScheduled} plays scheduled ahead are already waiting (the most a session may have); this one was refused`,
            new ErrorCtor().stack,
          );
        }
        return;
      }
      scheduledNow[scheduledNow.length] = at;
    }
    playOut += `${playCount === 0 ? '' : ','}[${JSONstringify(sound)},${velocity},${pan}${at === undefined ? '' : `,${at}`}]`;
    playCount++;
  }

  function invalid(message) {
    if (invalidPlay === '') invalidPlay = errorJson(message, new ErrorCtor().stack);
  }

  function log(...args) {
    pushLog('log', args);
  }

  function pushLog(level, args) {
    if (logCount >= maxLogs) {
      logDropped++;
      return;
    }
    logCount++;
    let text = '';
    for (let i = 0; i < args.length && text.length <= maxLogChars; i++) {
      text += (i === 0 ? '' : ' ') + formatValue(args[i]);
    }
    if (text.length > maxLogChars) text = `${ReflectApply(StringSlice, text, [0, maxLogChars])}…`;
    logEntry(level, text, new ErrorCtor().stack);
  }

  function logEntry(level, text, stack) {
    logOut += `${logOut === '' ? '' : ','}[${JSONstringify(level)},${JSONstringify(text)},${JSONstringify(typeof stack === 'string' ? stack : '')}]`;
  }

  function warnOnce(key, message) {
    if (key in warned) return;
    warned[key] = true;
    logEntry('warn', message, new ErrorCtor().stack);
  }

  /** Like formatValue, with strings quoted: for values inside a message. */
  function quote(value) {
    return typeof value === 'string' ? JSONstringify(value) : formatValue(value);
  }

  /** A short text for any value, without trusting it: formatting must never throw. */
  function formatValue(value) {
    try {
      switch (typeof value) {
        case 'string':
          return value;
        case 'function':
          return `[Function ${StringCtor(value.name || 'anonymous')}]`;
        case 'object':
          if (value === null) return 'null';
          if (value instanceof ErrorCtor) return `${StringCtor(value.name)}: ${StringCtor(value.message)}`;
          return (
            JSONstringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? StringCtor(value)
          );
        default:
          return StringCtor(value);
      }
    } catch {
      return '[value that cannot be printed]';
    }
  }

  function errorJson(message, stack) {
    let text = StringCtor(message);
    if (text.length > maxLogChars) text = `${ReflectApply(StringSlice, text, [0, maxLogChars])}…`;
    return `{"m":${JSONstringify(text)},"s":${JSONstringify(typeof stack === 'string' ? stack : '')}}`;
  }

  function thrownJson(thrown) {
    let message;
    let stack = '';
    try {
      if (thrown instanceof ErrorCtor) {
        message = `${StringCtor(thrown.name)}: ${StringCtor(thrown.message)}`;
        stack = thrown.stack;
      } else {
        message = `threw ${formatValue(thrown)}`;
      }
    } catch {
      message = 'threw a value that cannot be described';
    }
    return errorJson(message, stack);
  }

  /** An async function's promise is not awaited: say so once, and surface its rejection as a log line. */
  function checkAsync(result, name) {
    if (!(result instanceof PromiseCtor)) return;
    warnOnce(
      `async-${name}`,
      `${name} returned a promise: it is not awaited, so ctx.play calls after an await are ignored`,
    );
    ReflectApply(PromiseThen, result, [
      undefined,
      (error) => {
        const described = JSONparse(thrownJson(error));
        logEntry('error', `${name} rejected: ${described.m}`, described.s);
      },
    ]);
  }

  function begin() {
    inCall = true;
    playOut = '';
    playCount = 0;
    playDropped = 0;
    invalidPlay = '';
    scheduledNow = [];
    clampWarned = false;
    scheduleRefused = false;
  }

  /** A new frame: plays scheduled up to its time are no longer waiting. */
  function advanceTo(t) {
    frameT = t;
    const still = [];
    for (let i = 0; i < scheduled.length; i++) {
      if (scheduled[i] > t) still[still.length] = scheduled[i];
    }
    scheduled = still;
  }

  function end(error) {
    inCall = false;
    // The host drops a frame's plays when it failed: only a good frame's plays are waiting.
    if (!error && invalidPlay === '' && playDropped === 0) {
      for (let i = 0; i < scheduledNow.length; i++) scheduled[scheduled.length] = scheduledNow[i];
    }
    scheduledNow = [];
    const out = `{"p":[${playOut}],"pd":${playDropped},"i":${invalidPlay || 'null'},"e":${error || 'null'},"l":[${logOut}],"ld":${logDropped}}`;
    playOut = '';
    logOut = '';
    logCount = 0;
    logDropped = 0;
    return out;
  }

  const ctx = { play, log, state: undefined, params: ObjectFreeze({}) };
  const consoleLevel =
    (level) =>
    (...args) =>
      pushLog(level, args);
  global.console = ObjectFreeze({
    log: consoleLevel('log'),
    info: consoleLevel('log'),
    debug: consoleLevel('log'),
    warn: consoleLevel('warn'),
    error: consoleLevel('error'),
  });

  /** A fresh tree of plain data (structured-cloneable) from the plugin's definition. */
  function copyData(value, depth) {
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'undefined':
        return value;
      case 'object':
        break;
      default:
        return nonData(`a ${typeof value}`);
    }
    if (value === null) return null;
    if (depth > 8) return nonData('a too deeply nested value');
    if (value instanceof Uint8ArrayCtor) return ReflectApply(Uint8ArraySlice, value, []);
    if (ArrayBufferIsView(value)) return nonData('a typed array other than Uint8Array');
    if (ArrayIsArray(value)) {
      const out = [];
      for (let i = 0; i < value.length; i++) out[i] = copyData(value[i], depth + 1);
      return out;
    }
    const out = ObjectCreate(null);
    for (const key of ObjectKeys(value)) out[key] = copyData(value[key], depth + 1);
    return out;
  }

  function nonData(what) {
    const marker = ObjectCreate(null);
    marker[NON_DATA] = what;
    return marker;
  }

  function describeDefinition(definition) {
    const out = ObjectCreate(null);
    for (const key of ['name', 'version', 'description', 'author', 'params', 'sounds']) {
      out[key] = copyData(definition[key], 0);
    }
    return out;
  }

  const runtime = {
    configure(limitsJson) {
      const limits = JSONparse(limitsJson);
      maxPlays = limits.maxPlaysPerFrame;
      maxLogs = limits.maxLogsPerFrame;
      maxLogChars = limits.maxLogChars;
      maxScheduled = limits.maxScheduledPlays;
      maxAheadMs = limits.maxScheduleAheadMs;
    },

    /** Reads the bundle's default export: `{ description }` or `{ error, invalid }`, plus logs of the top level. */
    load() {
      begin();
      const logs = () => JSONparse(end(''));
      try {
        const exported = global[BUNDLE_GLOBAL];
        global[BUNDLE_GLOBAL] = undefined;
        let definition = exported;
        if (exported !== null && typeof exported === 'object' && ObjectHasOwn(exported, '__esModule')) {
          definition = exported.default;
          if (definition === undefined) {
            return {
              invalid: 'the plugin has no default export: export default definePlugin({...})',
              ...logs(),
            };
          }
        }
        if (definition === null || typeof definition !== 'object') {
          return {
            invalid: `the default export must be definePlugin({...}), got ${definition === null ? 'null' : typeof definition}`,
            ...logs(),
          };
        }
        onFrameFn = definition.onFrame;
        stateFn = definition.state;
        setupFn = definition.setup;
        if (typeof onFrameFn !== 'function') return { invalid: `'onFrame' must be a function`, ...logs() };
        if (stateFn !== undefined && typeof stateFn !== 'function') {
          return { invalid: `'state' must be a function returning the initial state`, ...logs() };
        }
        if (setupFn !== undefined && typeof setupFn !== 'function')
          return { invalid: `'setup' must be a function`, ...logs() };
        plugin = definition;
        const description = describeDefinition(definition);
        const sounds = description.sounds;
        if (sounds !== null && typeof sounds === 'object' && !ArrayIsArray(sounds)) {
          soundNames = ObjectCreate(null);
          const names = ObjectKeys(sounds);
          for (const name of names) soundNames[name] = true;
          soundList = JSONstringify(names);
        }
        return { description, ...logs() };
      } catch (error) {
        return { error: JSONparse(thrownJson(error)), ...logs() };
      }
    },

    /** Sets the params, makes the state and runs setup: `end()` output with the error, if any. */
    start(paramsJson) {
      ctx.params = ObjectFreeze(JSONparse(paramsJson));
      begin();
      let error = '';
      try {
        ctx.state = stateFn === undefined ? {} : ReflectApply(stateFn, plugin, []);
        checkAsync(ctx.state, 'state');
        if (setupFn !== undefined) checkAsync(ReflectApply(setupFn, plugin, [ctx]), 'setup');
      } catch (thrown) {
        error = thrownJson(thrown);
      }
      return end(error);
    },

    /** One frame (a copied object); `paramsJson` only when the params changed since the last call. */
    frame(input, paramsJson) {
      if (paramsJson !== undefined) ctx.params = ObjectFreeze(JSONparse(paramsJson));
      advanceTo(input.t);
      begin();
      let error = '';
      try {
        const result = ReflectApply(onFrameFn, plugin, [input, ctx]);
        if (result !== undefined) checkAsync(result, 'onFrame');
      } catch (thrown) {
        error = thrownJson(thrown);
      }
      return end(error);
    },

    /** The same frame as JSON text (the other transport, kept for measuring). */
    frameJson(json, paramsJson) {
      return runtime.frame(JSONparse(json), paramsJson);
    },

    /** A fresh state from `state()`; the old one stays if it throws. */
    reset(paramsJson) {
      if (paramsJson !== undefined) ctx.params = ObjectFreeze(JSONparse(paramsJson));
      begin();
      let error = '';
      try {
        const state = stateFn === undefined ? {} : ReflectApply(stateFn, plugin, []);
        checkAsync(state, 'state');
        ctx.state = state;
      } catch (thrown) {
        error = thrownJson(thrown);
      }
      return end(error);
    },
  };
  global.__bambamRuntime = runtime;
})(globalThis);

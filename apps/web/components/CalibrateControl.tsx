'use client';
/**
 * "Calibrate": a button beside the direct monitoring switch opening a small panel. The player
 * strikes along with a metronome; the page measures how far their strokes land from the clicks
 * and sets direct monitoring's compensation so hits land on the beat (remembered in this
 * browser). Shows the current compensation and how long after a stroke its hit is heard, and
 * resets the compensation to 0.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import { median } from '../lib/calibration.ts';
import {
  type CalibrationProgress,
  type CalibrationResult,
  CalibrationRun,
  DEFAULT_CALIBRATION_RUN,
} from '../lib/calibration-run.ts';
import type { DirectMonitor, DirectPlay } from '../lib/direct-monitor.ts';

declare global {
  interface Window {
    /** The last calibration run's result, for the end-to-end tests. */
    __bambamCalibration?: CalibrationResult;
  }
}

/** Plays the live motion-to-sound estimate is taken from. */
const RECENT_PLAYS = 16;

const noop = () => () => undefined;

function signed(ms: number): string {
  const rounded = Math.round(ms);
  return rounded > 0 ? `+${rounded}` : rounded < 0 ? `−${-rounded}` : '0';
}

/** Stroke → heard for the last channel plays (median, ms), or undefined. */
function recentMotionToSound(log: readonly DirectPlay[]): number | undefined {
  const recent = log.filter((p) => p.via === 'channel').slice(-RECENT_PLAYS);
  return recent.length > 0 ? median(recent.map((p) => p.heardAt - p.landingAt)) : undefined;
}

function resultText(result: CalibrationResult): string {
  if (result.error) return result.error === 'cancelled' ? 'Cancelled.' : `Stopped: ${result.error}.`;
  const { estimate } = result;
  if (!estimate.ok) {
    return estimate.reason === 'too-irregular'
      ? `Too irregular, try again (${estimate.message}).`
      : `Not enough strokes, try again (${estimate.message}).`;
  }
  return (
    `Your strokes land ${signed(estimate.offsetMs)} ms from the click over ${estimate.kept} strokes ` +
    `(spread ${estimate.spreadMs.toFixed(0)} ms): compensation set to ${signed(result.compensationMs ?? 0)} ms.`
  );
}

export function CalibrateControl({ monitor }: { monitor: DirectMonitor | null }) {
  const [open, setOpen] = useState(false);
  const [bpm, setBpm] = useState<number>(DEFAULT_CALIBRATION_RUN.bpm);
  const [run, setRun] = useState<CalibrationRun | null>(null);
  const [progress, setProgress] = useState<CalibrationProgress | null>(null);
  const [result, setResult] = useState<CalibrationResult | null>(null);
  const [motionToSound, setMotionToSound] = useState<number | undefined>(undefined);

  const compensation = useSyncExternalStore(
    monitor ? (onChange) => monitor.on('compensation', onChange) : noop,
    () => monitor?.compensationMs ?? 0,
    () => 0,
  );
  const state = useSyncExternalStore(
    monitor ? (onChange) => monitor.on('change', onChange) : noop,
    () => monitor?.state ?? null,
    () => null,
  );

  useEffect(() => {
    if (!monitor || !open) return;
    setMotionToSound(recentMotionToSound(monitor.log));
    return monitor.on('play', () => setMotionToSound(recentMotionToSound(monitor.log)));
  }, [monitor, open]);

  useEffect(() => () => run?.cancel(), [run]);

  const running = run !== null && !run.result;

  function start(): void {
    if (!monitor) return;
    const next = new CalibrationRun(monitor, { bpm });
    setResult(null);
    next.on('progress', setProgress);
    next.on('done', (done) => {
      window.__bambamCalibration = done;
      setResult(done);
      setRun(null);
    });
    setRun(next);
    next.start();
  }

  const shown = result?.motionToSoundMs ?? motionToSound;
  const unrecoverable = result?.unrecoverableMs ?? 0;

  return (
    <span className="calibrate">
      <button
        type="button"
        className="button"
        disabled={!monitor}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid="calibrate-open"
        title="Measure how your strokes line up with a metronome and set when hits play"
      >
        Calibrate
      </button>
      {open && (
        <div
          className="calibrate-panel panel"
          data-testid="calibrate-panel"
          data-compensation={compensation}
          data-running={running ? 'true' : 'false'}
        >
          <p data-testid="calibrate-status">
            {compensation === 0 ? 'Not calibrated' : `Calibrated: ${signed(compensation)} ms`}
            {shown !== undefined &&
              ` · hits land ≈ ${Math.abs(Math.round(shown))} ms ${Math.round(shown) < 0 ? 'before' : 'after'} your stroke`}
          </p>
          {!state?.active && <p className="muted">Direct monitoring must be playing to calibrate.</p>}
          <div className="calibrate-row">
            <label>
              Tempo{' '}
              <input
                type="number"
                min={40}
                max={200}
                step={1}
                value={bpm}
                disabled={running}
                onChange={(event) => setBpm(Number(event.target.value))}
                data-testid="calibrate-bpm"
              />{' '}
              BPM
            </label>
            {running ? (
              <button
                type="button"
                className="button"
                onClick={() => run?.cancel()}
                data-testid="calibrate-cancel"
              >
                Cancel
              </button>
            ) : (
              <button
                type="button"
                className="button primary"
                disabled={!state?.active || !(bpm >= 40 && bpm <= 200)}
                onClick={start}
                data-testid="calibrate-start"
              >
                Start
              </button>
            )}
            <button
              type="button"
              className="button"
              disabled={running || compensation === 0}
              onClick={() => {
                monitor?.setCompensationMs(0);
                setResult(null);
              }}
              data-testid="calibrate-reset"
            >
              Reset
            </button>
          </div>
          {running && progress && (
            <p data-testid="calibrate-progress" data-strokes={progress.strokes}>
              {progress.phase === 'count-in'
                ? `Get ready… ${progress.countInLeft}`
                : `Strike on each click: ${progress.strokes} / ${progress.targetStrokes} strokes`}
            </p>
          )}
          {result && (
            <p
              data-testid="calibrate-result"
              data-ok={result.estimate.ok ? 'true' : 'false'}
              className={result.estimate.ok ? undefined : 'calibrate-warning'}
            >
              {resultText(result)}
            </p>
          )}
          {result?.estimate.ok && unrecoverable > 5 && (
            <p className="calibrate-warning" data-testid="calibrate-unrecoverable">
              Hits still land ≈ {Math.round(unrecoverable)} ms after the beat: more than compensation can
              recover (the page cannot play a hit before it arrives).
            </p>
          )}
        </div>
      )}
    </span>
  );
}

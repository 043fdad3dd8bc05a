'use client';
/**
 * The latency readout: one line with the key figure (motion → sound, estimated, and the tracked
 * frame rate), always visible; the engine's per-stage timings and the browser's audio buffer and
 * round trip on demand (click the line). Figures come from the page's {@link StudioMonitor}, the
 * same numbers its health warnings are judged on.
 */
import { useSyncExternalStore } from 'react';
import type { EngineClient } from '../lib/engine-client.ts';
import { latencyGrade } from '../lib/latency-grade.ts';
import { STAGES } from '../lib/latency-stats.ts';
import type { LatencyFigures } from '../lib/studio-monitor.ts';
import { useStudioMonitor } from './EngineProvider.tsx';

const LABELS: Record<(typeof STAGES)[number], string> = {
  decode: 'Decode',
  convert: 'Convert',
  track: 'Track',
  plugin: 'Plugin',
  total: 'Engine',
};

const EMPTY: LatencyFigures = { summary: null, audio: null, motionToSoundMs: null, fps: null };
const noop = () => () => undefined;

function ms(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : `${value.toFixed(digits)} ms`;
}

/** `client` is the page's engine client (kept for the callers; the figures come from the monitor). */
export function LatencyReadout(_props: { client?: EngineClient }) {
  const monitor = useStudioMonitor();
  const figures = useSyncExternalStore(
    monitor ? (onChange) => monitor.on('figures', onChange) : noop,
    () => monitor?.figures ?? EMPTY,
    () => EMPTY,
  );
  const { summary, audio, motionToSoundMs } = figures;
  const fps = figures.fps === null ? '– fps' : `${figures.fps.toFixed(0)} fps`;

  return (
    <section className="panel latency-panel" aria-label="Latency" data-testid="latency-panel">
      <details className="latency-details">
        <summary
          className="latency-line"
          data-testid="latency-line"
          title="Motion → sound, estimated: the engine's hit latency + the network round trip + this browser's audio buffer (camera and speakers not included). Click for details."
        >
          <span className="latency-key">
            motion→sound ≈{' '}
            <b data-testid="motion-to-sound" data-grade={latencyGrade(motionToSoundMs, figures.fps)}>
              {ms(motionToSoundMs, 0)}
            </b>
          </span>
          <span className="muted"> · {fps}</span>
        </summary>
        <dl className="latency" data-testid="latency">
          {STAGES.map((stage) => (
            <div key={stage} className={stage === 'total' ? 'latency-row total' : 'latency-row'}>
              <dt>{LABELS[stage]}</dt>
              <dd data-stage={stage}>{ms(summary?.median[stage])}</dd>
            </div>
          ))}
          <div
            className="latency-row"
            title="Video frame in → first audio packet with the hit out, median of the last hits"
          >
            <dt>Hit → sound out</dt>
            <dd data-stage="hit">{ms(summary?.hitLatency)}</dd>
          </div>
          <div className="latency-row">
            <dt>Engine p95</dt>
            <dd>{ms(summary?.p95Total)}</dd>
          </div>
          <div className="latency-row">
            <dt>Audio buffer</dt>
            <dd data-stage="audio-buffer">{ms(audio?.jitterBufferMs)}</dd>
          </div>
          <div className="latency-row">
            <dt>Round trip</dt>
            <dd>{ms(audio?.rttMs)}</dd>
          </div>
          <div className="latency-row">
            <dt>Tracking</dt>
            <dd>{summary ? `${fps} · ${summary.dropped} dropped` : '–'}</dd>
          </div>
        </dl>
      </details>
    </section>
  );
}

'use client';
/** The latency readout: the engine's per-stage timings (median) and the browser's audio buffer. */
import { useEffect, useState } from 'react';
import type { EngineClient } from '../lib/engine-client.ts';
import {
  type BrowserAudioStats,
  BrowserAudioStatsReader,
  type LatencySummary,
  LatencyWindow,
  STAGES,
} from '../lib/latency-stats.ts';

const LABELS: Record<(typeof STAGES)[number], string> = {
  decode: 'Decode',
  convert: 'Convert',
  track: 'Track',
  plugin: 'Plugin',
  total: 'Engine',
};

function ms(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : `${value.toFixed(1)} ms`;
}

export function LatencyReadout({ client }: { client: EngineClient }) {
  const [summary, setSummary] = useState<LatencySummary | null>(null);
  const [audio, setAudio] = useState<BrowserAudioStats | null>(null);

  useEffect(() => {
    const window = new LatencyWindow();
    const reader = new BrowserAudioStatsReader();
    const off = client.on('telemetry', (t) => window.add(t, performance.now()));
    const offChange = client.on('change', (s) => {
      if (s.media !== 'live') window.clear();
    });
    const ui = setInterval(() => setSummary(window.summary()), 500);
    const stats = setInterval(() => {
      const pc = client.peerConnection;
      if (pc && pc.connectionState === 'connected') void reader.read(pc).then(setAudio, () => undefined);
      else setAudio(null);
    }, 1000);
    return () => {
      off();
      offChange();
      clearInterval(ui);
      clearInterval(stats);
    };
  }, [client]);

  return (
    <section className="panel" aria-label="Latency">
      <h3>Latency</h3>
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
          <dd>{ms(audio?.jitterBufferMs)}</dd>
        </div>
        <div className="latency-row">
          <dt>Round trip</dt>
          <dd>{ms(audio?.rttMs)}</dd>
        </div>
        <div className="latency-row">
          <dt>Tracking</dt>
          <dd>{summary ? `${summary.fps.toFixed(0)} fps · ${summary.dropped} dropped` : '–'}</dd>
        </div>
      </dl>
    </section>
  );
}

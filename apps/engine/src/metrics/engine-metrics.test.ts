import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineMetrics } from './engine-metrics.ts';

test('metrics render in Prometheus text format with per-stage histograms and the hit latency', async () => {
  const metrics = new EngineMetrics({ defaultMetrics: false });
  metrics.observeStage('decode', 0.8);
  metrics.observeStage('track', 12);
  metrics.observeStage('plugin', Number.NaN); // ignored, not a crash
  metrics.hitLatency.observe(0.007);
  metrics.framesDropped.inc({ reason: 'tracker_busy' }, 3);
  metrics.sessions.set(2);
  const text = await metrics.text();
  assert.match(text, /# TYPE bambam_stage_seconds histogram/);
  assert.match(text, /bambam_stage_seconds_count\{stage="decode"\} 1/);
  assert.match(text, /bambam_stage_seconds_bucket\{le="0.001",stage="decode"\} 1/);
  assert.match(text, /bambam_stage_seconds_bucket\{le="0.01",stage="track"\} 0/);
  assert.ok(!/stage="plugin"/.test(text), 'NaN was not observed');
  assert.match(text, /bambam_hit_latency_seconds_bucket\{le="0.008"\} 1/);
  assert.match(text, /bambam_video_frames_dropped_total\{reason="tracker_busy"\} 3/);
  assert.match(text, /bambam_sessions 2/);
  assert.match(metrics.contentType, /text\/plain/);
});

test('two engines never share counters', async () => {
  const a = new EngineMetrics({ defaultMetrics: false });
  const b = new EngineMetrics({ defaultMetrics: false });
  a.hits.inc();
  assert.match(await a.text(), /bambam_hits_total 1/);
  assert.match(await b.text(), /bambam_hits_total 0/);
});

test('the tracker pool gauges read the pool at each scrape', async () => {
  const metrics = new EngineMetrics({ defaultMetrics: false });
  let stats: { workers: number; busyWorkers: number; restarts: number } | undefined;
  metrics.watchTrackerPool(() => stats);
  assert.doesNotMatch(await metrics.text(), /bambam_tracker_workers\{/, 'nothing before the pool starts');
  stats = { workers: 2, busyWorkers: 1, restarts: 0 };
  let text = await metrics.text();
  assert.match(text, /bambam_tracker_workers\{state="busy"\} 1/);
  assert.match(text, /bambam_tracker_workers\{state="idle"\} 1/);
  stats = { workers: 2, busyWorkers: 0, restarts: 3 };
  text = await metrics.text();
  assert.match(text, /bambam_tracker_workers\{state="busy"\} 0/);
  assert.match(text, /bambam_tracker_worker_restarts 3/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineMetrics } from './engine-metrics.ts';

/** A pipeline's readings as plain data (the shape `MediaPipeline.stages()` returns), set by the test. */
function pipeline() {
  const counts = { packets: 0, lost: 0, plays: 0 };
  const read = () => ({
    assembler: { packets: counts.packets, lost: counts.lost, padding: 0 },
    audio: { plays: counts.plays },
  });
  return { counts, read };
}

test('/metrics reads the stages at scrape time: live pipelines summed, a gone one keeps its counts', async () => {
  const metrics = new EngineMetrics({ defaultMetrics: false });
  const a = pipeline();
  const b = pipeline();
  const removeA = metrics.watchStages(a.read);
  metrics.watchStages(b.read);
  a.counts.packets = 10;
  a.counts.lost = 1;
  b.counts.packets = 5;
  let text = await metrics.text();
  assert.match(text, /bambam_rtp_packets_total\{kind="media"\} 15/);
  assert.match(text, /bambam_video_frames_dropped_total\{reason="lost"\} 1/);
  assert.ok(!/kind="padding"/.test(text), 'a sample still at 0 stays absent, as before');
  assert.match(text, /bambam_hits_total 0/);

  a.counts.packets = 12;
  removeA(); // the player left: its last counts stay
  removeA(); // twice is harmless
  a.counts.packets = 1000; // no longer read
  b.counts.packets = 7;
  b.counts.plays = 2;
  text = await metrics.text();
  assert.match(text, /bambam_rtp_packets_total\{kind="media"\} 19/);
  assert.match(text, /bambam_hits_total 2/);
});

test('a sample fed by the stages also takes the increments the engine makes itself', async () => {
  const metrics = new EngineMetrics({ defaultMetrics: false });
  const a = pipeline();
  metrics.watchStages(a.read);
  metrics.hits.inc(3);
  a.counts.plays = 2;
  assert.match(await metrics.text(), /bambam_hits_total 5/);
  a.counts.plays = 4;
  assert.match(await metrics.text(), /bambam_hits_total 7/);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogram, histogramDelta, histogramQuantile, metricValue, parseMetrics } from './prometheus.ts';

const TEXT = `# HELP bambam_stage_seconds Per-stage latency
# TYPE bambam_stage_seconds histogram
bambam_stage_seconds_bucket{le="0.001",stage="decode"} 10
bambam_stage_seconds_bucket{le="0.002",stage="decode"} 30
bambam_stage_seconds_bucket{le="0.004",stage="decode"} 40
bambam_stage_seconds_bucket{le="+Inf",stage="decode"} 40
bambam_stage_seconds_sum{stage="decode"} 0.06
bambam_stage_seconds_count{stage="decode"} 40
bambam_stage_seconds_bucket{le="0.001",stage="track"} 0
bambam_stage_seconds_bucket{le="0.002",stage="track"} 0
bambam_stage_seconds_bucket{le="0.004",stage="track"} 1
bambam_stage_seconds_bucket{le="+Inf",stage="track"} 2
bambam_stage_seconds_sum{stage="track"} 1.003
bambam_stage_seconds_count{stage="track"} 2
bambam_video_frames_dropped_total{reason="tracker_busy"} 3
bambam_video_frames_dropped_total{reason="lost"} 2
bambam_sessions 1
not a metric line {
`;

describe('prometheus', () => {
  const samples = parseMetrics(TEXT);

  it('parses samples with labels and skips comments and junk', () => {
    assert.equal(metricValue(samples, 'bambam_sessions'), 1);
    assert.equal(metricValue(samples, 'bambam_video_frames_dropped_total'), 5);
    assert.equal(metricValue(samples, 'bambam_video_frames_dropped_total', { reason: 'lost' }), 2);
    assert.ok(samples.every((s) => Number.isFinite(s.value) || s.value === Infinity));
  });

  it('reads a histogram per label and interpolates quantiles within buckets', () => {
    const decode = histogram(samples, 'bambam_stage_seconds', { stage: 'decode' });
    assert.equal(decode.count, 40);
    assert.equal(decode.buckets.length, 4);
    // rank 20 of 40: halfway between 10 (le 1 ms) and 30 (le 2 ms) → 1.5 ms.
    assert.equal(histogramQuantile(decode, 0.5), 0.0015);
    assert.equal(histogramQuantile(decode, 0.25), 0.001);
    assert.equal(histogramQuantile(decode, 1), 0.004);
  });

  it('reports the highest finite bound for a quantile in the +Inf bucket, NaN when empty', () => {
    const track = histogram(samples, 'bambam_stage_seconds', { stage: 'track' });
    assert.equal(histogramQuantile(track, 0.99), 0.004);
    assert.ok(Number.isNaN(histogramQuantile(histogram(samples, 'nope'), 0.5)));
    assert.throws(() => histogramQuantile(track, 2), /quantile must be in/);
  });

  it('subtracts an earlier reading', () => {
    const later = histogram(samples, 'bambam_stage_seconds', { stage: 'decode' });
    const earlier = histogram(
      parseMetrics(
        'bambam_stage_seconds_bucket{le="0.001",stage="decode"} 10\nbambam_stage_seconds_bucket{le="+Inf",stage="decode"} 10\nbambam_stage_seconds_count{stage="decode"} 10',
      ),
      'bambam_stage_seconds',
      { stage: 'decode' },
    );
    const delta = histogramDelta(later, earlier);
    assert.equal(delta.count, 30);
    assert.equal(delta.buckets[0].count, 0);
    // rank 15 of 30: 0 below 1 ms, 20 below 2 ms → 1.75 ms.
    assert.ok(Math.abs(histogramQuantile(delta, 0.5) - 0.00175) < 1e-12);
  });
});

'use client';
/**
 * The camera preview with the tracked hands drawn over it, and a flash on each hit. The video
 * is mirrored (a selfie view, so moving your right hand moves the hand on the right); the
 * overlay mirrors the landmarks the same way and maps them into the video's visible picture
 * (`object-fit: contain`), so bones sit on the hand whatever the element's size.
 */
import type { Telemetry } from '@bambam/protocol';
import { useEffect, useRef, useState } from 'react';
import type { EngineClient } from '../lib/engine-client.ts';
import { drawHands, HAND_COLORS, palmCenter, toCanvas, videoContentRect } from '../lib/hand-drawing.ts';

/**
 * Telemetry older than this is not drawn: the hands would lag behind the video. Generous, so a
 * slow tracker (a loaded machine) fades the skeleton rather than making it flicker.
 */
const STALE_MS = 1000;
const RIPPLE_MS = 450;

interface Ripple {
  readonly x: number;
  readonly y: number;
  readonly at: number;
  readonly strength: number;
  readonly color: string;
}

export function VideoStage({ client, mirrored = true }: { client: EngineClient; mirrored?: boolean }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const flashRef = useRef<HTMLDivElement>(null);
  const [hasCamera, setHasCamera] = useState(client.cameraStream !== null);

  // The local camera stream into the preview.
  useEffect(() => {
    const show = (stream: MediaStream | null) => {
      const video = videoRef.current;
      setHasCamera(stream !== null);
      if (!video) return;
      video.srcObject = stream;
      if (stream) void video.play().catch(() => undefined);
    };
    show(client.cameraStream);
    return client.on('camera', show);
  }, [client]);

  // Overlay: draw the latest telemetry once per display frame.
  useEffect(() => {
    const canvas = canvasRef.current;
    const video = videoRef.current;
    if (!canvas || !video) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    let latest: { telemetry: Telemetry; at: number } | null = null;
    const ripples: Ripple[] = [];
    let raf = 0;

    const offTelemetry = client.on('telemetry', (telemetry) => {
      const at = performance.now();
      latest = { telemetry, at };
      if (telemetry.hits.length === 0) return;
      const strength = Math.max(...telemetry.hits.map((h) => h.velocity));
      const flash = flashRef.current;
      if (flash) {
        flash.style.setProperty('--strength', String(0.25 + 0.55 * strength));
        flash.classList.remove('flash-on');
        void flash.offsetWidth; // restart the CSS animation
        flash.classList.add('flash-on');
      }
      // A ripple on the hand that moved down the most recently: the lowest palm is a good guess.
      const hands = [...telemetry.hands].sort((a, b) => palmCenter(b).y - palmCenter(a).y);
      const hand = hands[0];
      if (hand) {
        const p = palmCenter(hand);
        ripples.push({ ...p, at, strength, color: HAND_COLORS[hand.handedness] ?? '#fff' });
      }
    });

    // Redraw only when something changed (new telemetry, a resize, a fade or ripple running):
    // on a 2-core machine an idle 60 Hz canvas steals time from the camera encoder and the engine.
    let drawnAt: number | null = null;
    let drawnSize = '';
    const draw = () => {
      raf = requestAnimationFrame(draw);
      const now = performance.now();
      const dpr = window.devicePixelRatio || 1;
      const stage = canvas.parentElement ?? canvas;
      const box = { width: stage.clientWidth, height: stage.clientHeight };
      const size = `${box.width}x${box.height}@${dpr}/${video.videoWidth}x${video.videoHeight}`;
      const fading = latest !== null && now - latest.at > STALE_MS / 2 && now - latest.at < STALE_MS + 100;
      if (latest?.at === drawnAt && size === drawnSize && ripples.length === 0 && !fading) return;
      drawnAt = latest?.at ?? null;
      const frame = latest?.telemetry;
      const picture =
        video.videoWidth > 0
          ? { width: video.videoWidth, height: video.videoHeight }
          : { width: frame?.width ?? 640, height: frame?.height ?? 480 };
      // The canvas covers only the video's visible picture (object-fit: contain): fewer pixels to
      // clear and composite than the whole stage, which matters with software compositing.
      const picRect = videoContentRect(box, picture, 'contain');
      if (size !== drawnSize) {
        drawnSize = size;
        Object.assign(canvas.style, {
          left: `${picRect.x}px`,
          top: `${picRect.y}px`,
          width: `${picRect.width}px`,
          height: `${picRect.height}px`,
        });
        canvas.width = Math.round(picRect.width * dpr);
        canvas.height = Math.round(picRect.height * dpr);
      }
      const rect = { x: 0, y: 0, width: picRect.width, height: picRect.height };
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, rect.width, rect.height);
      if (latest && frame && now - latest.at < STALE_MS) {
        const age = (now - latest.at) / STALE_MS;
        drawHands(ctx, frame.hands, rect, { mirrored, opacity: age < 0.5 ? 1 : 2 * (1 - age) });
        // Which frame is on screen, for the end-to-end tests' alignment check (a property, not
        // an attribute: no style invalidation per frame).
        (canvas as HTMLCanvasElement & { frameT?: number }).frameT = frame.t;
      } else {
        (canvas as HTMLCanvasElement & { frameT?: number }).frameT = undefined;
      }
      while (ripples.length > 0 && now - ripples[0]!.at > RIPPLE_MS) ripples.shift();
      for (const r of ripples) {
        const k = (now - r.at) / RIPPLE_MS;
        const [x, y] = toCanvas(r, rect, mirrored);
        ctx.beginPath();
        ctx.arc(x, y, 12 + k * rect.width * 0.12 * (0.5 + r.strength), 0, Math.PI * 2);
        ctx.strokeStyle = r.color;
        ctx.globalAlpha = 1 - k;
        ctx.lineWidth = 5 * (1 - k) + 1;
        ctx.stroke();
        ctx.globalAlpha = 1;
      }
    };
    raf = requestAnimationFrame(draw);
    return () => {
      cancelAnimationFrame(raf);
      offTelemetry();
    };
  }, [client, mirrored]);

  return (
    <div className="stage" data-testid="stage">
      <video
        ref={videoRef}
        className={mirrored ? 'stage-video mirrored' : 'stage-video'}
        muted
        playsInline
        autoPlay
        data-testid="camera-preview"
      />
      <canvas ref={canvasRef} className="stage-overlay" data-testid="hand-overlay" />
      <div ref={flashRef} className="stage-flash" data-testid="hit-flash" />
      {!hasCamera && (
        <div className="stage-placeholder">
          <svg viewBox="0 0 24 24" width="56" height="56" aria-hidden>
            <path
              fill="currentColor"
              d="M12 2a1.5 1.5 0 0 1 1.5 1.5V11h1V4.5a1.5 1.5 0 0 1 3 0V12h1V7.5a1.5 1.5 0 0 1 3 0V15a7 7 0 0 1-7 7h-1.2a7 7 0 0 1-5.6-2.8L2.6 13.4a1.5 1.5 0 0 1 2.3-1.9L7.5 14V5.5a1.5 1.5 0 0 1 3 0V11h.1V3.5A1.5 1.5 0 0 1 12 2Z"
            />
          </svg>
          <p>Press Start and move a hand down to play.</p>
        </div>
      )}
    </div>
  );
}

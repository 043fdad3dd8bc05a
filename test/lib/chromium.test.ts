import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ChromiumSession, launchChromium, requireChromium } from './chromium.ts';
import { type ClientServer, serveClientPage } from './client/server.ts';
import { openClient } from './client.ts';
import { FOUR_STROKES, FOUR_STROKES_CLIP, fixturePath } from './fixtures.ts';

describe('launchChromium + client page', () => {
  let chromium: ChromiumSession | undefined;
  let server: ClientServer | undefined;
  const clip = fixturePath(FOUR_STROKES_CLIP);

  before(async () => {
    if (!clip) return;
    server = await serveClientPage();
    chromium = await launchChromium({ fakeVideo: clip });
  });
  after(async () => {
    await chromium?.close();
    await server?.dispose();
  });

  it('plays the fixture clip as a 640x480 camera at ~30 fps in a secure page', async (t) => {
    if (!requireChromium(t)) return;
    if (!clip || !chromium || !server) return t.skip(`fixture ${FOUR_STROKES_CLIP} not found`);
    const client = await openClient(await chromium.newPage(), { pageUrl: server.url });
    const result = await client.page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: 640, height: 480, frameRate: 30 },
      });
      const video = document.getElementById('camera') as HTMLVideoElement;
      video.srcObject = stream;
      await video.play();
      let frames = 0;
      const count = () => {
        frames++;
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
      await new Promise((r) => setTimeout(r, 2000));
      const settings = stream.getVideoTracks()[0].getSettings();
      stream.getTracks().forEach((track) => {
        track.stop();
      });
      return { secure: isSecureContext, settings, frames };
    });
    assert.equal(result.secure, true);
    assert.equal(result.settings.width, FOUR_STROKES.width);
    assert.equal(result.settings.height, FOUR_STROKES.height);
    // Headless rendering may present fewer frames than the camera delivers; it must still be moving.
    assert.ok(result.frames >= 20, `only ${result.frames} video frames presented in 2 s`);
  });

  it('refuses a missing fake-camera file with a clear error', async () => {
    await assert.rejects(
      launchChromium({ fakeVideo: '/nonexistent/clip.mjpeg' }),
      /fake camera file not found/,
    );
  });

  it('close() is idempotent', async (t) => {
    if (!requireChromium(t)) return;
    const extra = await launchChromium();
    await extra.close();
    await extra.close();
    assert.equal(extra.context.pages().length, 0);
  });
});

import { cameraProblem, noCameraApiProblem, type Problem } from '../problems.ts';
import type { ClientState } from './client-state.ts';

/** The problem shown when the camera's track ends by itself. */
export const CAMERA_STOPPED_PROBLEM: Problem = {
  kind: 'camera-missing',
  title: 'The camera stopped',
  detail: 'It was unplugged or taken by another application. Reconnect it and press Start.',
};

/**
 * The local camera: opened with the snapshot's `cameraId` while the player wants media,
 * announced on `camera`, stopped on request; a track that ends by itself (unplugged, taken)
 * shows a problem and calls `onEnded`.
 */
export class Camera {
  private readonly state: ClientState;
  private readonly constraints: MediaTrackConstraints;
  private readonly onEnded: () => void;
  private current: MediaStream | null = null;

  constructor(state: ClientState, constraints: MediaTrackConstraints, onEnded: () => void) {
    this.state = state;
    this.constraints = constraints;
    this.onEnded = onEnded;
  }

  /** The open camera stream, or null. */
  get stream(): MediaStream | null {
    return this.current;
  }

  /** Opens the camera unless it is open; false when it could not (the problem says why) or media is no longer wanted. */
  async open(): Promise<boolean> {
    if (this.current) return true;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.state.update({ media: 'off', wantsMedia: false, problem: noCameraApiProblem() });
      return false;
    }
    this.state.update({ media: 'camera' });
    const cameraId = this.state.snapshot.cameraId;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { ...this.constraints, ...(cameraId ? { deviceId: { exact: cameraId } } : {}) },
      });
      if (!this.state.snapshot.wantsMedia) {
        for (const t of stream.getTracks()) t.stop();
        return false;
      }
      this.current = stream;
      const track = stream.getVideoTracks()[0];
      track?.addEventListener('ended', () => {
        if (this.current !== stream) return;
        this.state.update({ problem: CAMERA_STOPPED_PROBLEM });
        this.onEnded();
      });
      this.state.events.emit('camera', stream);
      this.state.update({ problem: this.state.clearProblem('camera') });
      return true;
    } catch (error) {
      this.state.update({ media: 'off', wantsMedia: false, problem: cameraProblem(error) });
      return false;
    }
  }

  /**
   * Lets go of the open stream without stopping it (a camera switch stops it once the new one
   * replaced it); returns it, or null when none was open.
   */
  detach(): MediaStream | null {
    const stream = this.current;
    this.current = null;
    return stream;
  }

  /** Stops the camera's tracks and announces that there is no camera stream. */
  stop(): void {
    if (!this.current) return;
    for (const t of this.current.getTracks()) t.stop();
    this.current = null;
    this.state.events.emit('camera', null);
  }

  /** The cameras the browser knows about (labels appear once camera access was granted). */
  static async list(): Promise<MediaDeviceInfo[]> {
    if (!navigator.mediaDevices?.enumerateDevices) return [];
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices.filter((d) => d.kind === 'videoinput');
  }
}

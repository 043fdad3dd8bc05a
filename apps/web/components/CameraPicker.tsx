'use client';
/** Camera choice from `enumerateDevices` (labels appear once access was granted). */
import { useEffect, useState } from 'react';
import type { EngineClient } from '../lib/engine-client.ts';

export function CameraPicker({ client, selected }: { client: EngineClient; selected: string | null }) {
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    const refresh = () => void client.listCameras().then(setCameras, () => setCameras([]));
    refresh();
    const offCamera = client.on('camera', refresh);
    navigator.mediaDevices?.addEventListener?.('devicechange', refresh);
    return () => {
      offCamera();
      navigator.mediaDevices?.removeEventListener?.('devicechange', refresh);
    };
  }, [client]);
  if (cameras.length <= 1 && !selected) {
    return cameras.length === 1 ? (
      <span className="muted camera-name" title={cameras[0]!.label || 'Camera'}>
        Camera: {cameras[0]!.label || 'default'}
      </span>
    ) : null;
  }
  return (
    <label className="camera-picker">
      <span className="sr-only">Camera</span>
      <select value={selected ?? ''} onChange={(e) => void client.setCamera(e.target.value || null)}>
        <option value="">Default camera</option>
        {cameras.map((camera, i) => (
          <option key={camera.deviceId || i} value={camera.deviceId}>
            {camera.label || `Camera ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}

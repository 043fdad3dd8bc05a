'use client';
/** The split view: the editor on the left, the player on the right, sharing one engine session. */
import dynamic from 'next/dynamic';
import { PlayPanel } from './PlayPanel.tsx';

// Monaco touches `window` when it loads: client only.
const EditWorkspace = dynamic(() => import('./EditWorkspace.tsx'), {
  ssr: false,
  loading: () => (
    <div className="edit-main">
      <div className="editor-loading">Loading the editor…</div>
    </div>
  ),
});

export function EditView({ initialName, autostart }: { initialName?: string; autostart?: boolean }) {
  return (
    <div className="edit">
      <EditWorkspace initialName={initialName} />
      <aside className="edit-side">
        <PlayPanel compact autostart={autostart} />
      </aside>
    </div>
  );
}

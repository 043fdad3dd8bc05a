import type { Metadata } from 'next';
import { EngineProvider } from '../../components/EngineProvider.tsx';
import { PlayPanel } from '../../components/PlayPanel.tsx';

export const metadata: Metadata = { title: 'Play · Bam Bam' };

/** `/play?autostart=1` starts the camera and the connection without a click (kiosks, tests). */
export default async function PlayPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const { autostart } = await searchParams;
  return (
    <EngineProvider>
      <PlayPanel autostart={autostart === '1' || autostart === 'true'} />
    </EngineProvider>
  );
}

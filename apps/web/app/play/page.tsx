import type { Metadata } from 'next';
import { EngineProvider } from '../../components/EngineProvider.tsx';
import { PlayPanel } from '../../components/PlayPanel.tsx';

export const metadata: Metadata = { title: 'Play · Bam Bam' };

/**
 * `/play?autostart=1` starts the camera and the connection without a click (kiosks, tests).
 * `/play?plugin=<name>@<range>&params=<base64url JSON>` (a share link) loads that instrument.
 */
export default async function PlayPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const { autostart, plugin, params } = await searchParams;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const share = { plugin: first(plugin), params: first(params) };
  return (
    <EngineProvider>
      <PlayPanel autostart={autostart === '1' || autostart === 'true'} share={share} />
    </EngineProvider>
  );
}

import type { Metadata } from 'next';
import { EngineProvider } from '../../components/EngineProvider.tsx';
import { PluginsView } from './PluginsView.tsx';
import './plugins.css';

export const metadata: Metadata = { title: 'Plugins · Bam Bam' };

/**
 * `/plugins`: browse and search the engine's registry, audition sounds, use a plugin in this
 * page's session, publish a saved plugin. `?q=` presets the search, `?publish=<name>` the
 * source to publish, `&autostart=1` starts playing without a click.
 */
export default async function PluginsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const { q, publish, autostart } = await searchParams;
  return (
    <EngineProvider>
      <PluginsView
        initialQuery={typeof q === 'string' ? q : ''}
        publishName={typeof publish === 'string' ? publish : undefined}
        autostart={autostart === '1' || autostart === 'true'}
      />
    </EngineProvider>
  );
}

import type { Metadata } from 'next';
import { EditView } from '../../components/EditView.tsx';
import { EngineProvider } from '../../components/EngineProvider.tsx';

export const metadata: Metadata = { title: 'Edit · Bam Bam' };

/** `/edit?name=<plugin>` opens a saved plugin; `&autostart=1` starts playing without a click. */
export default async function EditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const { name, autostart } = await searchParams;
  return (
    <EngineProvider>
      <EditView
        initialName={typeof name === 'string' && name ? name : undefined}
        autostart={autostart === '1' || autostart === 'true'}
      />
    </EngineProvider>
  );
}

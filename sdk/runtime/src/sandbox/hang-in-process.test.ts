// The hang tests again, with the isolate in this process (isolation: 'isolate'): the watchdog
// abandons the call (the event loop stays free) while isolated-vm's thread finishes the work.
import { setTestIsolation } from './testing.ts';

setTestIsolation('isolate');
await import('./hang.test.ts');

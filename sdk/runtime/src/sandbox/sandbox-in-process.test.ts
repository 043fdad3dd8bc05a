// The behaviour suite again, with the isolate in this process (isolation: 'isolate').
import { setTestIsolation } from './testing.ts';

setTestIsolation('isolate');
await import('./sandbox.test.ts');

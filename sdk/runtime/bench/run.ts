// `npm run bench -w @bambam/sdk`: the sandbox's onFrame round trip and the mixer's frame cost.
await import('./sandbox.ts');
await import('./sound.ts');

#!/usr/bin/env -S node --no-node-snapshot
// The bambam CLI. isolated-vm needs --no-node-snapshot, hence the shebang flag.
import '../src/cli/main.ts';

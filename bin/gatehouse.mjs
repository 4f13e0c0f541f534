#!/usr/bin/env node
// The `gatehouse` bin: runs the TypeScript CLI through tsx so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../electron/hosts/cli/main.ts');

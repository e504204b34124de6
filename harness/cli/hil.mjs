#!/usr/bin/env node
// The published bin: registers tsx so the CLI runs from its TypeScript sources without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');

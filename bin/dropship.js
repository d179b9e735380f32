#!/usr/bin/env node
// Entry point of the `dropship` CLI. The product is TypeScript run through tsx's loader,
// so `npm install` + `npm start` works on a fresh clone with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

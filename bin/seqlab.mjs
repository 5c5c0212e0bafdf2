#!/usr/bin/env node
// The `seqlab` executable: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exit(code);

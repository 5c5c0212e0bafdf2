#!/usr/bin/env node
// The `seqlab` executable: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/main.ts');
const code = await main(process.argv.slice(2));
// Exit only after stdout and stderr are flushed: a pipe (e.g. `--json | jq`)
// would otherwise lose everything past the first 64 KiB.
let pending = 2;
const done = () => --pending === 0 && process.exit(code);
process.stdout.write('', done);
process.stderr.write('', done);

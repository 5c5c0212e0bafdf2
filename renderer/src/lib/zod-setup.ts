// Imported first by main.ts: zod 4 probes `new Function` to speed up parsing,
// which the strict CSP (script-src 'self') reports as a violation. Jitless
// parsing never touches eval.
import { z } from 'zod';

z.config({ jitless: true });

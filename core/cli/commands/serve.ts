// `seqlab serve`: browser mode for a headless (GPU) machine. Serves the
// renderer build and the lab contract on loopback by default, with a random
// token per start printed in the URL.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { LabService } from '../../app/lab-service.ts';
import { isLoopback } from '../../server/http-security.ts';
import { startLabServer } from '../../server/lab-server.ts';
import { SCREEN_TRAINER_NICE } from '../../worker/background-priority.ts';
import { trainerProcessLauncher } from '../../worker/train-process.ts';
import type { CliContext } from '../context.ts';
import { intOption } from '../options.ts';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../../..');
export const RENDERER_DIST = path.join(PROJECT_ROOT, 'renderer', 'dist');

/** Builds the renderer when its build is missing (first run on a fresh clone). */
export function ensureRendererBuilt(ctx: CliContext): void {
  if (fs.existsSync(path.join(RENDERER_DIST, 'index.html'))) return;
  ctx.note('building the app (first run)...');
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-renderer.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error('could not build the app (renderer/): see the messages above');
}

export function registerServe(program: Command, ctx: () => CliContext): void {
  program
    .command('serve')
    .description('browser mode: serve the lab on http://127.0.0.1 with a per-start token')
    .option('--port <n>', 'port (0 = any free port)', intOption('--port'), 8123)
    .option('--host <host>', 'address to bind; anything but loopback exposes the lab to your network', '127.0.0.1')
    .action(async (f: { port: number; host: string }) => {
      const c = ctx();
      if (f.port < 0 || f.port > 65535) throw new Error(`--port: must be from 0 to 65535 (got ${f.port})`);
      ensureRendererBuilt(c);
      const service = new LabService({
        dataDir: c.dataDir,
        history: c.history,
        mode: 'browser',
        uploadsDir: path.join(c.dataDir, 'uploads'),
        // The page is often on these same cores: training yields to it (background-priority.ts).
        launchTrainer: trainerProcessLauncher({ nice: SCREEN_TRAINER_NICE }),
      });
      const server = await startLabServer({
        service,
        staticDir: RENDERER_DIST,
        uploadsDir: path.join(c.dataDir, 'uploads'),
        host: f.host,
        port: f.port,
      });
      if (!isLoopback(f.host)) c.note(`warning: bound to ${f.host}; anyone who can reach it and has the token can use the lab`);
      if (c.json) c.emit({ url: server.url, openUrl: server.openUrl, token: server.token, port: server.port });
      else c.say(`Sequence Lab is at ${server.openUrl}\n(Ctrl-C to stop; running training stops after a checkpoint)`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      c.note('stopping...');
      await server.close();
      await service.close();
    });
}

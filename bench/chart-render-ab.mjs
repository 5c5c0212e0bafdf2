// A/B of the chart bench (#/bench/chart, 4 charts × 2 series × 100,000 points)
// served by two or more trees, alternating, a fresh `seqlab serve` and
// Chromium per sample, so one tree's warm-up never helps the other.
//
//   TREES='{"head":"/work/main","old":"/tmp/old"}' node bench/chart-render-ab.mjs ROUNDS
//
// Each tree needs its renderer built (node scripts/build-renderer.mjs) and
// node_modules (a symlink to this tree's is enough). Prints one JSON line per
// sample, then each tree's medians.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const trees = Object.entries(JSON.parse(process.env.TREES ?? '{}'));
if (trees.length < 1) throw new Error('set TREES to {"name": "/path/to/tree", ...}');
const rounds = Number(process.argv[2] ?? 4);

async function serve(root) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-ab-'));
  const child = spawn(process.execPath, [path.join(root, 'bin/seqlab.mjs'), 'serve', '--port', '0', '--json'], {
    cwd: root,
    env: { ...process.env, SEQLAB_HOME: home },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const info = await new Promise((resolve) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
  });
  return {
    info,
    stop: async () => {
      await new Promise((r) => (child.once('exit', r), child.kill('SIGTERM')));
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

const results = [];
for (let r = 0; r < rounds; r++) {
  // Alternate which tree goes first.
  for (const [name, root] of r % 2 ? [...trees].reverse() : trees) {
    const server = await serve(root);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        // The bench collects its own data's garbage before mounting the charts when gc is exposed (GC=0: not).
        ...(process.env.GC === '0' ? [] : ['--js-flags=--expose-gc']),
      ],
    });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 })).newPage();
    await page.goto(server.info.openUrl);
    await page.goto(`${server.info.url}/#/bench/chart?points=100000&series=2&charts=4&frames=120`);
    const out = page.getByTestId('bench-result');
    await out.waitFor({ timeout: 60_000 });
    const b = JSON.parse(await out.textContent());
    const row = {
      round: r,
      tree: name,
      firstRenderMs: b.firstRenderMs,
      sinceMountMs: b.firstRenderSinceMountMs,
      redrawP50: b.redrawMsP50,
      load: os.loadavg()[0],
    };
    results.push(row);
    console.log(JSON.stringify(row));
    await browser.close();
    await server.stop();
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
for (const [name] of trees) {
  const mine = results.filter((x) => x.tree === name);
  console.log(
    `${name}: first render median ${median(mine.map((x) => x.firstRenderMs))} ms, since mount ${median(mine.map((x) => x.sinceMountMs))} ms (${mine.length} samples)`,
  );
}

// `seqlab doctor`: what this machine offers — backends and GPU, the data
// folder, the built-in corpora. `npm start` shows it when no desktop app runs.
import os from 'node:os';
import type { Command } from 'commander';
import pc from 'picocolors';
import * as tf from '@tensorflow/tfjs';
import { autoComparison, detectBackends } from '../../engine/backends.ts';
import { choiceFilePath, readChoices } from '../../engine/choice/choice-cache.ts';
import { describeChoice } from '../../engine/choice/choose-backend.ts';
import { FUSED_BACKENDS, installFusedKernels } from '../../engine/fused/install-fused.ts';
import { fusedKernelsFor } from '../../ml/engine/kernel-registry.ts';
import { BUILTIN_DATASETS } from '../../services/datasets.ts';
import type { ReclaimReport } from '../../storage/history.ts';
import type { CliContext } from '../context.ts';

export async function systemReport(c: CliContext) {
  const backends = await detectBackends();
  const { machine, rungs } = await autoComparison();
  const history = c.history;
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    tfjs: tf.version.tfjs,
    backends,
    fusedKernels: { ...installFusedKernels(), backends: FUSED_BACKENDS, kernels: fusedKernelsFor(FUSED_BACKENDS[0]) },
    auto: {
      rule: 'chosen per model when a run starts: a few training steps are timed on each available backend (GPU, TensorFlow, the CPU with the fused kernels) and the fastest is taken; the choice is cached per machine and model size class',
      cacheFile: choiceFilePath(c.dataDir),
      compares: rungs.map((r) => r.label),
      machine,
      cached: readChoices(c.dataDir).map((choice) => ({ ...choice, thisMachine: choice.machine === machine })),
    },
    dataDir: c.dataDir,
    history: history.path,
    datasets: history.listDatasets().length,
    runs: history.listRuns().length,
    /** Orphaned import folders, partial exports and stale uploads removed when the history opened. */
    reclaimed: history.reclaimed,
    builtinCorpora: BUILTIN_DATASETS,
  };
}

export function registerDoctor(program: Command, ctx: () => CliContext): void {
  program
    .command('doctor')
    .description('system check: backends and GPU, data folder, built-in corpora')
    .action(async () => {
      const c = ctx();
      const r = await systemReport(c);
      if (c.json) return c.emit(r);
      c.say(pc.bold('Sequence Lab system check'));
      c.say(`node ${r.node} on ${r.platform}; TensorFlow.js ${r.tfjs}`);
      c.say(pc.bold('\nbackends'));
      for (const b of r.backends)
        c.say(`  ${b.available ? pc.green('yes') : pc.dim('no ')} ${b.name.padEnd(10)} ${b.available ? b.device : pc.dim(b.reason ?? '')}`);
      c.say(
        r.auto.compares.length > 1
          ? `  auto -> chosen per model by measurement when a run starts: the fastest of ${r.auto.compares.join(', ')} for the model's kind and size`
          : `  auto -> ${r.auto.compares[0] ?? 'none'}: nothing else to compare with here (with a GPU, auto times each model kind and size on every backend and takes the fastest)`,
      );
      if (r.auto.cached.length === 0) c.say(pc.dim(`  no choices cached yet (${r.auto.cacheFile})`));
      else c.say(`  cached choices (${r.auto.cacheFile}):`);
      for (const choice of r.auto.cached)
        c.say(
          `    ${choice.workload.padEnd(26)} ${describeChoice(choice, true)}${choice.thisMachine ? '' : pc.dim(' [another machine or hardware: not used here]')}`,
        );
      const f = r.fusedKernels;
      c.say(pc.bold('\nfused CPU kernels (native, for wasm and cpu)'));
      c.say(
        f.active
          ? `  ${pc.green('yes')} ${f.threads} threads: ${f.kernels.join(', ')}`
          : `  ${pc.dim('no ')} ${f.reason}; the stock TF.js kernels run (same results, slower)`,
      );
      c.say(pc.bold('\ndata'));
      c.say(`  folder   ${r.dataDir}  (set with --data-dir or SEQLAB_HOME)`);
      c.say(`  history  ${r.history}: ${r.datasets} dataset(s), ${r.runs} run(s)`);
      c.say(`  reclaimed ${describeReclaimed(r.reclaimed)}`);
      c.say(pc.bold('\nbuilt-in corpora (no download needed)'));
      for (const b of r.builtinCorpora) c.say(`  ${b.name.padEnd(10)} ${b.description}`);
    });
}

/** "12.3 MB: 2 partial imports, 1 partial export" — or that nothing was left behind. */
function describeReclaimed(r: ReclaimReport | null): string {
  if (!r) return pc.dim('not checked');
  const count = (kind: string, label: string) => {
    const n = r.removed.filter((x) => x.kind === kind).length;
    return n ? [`${n} ${label}${n === 1 ? '' : 's'}`] : [];
  };
  const parts = [...count('import', 'partial import'), ...count('export', 'partial export'), ...count('upload', 'stale upload')];
  const failed = r.failed.length ? pc.yellow(`; could not remove ${r.failed.map((f) => `${f.path} (${f.error})`).join(', ')}`) : '';
  return `${parts.length ? `${(r.bytes / 1e6).toFixed(1)} MB on open: ${parts.join(', ')}` : 'nothing left behind by interrupted imports, exports or uploads'}${failed}`;
}

#!/usr/bin/env bash
# Issue 6's tables: training throughput of `seqlab bench` against
# shared/bench/torch_ref.py, each pair run back to back on the same machine.
#   bash bench/engine-speed.sh [backend]            fused kernels (default threads),
#                                                   stock kernels (SEQLAB_NATIVE=0), PyTorch (1 thread)
#   bash bench/engine-speed.sh [backend] --threads  both sides at 1 thread, then both at 2
#                                                   (PyTorch through OMP_NUM_THREADS); last column:
#                                                   the defaults' ratio (seqlab 2 threads, torch_ref.py 1)
# backend: wasm (default) or cpu. Prints one markdown row per case.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-wasm}"
mode="${2:-}"
py=/usr/bin/python3
ref=../shared/bench/torch_ref.py
field() { node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8").trim().split("\n").pop()); console.log(o[process.argv[1]])' "$1"; }
ratio() { node -e "console.log(($1/$2).toFixed(2))"; }
seqlab() { node bin/seqlab.mjs --json bench "$@" --backend "$backend" | field tokensPerSec; }
torch() { $py "$ref" "$@" | field tokensPerSec; }

if [ "$mode" = "--threads" ]; then
  echo "| case | seqlab 1 thread | PyTorch 1 thread | ratio | seqlab 2 threads | PyTorch 2 threads | ratio | seqlab 2 / PyTorch 1 |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
else
  echo "| case | seqlab fused (threads) | seqlab stock | PyTorch CPU (threads) | fused / PyTorch |"
  echo "| --- | --- | --- | --- | --- |"
fi
run_case() {
  local model=$1 hidden=$2 batch=$3 len=$4 steps=$5 tsteps=$6
  local args=(--model "$model" --hidden "$hidden" --batch "$batch" --seq-len "$len")
  local name="$model h$hidden b$batch t$len"
  if [ "$mode" = "--threads" ]; then
    local s1 t1 s2 t2
    s1=$(SEQLAB_THREADS=1 seqlab "${args[@]}" --steps "$steps")
    t1=$(OMP_NUM_THREADS=1 torch "${args[@]}" --steps "$tsteps")
    s2=$(SEQLAB_THREADS=2 seqlab "${args[@]}" --steps "$steps")
    t2=$(OMP_NUM_THREADS=2 torch "${args[@]}" --steps "$tsteps")
    echo "| $name | $s1 | $t1 | $(ratio "$s1" "$t1") | $s2 | $t2 | $(ratio "$s2" "$t2") | $(ratio "$s2" "$t1") |"
  else
    local fused threads stock t
    fused=$(node bin/seqlab.mjs --json bench "${args[@]}" --steps "$steps" --backend "$backend")
    threads=$(echo "$fused" | field threads)
    fused=$(echo "$fused" | field tokensPerSec)
    stock=$(SEQLAB_NATIVE=0 seqlab "${args[@]}" --steps "$steps")
    t=$(torch "${args[@]}" --steps "$tsteps")
    echo "| $name | $fused ($threads) | $stock | $t (1) | $(ratio "$fused" "$t") |"
  fi
}
run_case lstm 128 32 64 20 20
run_case gru 128 32 64 20 20
run_case rnn 128 32 64 20 20
run_case tcn 128 32 64 20 20
run_case lstm 512 64 128 5 2
run_case tcn 512 64 128 5 3

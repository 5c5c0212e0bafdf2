#!/usr/bin/env bash
# The same cases as bench/engine-speed.sh at equal thread counts: seqlab's
# fused kernels on 1 thread (SEQLAB_THREADS=1) against PyTorch's default 1,
# and both on 2 (PyTorch through OMP_NUM_THREADS=2), each pair back to back;
# the last column is the defaults' ratio (seqlab 2 threads, torch_ref.py 1).
#   bash bench/engine-threads.sh [backend]     (default wasm)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-wasm}"
py=/usr/bin/python3
ref=../shared/bench/torch_ref.py
field() { node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8").trim().split("\n").pop()); console.log(o[process.argv[1]])' "$1"; }
echo "| case | seqlab 1 thread | PyTorch 1 thread | ratio | seqlab 2 threads | PyTorch 2 threads | ratio | seqlab 2 / PyTorch 1 |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
run_case() {
  local model=$1 hidden=$2 batch=$3 len=$4 steps=$5 tsteps=$6
  local args=(--model "$model" --hidden "$hidden" --batch "$batch" --seq-len "$len")
  local s1 t1 s2 t2
  s1=$(SEQLAB_THREADS=1 node bin/seqlab.mjs --json bench "${args[@]}" --steps "$steps" --backend "$backend" | field tokensPerSec)
  t1=$(OMP_NUM_THREADS=1 $py "$ref" "${args[@]}" --steps "$tsteps" | field tokensPerSec)
  s2=$(SEQLAB_THREADS=2 node bin/seqlab.mjs --json bench "${args[@]}" --steps "$steps" --backend "$backend" | field tokensPerSec)
  t2=$(OMP_NUM_THREADS=2 $py "$ref" "${args[@]}" --steps "$tsteps" | field tokensPerSec)
  echo "| $model h$hidden b$batch t$len | $s1 | $t1 | $(node -e "console.log(($s1/$t1).toFixed(2))") | $s2 | $t2 | $(node -e "console.log(($s2/$t2).toFixed(2))") | $(node -e "console.log(($s2/$t1).toFixed(2))") |"
}
run_case lstm 128 32 64 20 20
run_case gru 128 32 64 20 20
run_case rnn 128 32 64 20 20
run_case tcn 128 32 64 20 20
run_case lstm 512 64 128 5 2
run_case tcn 512 64 128 5 3

#!/usr/bin/env bash
# Issue 6's table: training throughput of `seqlab bench` (fused native
# kernels, and with SEQLAB_NATIVE=0 the stock TF.js kernels) against
# shared/bench/torch_ref.py, each pair run back to back on the same machine.
#   bash bench/engine-speed.sh [backend]     (default wasm)
# Prints one markdown row per case: tokens/s of each side, thread counts, ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-wasm}"
py=/usr/bin/python3
ref=../shared/bench/torch_ref.py
field() { node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8").trim().split("\n").pop()); console.log(o[process.argv[1]])' "$1"; }
echo "| case | seqlab fused (threads) | seqlab stock | PyTorch CPU (threads) | fused / PyTorch |"
echo "| --- | --- | --- | --- | --- |"
run_case() {
  local model=$1 hidden=$2 batch=$3 len=$4 steps=$5 tsteps=$6
  local args=(--model "$model" --hidden "$hidden" --batch "$batch" --seq-len "$len")
  local fused stock torch
  fused=$(node bin/seqlab.mjs --json bench "${args[@]}" --steps "$steps" --backend "$backend")
  stock=$(SEQLAB_NATIVE=0 node bin/seqlab.mjs --json bench "${args[@]}" --steps "$steps" --backend "$backend")
  torch=$($py "$ref" "${args[@]}" --steps "$tsteps")
  local f s t ft tt
  f=$(echo "$fused" | field tokensPerSec); ft=$(echo "$fused" | field threads)
  s=$(echo "$stock" | field tokensPerSec)
  t=$(echo "$torch" | field tokensPerSec); tt=$(echo "$torch" | field threads)
  echo "| $model h$hidden b$batch t$len | $f ($ft) | $s | $t ($tt) | $(node -e "console.log(($f/$t).toFixed(2))") |"
}
run_case lstm 128 32 64 20 20
run_case gru 128 32 64 20 20
run_case rnn 128 32 64 20 20
run_case tcn 128 32 64 20 20
run_case lstm 512 64 128 5 2
run_case tcn 512 64 128 5 3

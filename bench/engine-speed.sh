#!/usr/bin/env bash
# Training throughput of `seqlab bench` against shared/bench/torch_ref.py, each
# pair run back to back on the same machine (docs/benchmarks.md).
#   bash bench/engine-speed.sh [backend]            fused kernels (default threads),
#                                                   stock kernels (SEQLAB_NATIVE=0), PyTorch (1 thread)
#   bash bench/engine-speed.sh [backend] --threads  both sides at 1 thread, then both at 2
# backend: wasm (default) or cpu. Prints one markdown row per case; every row
# names both sides' threads, seqlab's kernel path and SIMD width, and the BLAS
# PyTorch loaded.
#
# Fairness, enforced:
# - PyTorch on the *reference* BLAS is many times slower than what a PyTorch
#   user has (shared/guide/engine.md): a torch_ref line whose "blas" is
#   "reference" stops the script (install libopenblas0-pthread).
# - PyTorch at 2 threads on 2 cores: OMP_NUM_THREADS=2 with OpenBLAS also at 2
#   oversubscribes (LSTM h128 53k -> 15k tok/s), so it runs both
#   OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1
#   OPENBLAS_NUM_THREADS=2 and keeps the faster, naming which.
# REPEATS=n (default 1) alternates n runs of each side and prints min–max
# (ratios: of each back-to-back pair);
# CASES (below) picks cases; PYTHON and TORCH_REF override the interpreter and
# the reference script.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-wasm}"
mode="${2:-}"
repeats="${REPEATS:-1}"
py="${PYTHON:-/usr/bin/python3}"
ref="${TORCH_REF:-../shared/bench/torch_ref.py}"

# The last JSON line of stdin, field $1 (empty when absent).
field() { node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8").trim().split("\n").pop()); console.log(o[process.argv[1]] ?? "")' "$1"; }
ratio() { node -e "console.log(($1/$2).toFixed(2))"; }
# "min–max" (or the one value) of the numbers given.
range() { node -e 'const v=process.argv.slice(1).map(Number); const lo=Math.min(...v), hi=Math.max(...v); console.log(lo===hi ? String(lo) : `${lo}–${hi}`)' "$@"; }

# One seqlab bench line (JSON).
seqlab_line() { node bin/seqlab.mjs --json bench "$@" --backend "$backend" | tail -n 1; }

# One torch_ref line (JSON), refused when PyTorch runs on the reference BLAS.
torch_line() {
  local line blas
  line=$($py "$ref" "$@" | tail -n 1)
  blas=$(echo "$line" | field blas)
  if [ "$blas" = "reference" ]; then
    echo "engine-speed.sh: PyTorch loaded the reference BLAS (\"blas\": \"reference\"); a comparison against it is not fair." >&2
    echo "  Install OpenBLAS (Debian: apt-get install -y libopenblas0-pthread) and check that torch_ref.py prints \"blas\": \"openblas\"." >&2
    exit 3
  fi
  echo "$line"
}

# "threads T, simd S" of a seqlab line's set-up.
seqlab_setup() { node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(`${o.threads} thr, ${o.kernelPath}${o.simd ? " " + o.simd : ""}`)'; }

# Fail fast, before any table: one tiny PyTorch run says which BLAS it loads.
torch_line --model lstm --hidden 8 --batch 2 --seq-len 4 --steps 1 >/dev/null

if [ "$mode" = "--threads" ]; then
  echo "| case | seqlab 1 thread (set-up) | PyTorch 1 thread (set-up) | ratio | seqlab 2 threads (set-up) | PyTorch 2 threads (faster setting, blas) | ratio |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
else
  echo "| case | seqlab fused (set-up) | seqlab stock | PyTorch (threads, blas) | fused / PyTorch |"
  echo "| --- | --- | --- | --- | --- |"
fi

# PyTorch's best 2-thread figure over the two non-oversubscribing settings; prints "tok/s<TAB>setting<TAB>blas".
torch_two_threads() {
  local a b ta tb
  a=$(OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 torch_line "$@")
  b=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2 torch_line "$@")
  ta=$(echo "$a" | field tokensPerSec)
  tb=$(echo "$b" | field tokensPerSec)
  if node -e "process.exit($ta >= $tb ? 0 : 1)"; then
    printf '%s\t%s\t%s\n' "$ta" "OMP 2 / BLAS 1" "$(echo "$a" | field blas)"
  else
    printf '%s\t%s\t%s\n' "$tb" "OMP 1 / BLAS 2" "$(echo "$b" | field blas)"
  fi
}

run_case() {
  local model=$1 hidden=$2 batch=$3 len=$4 steps=$5 tsteps=$6
  local args=(--model "$model" --hidden "$hidden" --batch "$batch" --seq-len "$len")
  local name="$model h$hidden b$batch t$len"
  local i line
  if [ "$mode" = "--threads" ]; then
    local s1=() t1=() s2=() t2=() r1=() r2=() setup1 setup2 blas1 two setting2="" blas2=""
    for ((i = 0; i < repeats; i++)); do
      line=$(SEQLAB_THREADS=1 seqlab_line "${args[@]}" --steps "$steps")
      s1+=("$(echo "$line" | field tokensPerSec)"); setup1=$(echo "$line" | seqlab_setup)
      line=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 torch_line "${args[@]}" --steps "$tsteps")
      t1+=("$(echo "$line" | field tokensPerSec)"); blas1=$(echo "$line" | field blas)
      line=$(SEQLAB_THREADS=2 seqlab_line "${args[@]}" --steps "$steps")
      s2+=("$(echo "$line" | field tokensPerSec)"); setup2=$(echo "$line" | seqlab_setup)
      two=$(torch_two_threads "${args[@]}" --steps "$tsteps")
      t2+=("$(echo "$two" | cut -f1)")
      setting2="$setting2${setting2:+; }$(echo "$two" | cut -f2)"; blas2=$(echo "$two" | cut -f3)
      r1+=("$(ratio "${s1[i]}" "${t1[i]}")"); r2+=("$(ratio "${s2[i]}" "${t2[i]}")")
    done
    echo "| $name | $(range "${s1[@]}") ($setup1) | $(range "${t1[@]}") (OMP 1 / BLAS 1, $blas1) | $(range "${r1[@]}") | $(range "${s2[@]}") ($setup2) | $(range "${t2[@]}") ($setting2, $blas2) | $(range "${r2[@]}") |"
  else
    local f=() s=() t=() r=() setup tthreads blas
    for ((i = 0; i < repeats; i++)); do
      line=$(seqlab_line "${args[@]}" --steps "$steps")
      f+=("$(echo "$line" | field tokensPerSec)"); setup=$(echo "$line" | seqlab_setup)
      s+=("$(SEQLAB_NATIVE=0 seqlab_line "${args[@]}" --steps "$steps" | field tokensPerSec)")
      line=$(torch_line "${args[@]}" --steps "$tsteps")
      t+=("$(echo "$line" | field tokensPerSec)"); tthreads=$(echo "$line" | field threads); blas=$(echo "$line" | field blas)
      r+=("$(ratio "${f[i]}" "${t[i]}")")
    done
    echo "| $name | $(range "${f[@]}") ($setup) | $(range "${s[@]}") | $(range "${t[@]}") ($tthreads thr, $blas) | $(range "${r[@]}") |"
  fi
}

# CASES="lstm:128:32:64 tcn:512:64:128" runs only those (model:hidden:batch:length).
cases="${CASES:-lstm:128:32:64 gru:128:32:64 rnn:128:32:64 tcn:128:32:64 lstm:512:64:128 tcn:512:64:128}"
for c in $cases; do
  IFS=: read -r model hidden batch len <<<"$c"
  if [ "$hidden" -ge 512 ]; then run_case "$model" "$hidden" "$batch" "$len" 5 3; else run_case "$model" "$hidden" "$batch" "$len" 20 20; fi
done

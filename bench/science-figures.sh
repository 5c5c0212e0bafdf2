#!/usr/bin/env bash
# The five experiments of issue 4 on real data, at sizes that finish on a
# 2-core machine. Writes each experiment's tables (seqlab experiment show) and
# an export folder (CSV + PNG) under $OUT. Usage:
#   OUT=/tmp/figures SEQLAB_HOME=/tmp/figures/data bash bench/science-figures.sh [which...]
# where which is any of: stability truncation rvc memory truncvsrec (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/seqlab-figures}
export SEQLAB_HOME=${SEQLAB_HOME:-$OUT/data}
mkdir -p "$OUT"
S="node bin/seqlab.mjs"
DATA=../shared/data
WHICH=${*:-stability truncation rvc memory truncvsrec}
has() { [[ " $WHICH " == *" $1 "* ]]; }
log() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$OUT/log.txt"; }

$S datasets list --json | grep -q '"ptb-char"' || $S datasets import $DATA/ptb.valid.txt --name ptb-char --level char
$S datasets list --json | grep -q '"jsb"' || $S datasets import $DATA/jsb-chorales.json --name jsb

run() { # name, then experiment args
  local name=$1; shift
  log "start $name: $*"
  # The analysis of a truncation sweep runs on the task worker's backend; the others train on wasm.
  local backend=(--backend wasm); [ "$1" = truncation ] && backend=()
  $S experiment run "$@" --name "$name" "${backend[@]}" --json > "$OUT/$name.json"
  local id; id=$(node -e "const l=require('fs').readFileSync('$OUT/$name.json','utf8').trim().split('\n').map(JSON.parse); const e=l.reverse().find(x=>x.id!==undefined&&x.kind); console.log(e.id)")
  $S experiment show "$id" > "$OUT/$name.txt"
  $S experiment export "$id" --out "$OUT/$name-export" > /dev/null
  log "done $name (experiment $id)"
  echo "$id" > "$OUT/$name.id"
}

if has stability; then run stability stability --dataset ptb-char --model rnn --hidden 128 --lambda 0.9 --steps 600 --batch 32 --seq-len 64 --valid-every 100 --lr 0.002; fi
if has truncation; then
  members=$($S experiment show "$(cat "$OUT/stability.id")" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const e=JSON.parse(s);console.log(e.members.map(m=>m.runId).join(' '))})")
  for r in $members; do run "truncation-run$r" truncation --run "$r" --ks 1,2,4,8,16,32,64; done
fi
if has rvc; then run rvc recurrent-vs-conv --dataset jsb --target-params 30000 --steps 400 --batch 8 --lr 0.005 --valid-every 100; fi
if has memory; then run memory memory --dataset copy-100 --model tcn --hidden 32 --contexts 8,16,32,64,128 --steps 400 --batch 32 --lr 0.005 --valid-every 100; fi
if has truncvsrec; then run truncvsrec truncated-vs-recurrent --dataset ptb-char --model gru --hidden 64 --k 8 --steps 500 --batch 32 --seq-len 64 --valid-every 100; fi
log "all done"

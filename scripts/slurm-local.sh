#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for the tests of the
# sweep's Slurm path (`seqlab sweep submit --slurm`). Debian's slurm-wlm and
# munge, no systemd, run as root; the recipe is ../shared/guide/slurm.md.
#   scripts/slurm-local.sh start    installs nothing; starts munged, slurmctld and slurmd
#                                   (reuses a cluster that already answers) and waits until the node is idle
#   scripts/slurm-local.sh stop     stops the three daemons started here
#   scripts/slurm-local.sh status   prints the node's state, exits 1 when no cluster answers
#   scripts/slurm-local.sh install  apt-get installs slurm-wlm and munge when sinfo is missing
set -euo pipefail

node_state() { sinfo -h -o %T 2>/dev/null | head -n 1; }

# Idle, mixed or allocated: the controller answers and the node takes work.
is_up() { case "$(node_state)" in idle | mixed | allocated | completing) return 0 ;; *) return 1 ;; esac; }

install_packages() {
  command -v sinfo >/dev/null 2>&1 && command -v munged >/dev/null 2>&1 && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -q --no-install-recommends slurm-wlm munge
}

start_munge() {
  [ -s /etc/munge/munge.key ] || runuser -u munge -- mungekey --create
  # munged runs as the munge user and needs its socket folder first.
  install -d -o munge -g munge -m 0755 /run/munge
  munge -n >/dev/null 2>&1 || runuser -u munge -- /usr/sbin/munged
  munge -n | unmunge >/dev/null
}

write_config() {
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(free -m | awk '/^Mem:/{print int($7*0.9)}')
  install -d -o slurm -g slurm /var/spool/slurmctld /var/log/slurm
  install -d /var/spool/slurmd
  cat >/etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

# A pid file whose process is alive.
running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  if ! command -v sinfo >/dev/null 2>&1; then
    echo "slurm-local: sinfo not found; run '$0 install' first (apt-get install slurm-wlm munge)" >&2
    exit 1
  fi
  start_munge
  if is_up; then
    echo "slurm-local: reusing the running cluster (node $(node_state))"
    return 0
  fi
  [ -s /etc/slurm/slurm.conf ] && running /run/slurmctld.pid || write_config
  # -c: a fresh controller forgets jobs of an earlier start (the state folder carries over otherwise).
  running /run/slurmctld.pid || { rm -f /run/slurmctld.pid; slurmctld -c; }
  running /run/slurmd.pid || slurmd
  for _ in $(seq 120); do
    is_up && break
    sleep 0.5
  done
  if ! is_up; then
    echo "slurm-local: the node did not become idle within 60 s (state: '$(node_state)'); see /var/log/slurm/" >&2
    tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
    exit 1
  fi
  echo "slurm-local: started (node $(node_state), $(nproc) CPUs)"
}

stop() {
  local pids=()
  for f in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
    running "$f" && pids+=("$(cat "$f")")
  done
  [ "${#pids[@]}" -gt 0 ] && kill "${pids[@]}"
  for _ in $(seq 40); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.25
  done
  # slurmctld drops to the slurm user and cannot remove its own pid file.
  rm -f /run/slurmctld.pid
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if is_up; then
      echo "slurm-local: up (node $(node_state))"
    else
      echo "slurm-local: down"
      exit 1
    fi
    ;;
  install) install_packages ;;
  *)
    echo "usage: $0 start|stop|status|install" >&2
    exit 2
    ;;
esac

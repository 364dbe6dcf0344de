#!/usr/bin/env bash
# bench/run.sh — the VMM's own cost, kata-style-vmm side by side with qemu-system-x86_64 -M microvm, in one run,
# on the same guests. `make bench` calls it after `make publish guest-kernel`; bench/README.md explains each figure.
#
# Usage: bench/run.sh [--qemu-only]
#   --qemu-only   measure qemu alone (to check the harness before kata-style-vmm is built); results go to
#                 bench/results/vmm-<date>-qemu-only.md
# Environment (all optional):
#   KATA_STYLE_VMM        the VMM to measure           (default: build/bin/kata-style-vmm)
#   QEMU                  the qemu binary              (default: qemu-system-x86_64)
#   BENCH_STARTUP_RUNS    start-up samples per VMM     (default: 30)
#   BENCH_IO_RUNS         runs of each I/O variant     (default: 10)
#   BENCH_IO_ITERATIONS   `out`s in the I/O variant    (default: 100000)
#   BENCH_RSS_RUNS        RSS samples per VMM          (default: 5)
#   BENCH_LINUX_RUNS      boots to the Linux banner    (default: 3)
#   BENCH_LINUX_KERNEL    kernel for that              (default: build/guest/vmlinux; skipped when absent)
#   BENCH_RESULTS_DIR     where the report goes        (default: bench/results)
# Exit status: 0 all figures measured; 1 a measurement failed (the table says which, the VMM's stderr is kept);
# 2 a prerequisite is missing (kata-style-vmm not built, no /dev/kvm, no qemu or toolchain).
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$bench_dir")
qemu_only=0
case "${1:-}" in
  --qemu-only) qemu_only=1 ;;
  "") ;;
  *) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

VMM=${KATA_STYLE_VMM:-$repo/build/bin/kata-style-vmm}
QEMU=${QEMU:-qemu-system-x86_64}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-30}
IO_RUNS=${BENCH_IO_RUNS:-10}
IO_N=${BENCH_IO_ITERATIONS:-100000}
RSS_RUNS=${BENCH_RSS_RUNS:-5}
LINUX_RUNS=${BENCH_LINUX_RUNS:-3}
LINUX_KERNEL=${BENCH_LINUX_KERNEL:-$repo/build/guest/vmlinux}
RESULTS_DIR=${BENCH_RESULTS_DIR:-$bench_dir/results}
MEMORY_MIB=256
# earlyprintk=serial: the banner goes out as soon as the early console is up (setup_arch), replayed from the log
# buffer. With console=ttyS0 alone it would wait for the real console, which a stock kernel on PVM does not reach
# under qemu -cpu host (it stops at cmpxchg16b in the slab allocator first; measured).
LINUX_CMDLINE="console=ttyS0 earlyprintk=serial"
# Per-run time limits (ms). The tiny guests finish in well under a second even where guest CPL0 code is
# emulated (PVM); the I/O variant takes a few seconds there; Linux reaches its banner in about 10 s. A VMM that
# stops the guest without exiting (qemu does on a KVM internal error) costs the whole limit, so they stay tight
# enough for `make bench` to end within minutes.
TINY_TIMEOUT_MS=20000
IO_TIMEOUT_MS=60000
LINUX_TIMEOUT_MS=60000

say() { printf '%s\n' "$*" >&2; }
need() {
  command -v "$1" >/dev/null 2>&1 || { say "bench: $1 not found: $2"; exit 2; }
}

# ---------------------------------------------------------------------------------------------- prerequisites
if [ "$qemu_only" -eq 0 ] && [ ! -x "$VMM" ]; then
  say "kata-style-vmm not built: run make publish (looked for $VMM)"
  exit 2
fi
[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || { say "bench: /dev/kvm is missing or not usable: both VMMs need KVM"; exit 2; }
need as "install binutils (.ci/install-deps.sh bench)"
need ld "install binutils (.ci/install-deps.sh bench)"
need gcc "install gcc (.ci/install-deps.sh bench)"
need "$QEMU" "install qemu-system-x86 (.ci/install-deps.sh bench)"

# The figures are only as good as the host is quiet: note the load now and at the end.
load_before=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load_before" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  say "bench: warning: load average $load_before on $(nproc) CPUs: other work will inflate both VMMs' figures"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kata-bench.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
logs=$work/logs
mkdir -p "$logs"

# ---------------------------------------------------------------------------------------------- build the guests
# Variants of bench/tiny-guest/tiny.S (see there): io0 = "S", "D\n", reset; io = the same with IO_N `out`s in
# between; halt = "S", then hlt forever.
build_guest() { # name defsym...
  local name=$1; shift
  local defs=()
  for d in "$@"; do defs+=(--defsym "$d"); done
  as --64 "${defs[@]}" -o "$work/$name.o" "$bench_dir/tiny-guest/tiny.S"
  ld -m elf_x86_64 -T "$bench_dir/tiny-guest/tiny.ld" -nostdlib -z noexecstack -o "$work/$name.elf" "$work/$name.o"
}
build_guest io0 ITERATIONS=0
build_guest io ITERATIONS="$IO_N"
build_guest halt HALT=1
gcc -O2 -Wall -Wextra -o "$work/vmmprobe" "$bench_dir/tools/vmmprobe.c"
probe=$work/vmmprobe

# ---------------------------------------------------------------------------------------------- the two VMMs
# Each VMM is a command prefix; the guest and its options are appended per measurement.
ours=("$VMM" --vcpus 1 --memory-mib "$MEMORY_MIB" --serial stdout)
ours_kernel() { printf '%s\n' --kernel "$1"; }
ours_cmdline() { printf '%s\n' --cmdline "$1"; }

# qemu microvm, as bare as this qemu allows: no option ROMs, RTC, PIT, PIC or ACPI (kata-style-vmm has none of
# them either, and each one costs qemu start-up time). Only options this qemu knows are used.
microvm_help=$("$QEMU" -M microvm,help 2>&1 || true)
machine=microvm
for opt in x-option-roms=off rtc=off pit=off pic=off acpi=off; do
  if grep -q "^ *${opt%%=*}=" <<<"$microvm_help"; then machine+=",$opt"; fi
done
qemu_base=("$QEMU" -M "$machine" -accel kvm -m "$MEMORY_MIB" -smp 1 -nodefaults -no-user-config -nographic
  -serial stdio -no-reboot)
qemu_cpu=(-cpu host)
qemu_exit=()
qemu_status=0
qemu_kernel() { printf '%s\n' -kernel "$1"; }
qemu_cmdline() { printf '%s\n' -append "$1"; }

# Runs the probe; prints its "ok ..." line or returns 1 after logging the failure.
probe_run() { # label probe-args... -- command...
  local label=$1; shift
  local out
  if out=$("$probe" "$@" 2>>"$logs/$label.probe"); then
    printf '%s\n' "$out"
  else
    printf '%s\n' "$out" >>"$logs/$label.probe"
    say "  $label: ${out:-probe failed}"
    return 1
  fi
}

# qemu: does -cpu host work here (PVM may refuse it), and does the i8042 reset end it? qemu 7.2's microvm has no
# i8042, so the guest's reset is ignored and it falls through to isa-debug-exit at 0xf4, which we then add; qemu
# exits with (value << 1) | 1 = 1 through it.
say "bench: checking qemu ($("$QEMU" --version | head -1))"
if ! "$probe" run --wait-exit --timeout-ms 5000 --stderr "$logs/qemu-probe.stderr" -- \
    "${qemu_base[@]}" "${qemu_cpu[@]}" -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$work/io0.elf" \
    >/dev/null 2>>"$logs/qemu-probe.stderr"; then
  say "bench: qemu -cpu host failed here ($(tail -1 "$logs/qemu-probe.stderr" 2>/dev/null)); using -cpu max"
  qemu_cpu=(-cpu max)
fi
if r=$("$probe" run --wait-exit --timeout-ms 5000 --stderr "$logs/qemu-probe.stderr" -- \
    "${qemu_base[@]}" "${qemu_cpu[@]}" -kernel "$work/io0.elf" 2>>"$logs/qemu-probe.stderr") && [ "$(cut -d' ' -f4 <<<"$r")" = 0 ]; then
  say "bench: qemu exits on the guest's i8042 reset"
else
  qemu_exit=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
  r=$("$probe" run --wait-exit --timeout-ms "$TINY_TIMEOUT_MS" --expect-output $'D\n' \
        --stderr "$logs/qemu-probe.stderr" -- "${qemu_base[@]}" "${qemu_cpu[@]}" "${qemu_exit[@]}" -kernel "$work/io0.elf" \
        2>>"$logs/qemu-probe.stderr") \
    || { say "bench: qemu does not run the tiny guest: $r"; cat "$logs/qemu-probe.stderr" >&2; exit 2; }
  qemu_status=$(cut -d' ' -f4 <<<"$r")
  say "bench: qemu -M microvm has no i8042 here: the guest ends it through isa-debug-exit (exit status $qemu_status)"
fi
qemu=("${qemu_base[@]}" "${qemu_cpu[@]}" "${qemu_exit[@]}")

vmms=(qemu)
[ "$qemu_only" -eq 1 ] || vmms=(ours qemu)
declare -A expected_status=([ours]=0 [qemu]=$qemu_status)
declare -A title=([ours]="kata-style-vmm" [qemu]="qemu microvm")

# The full command line of a VMM for a guest: VMM-specific spelling of kernel and cmdline.
command_for() { # vmm kernel [cmdline]
  local v=$1 kernel=$2 cmdline=${3:-}
  local -n base=$v
  local args=("${base[@]}")
  mapfile -t -O "${#args[@]}" args < <("${v}_kernel" "$kernel")
  if [ -n "$cmdline" ]; then mapfile -t -O "${#args[@]}" args < <("${v}_cmdline" "$cmdline"); fi
  printf '%s\n' "${args[@]}"
}
shell_quote() { # quotes only what a shell would misread, so the commands stay readable
  local out=() a
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./,=:+@%-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
  done
  printf '%s' "${out[*]}"
}

# ---------------------------------------------------------------------------------------------- statistics
# stats FILE → "median p90 min max n" (nearest-rank percentiles) of the numbers in FILE, one a line.
stats() {
  sort -n "$1" | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "- - - - 0"; exit }
    p50 = int((NR + 1) / 2); p90 = int(NR * 0.9); if (p90 < NR * 0.9) p90++; if (p90 < 1) p90 = 1
    med = (NR % 2) ? v[p50] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s %s %s %s %d\n", med, v[p90], v[1], v[NR], NR }'
}
field() { cut -d' ' -f"$2" <<<"$1"; }

declare -A fig            # fig[vmm.metric] = value, or "FAIL"
declare -A commands       # commands[vmm.metric] = the exact command line
failures=0
fail() { fig[$1.$2]=FAIL; failures=$((failures + 1)); }

# ---------------------------------------------------------------------------------------------- (a) start-up
# Spawn → first stdout byte "S" from the guest, STARTUP_RUNS times, the two VMMs interleaved so that drift on
# the host hits both alike. The run goes on to the guest's reset, so spawn → exit is recorded too.
say "bench: (a) start-up, $STARTUP_RUNS runs each"
for v in "${vmms[@]}"; do
  mapfile -t cmd < <(command_for "$v" "$work/io0.elf")
  commands[$v.startup]=$(shell_quote "${cmd[@]}")
  : >"$work/$v.startup"; : >"$work/$v.lifetime"; : >"$work/$v.prefix"
  # One unrecorded run warms the page cache and checks the exit status.
  if r=$(probe_run "$v-startup" run --wait-exit --timeout-ms "$TINY_TIMEOUT_MS" --expect-output $'SD\n' \
        --stderr "$logs/$v-startup.stderr" -- "${cmd[@]}"); then
    if [ "$(field "$r" 4)" != "${expected_status[$v]}" ]; then
      say "  ${title[$v]}: exit status $(field "$r" 4) after the guest's reset, expected ${expected_status[$v]}"
      echo "exit status $(field "$r" 4) after the guest's i8042 reset (expected ${expected_status[$v]})" >>"$logs/$v.notes"
      failures=$((failures + 1))
    fi
  else
    echo "the tiny guest did not run: $(tail -1 "$logs/$v-startup.probe")" >>"$logs/$v.notes"
    fail "$v" startup
  fi
done
for ((i = 0; i < STARTUP_RUNS; i++)); do
  for v in "${vmms[@]}"; do
    [ "${fig[$v.startup]:-}" = FAIL ] && continue
    mapfile -t cmd < <(command_for "$v" "$work/io0.elf")
    if r=$(probe_run "$v-startup" run --wait-exit --timeout-ms "$TINY_TIMEOUT_MS" --expect-output $'D\n' \
          --stderr "$logs/$v-startup.stderr" -- "${cmd[@]}"); then
      field "$r" 2 >>"$work/$v.startup"
      field "$r" 3 >>"$work/$v.lifetime"
      field "$r" 5 >>"$work/$v.prefix"
    else
      echo "start-up run $((i + 1)) failed: $(tail -1 "$logs/$v-startup.probe")" >>"$logs/$v.notes"
      fail "$v" startup
    fi
  done
done
for v in "${vmms[@]}"; do
  [ "${fig[$v.startup]:-}" = FAIL ] && continue
  s=$(stats "$work/$v.startup"); l=$(stats "$work/$v.lifetime")
  fig[$v.startup]=$(field "$s" 1); fig[$v.startup_p90]=$(field "$s" 2); fig[$v.lifetime]=$(field "$l" 1)
  fig[$v.startup_min]=$(field "$s" 3)
  before=$(sort -n "$work/$v.prefix" | tail -1)
  if [ "${before:-0}" != 0 ]; then
    echo "wrote $before bytes of its own to stdout before the guest's first byte (--serial stdout should carry only the guest's output)" >>"$logs/$v.notes"
  fi
done

# ---------------------------------------------------------------------------------------------- (b) I/O exits
# Guest time between "S" and exit for IO_N `out`s minus the same for none, over IO_N: one port-I/O exit from
# the guest to the VMM's user-space port bus and back (the port is one no device decodes).
say "bench: (b) I/O exit round trip, $IO_RUNS runs each of 0 and $IO_N outs"
# Interleaved like (a): run i of both variants on one VMM, then on the other, so that the host's load (other
# work on the machine) drifts over both alike.
for v in "${vmms[@]}"; do
  mapfile -t cmdn < <(command_for "$v" "$work/io.elf")
  commands[$v.io]=$(shell_quote "${cmdn[@]}")
  : >"$work/$v.io0"; : >"$work/$v.ion"
done
for ((i = 0; i < IO_RUNS; i++)); do
  for v in "${vmms[@]}"; do
    [ "${fig[$v.io]:-}" = FAIL ] && continue
    for variant in io0 ion; do
      if [ $variant = io0 ]; then mapfile -t c < <(command_for "$v" "$work/io0.elf"); else mapfile -t c < <(command_for "$v" "$work/io.elf"); fi
      if r=$(probe_run "$v-io" run --wait-exit --timeout-ms "$IO_TIMEOUT_MS" --expect-output $'D\n' \
            --stderr "$logs/$v-io.stderr" -- "${c[@]}"); then
        echo $(($(field "$r" 3) - $(field "$r" 2))) >>"$work/$v.$variant"
      else
        echo "I/O run ($variant) failed: $(tail -1 "$logs/$v-io.probe")" >>"$logs/$v.notes"
        fail "$v" io
        break
      fi
    done
  done
done
for v in "${vmms[@]}"; do
  [ "${fig[$v.io]:-}" = FAIL ] && continue
  t0=$(field "$(stats "$work/$v.io0")" 1); tn=$(field "$(stats "$work/$v.ion")" 1)
  fig[$v.io_total]=$tn
  fig[$v.io]=$(awk -v a="$tn" -v b="$t0" -v n="$IO_N" 'BEGIN { printf "%.2f", (a - b) / n }')          # µs/exit
  fig[$v.io_rate]=$(awk -v a="$tn" -v b="$t0" -v n="$IO_N" 'BEGIN { d = a - b; if (d <= 0) print "-"; else printf "%.0f", n * 1e6 / d }')
done

# ---------------------------------------------------------------------------------------------- (c) RSS
# The halting guest with a 256 MiB VM: once "S" is out and 200 ms have passed, VmRSS of the VMM process.
say "bench: (c) VMM RSS with a ${MEMORY_MIB} MiB guest, $RSS_RUNS runs each"
for v in "${vmms[@]}"; do
  mapfile -t cmd < <(command_for "$v" "$work/halt.elf")
  api=()
  if [ "$v" = ours ]; then
    api_socket=$work/api.sock
    cmd+=(--api-socket "$api_socket")
    api=(--api-socket "$api_socket")
  fi
  commands[$v.rss]=$(shell_quote "${cmd[@]}")
  : >"$work/$v.rss"; : >"$work/$v.hwm"
  for ((i = 0; i < RSS_RUNS; i++)); do
    [ "$v" = ours ] && rm -f "$api_socket"
    if r=$(probe_run "$v-rss" rss --timeout-ms "$TINY_TIMEOUT_MS" --stderr "$logs/$v-rss.stderr" "${api[@]}" -- "${cmd[@]}"); then
      ok=$(grep '^ok ' <<<"$r")
      field "$ok" 2 >>"$work/$v.rss"; field "$ok" 3 >>"$work/$v.hwm"
      grep '^api ' <<<"$r" | sed 's/^api //' >"$work/$v.api" || true
    else
      echo "RSS run failed: $(tail -1 "$logs/$v-rss.probe")" >>"$logs/$v.notes"
      fail "$v" rss
      break
    fi
  done
  if [ "$v" = ours ] && grep -q '^none ' "$work/ours.api" 2>/dev/null; then
    echo "control API (--api-socket) gave no metrics: $(sed 's/^none //' "$work/ours.api")" >>"$logs/ours.notes"
  fi
  [ "${fig[$v.rss]:-}" = FAIL ] && continue
  fig[$v.rss]=$(awk -v k="$(field "$(stats "$work/$v.rss")" 1)" 'BEGIN { printf "%.1f", k / 1024 }')
  fig[$v.hwm]=$(awk -v k="$(field "$(stats "$work/$v.hwm")" 1)" 'BEGIN { printf "%.1f", k / 1024 }')
done

# ---------------------------------------------------------------------------------------------- (d) Linux
linux_measured=0
if [ -f "$LINUX_KERNEL" ]; then
  linux_measured=1
  say "bench: (d) $LINUX_KERNEL to \"Linux version\" with $LINUX_CMDLINE, $LINUX_RUNS runs each"
  for v in "${vmms[@]}"; do
    mapfile -t cmd < <(command_for "$v" "$LINUX_KERNEL" "$LINUX_CMDLINE")
    commands[$v.linux]=$(shell_quote "${cmd[@]}")
    : >"$work/$v.linux"
  done
  # Interleaved like (a) and (b).
  for ((i = 0; i < LINUX_RUNS; i++)); do
    for v in "${vmms[@]}"; do
      [ "${fig[$v.linux]:-}" = FAIL ] && continue
      mapfile -t cmd < <(command_for "$v" "$LINUX_KERNEL" "$LINUX_CMDLINE")
      if r=$(probe_run "$v-linux" run --marker "Linux version" --timeout-ms "$LINUX_TIMEOUT_MS" \
            --stderr "$logs/$v-linux.stderr" -- "${cmd[@]}"); then
        field "$r" 2 >>"$work/$v.linux"
      else
        echo "Linux boot failed: $(tail -1 "$logs/$v-linux.probe")" >>"$logs/$v.notes"
        fail "$v" linux
      fi
    done
  done
  for v in "${vmms[@]}"; do
    [ "${fig[$v.linux]:-}" = FAIL ] && continue
    s=$(stats "$work/$v.linux")
    fig[$v.linux]=$(awk -v u="$(field "$s" 1)" 'BEGIN { printf "%.2f", u / 1e6 }')
  done
else
  say "bench: (d) skipped: no $LINUX_KERNEL (make guest-kernel)"
fi

# ---------------------------------------------------------------------------------------------- report
ms() { [ "${1:-}" = FAIL ] || [ -z "${1:-}" ] && { printf '%s' "${1:-–}"; return; }; awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
ratio() { # ours qemu
  if [ "$qemu_only" -eq 1 ] || [ "${1:-FAIL}" = FAIL ] || [ "${2:-FAIL}" = FAIL ] || [ "$1" = - ] || [ "$2" = - ]; then
    printf '–'
  else
    awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "–"; else printf "%.2f", a / b }'
  fi
}
goal() { # value limit
  if [ "$qemu_only" -eq 1 ]; then printf '%s' "${3:-}"; return; fi
  if [ "${1:-FAIL}" = FAIL ]; then printf '%s MISSED (not measured)' "${3:-}"; return; fi
  awk -v v="$1" -v g="$2" -v t="$3" 'BEGIN { printf "%s %s", t, (v <= g ? "met" : "MISSED") }'
}
cell() { [ "$qemu_only" -eq 1 ] && { printf 'not run'; return; }; printf '%s' "${1:-–}"; }

table() {
  echo "| figure | kata-style-vmm | qemu microvm | ours / qemu | goal |"
  echo "|---|---:|---:|---:|---|"
  echo "| (a) start-up: spawn → guest's first byte, median (ms) ↓ | $(cell "$(ms "${fig[ours.startup]:-}")") | $(ms "${fig[qemu.startup]:-}") | $(ratio "${fig[ours.startup]:-}" "${fig[qemu.startup]:-}") | $(goal "$(ms "${fig[ours.startup]:-}")" 10 "≤ 10 ms") |"
  echo "| (a) start-up, fastest run (ms) ↓ | $(cell "$(ms "${fig[ours.startup_min]:-}")") | $(ms "${fig[qemu.startup_min]:-}") | $(ratio "${fig[ours.startup_min]:-}" "${fig[qemu.startup_min]:-}") | |"
  echo "| (a) start-up, p90 (ms) ↓ | $(cell "$(ms "${fig[ours.startup_p90]:-}")") | $(ms "${fig[qemu.startup_p90]:-}") | $(ratio "${fig[ours.startup_p90]:-}" "${fig[qemu.startup_p90]:-}") | |"
  echo "| (a) tiny guest spawn → VMM exited, median (ms) ↓ | $(cell "$(ms "${fig[ours.lifetime]:-}")") | $(ms "${fig[qemu.lifetime]:-}") | $(ratio "${fig[ours.lifetime]:-}" "${fig[qemu.lifetime]:-}") | |"
  echo "| (b) port-I/O exit round trip (µs) ↓ | $(cell "${fig[ours.io]:-}") | ${fig[qemu.io]:-–} | $(ratio "${fig[ours.io]:-}" "${fig[qemu.io]:-}") | |"
  echo "| (b) port-I/O exits per second ↑ | $(cell "${fig[ours.io_rate]:-}") | ${fig[qemu.io_rate]:-–} | $(ratio "${fig[ours.io_rate]:-}" "${fig[qemu.io_rate]:-}") | |"
  echo "| (c) VMM RSS, ${MEMORY_MIB} MiB guest halted (MiB) ↓ | $(cell "${fig[ours.rss]:-}") | ${fig[qemu.rss]:-–} | $(ratio "${fig[ours.rss]:-}" "${fig[qemu.rss]:-}") | $(goal "${fig[ours.rss]:-FAIL}" 20 "≤ 20 MiB") |"
  echo "| (c) VMM peak RSS (VmHWM) (MiB) ↓ | $(cell "${fig[ours.hwm]:-}") | ${fig[qemu.hwm]:-–} | $(ratio "${fig[ours.hwm]:-}" "${fig[qemu.hwm]:-}") | |"
  if [ "$linux_measured" -eq 1 ]; then
    echo "| (d) Linux: spawn → \"Linux version\" on the console, median (s) ↓ | $(cell "${fig[ours.linux]:-}") | ${fig[qemu.linux]:-–} | $(ratio "${fig[ours.linux]:-}" "${fig[qemu.linux]:-}") | |"
  else
    echo "| (d) Linux: spawn → \"Linux version\" (s) | not run: no $LINUX_KERNEL | | | |"
  fi
}

load_after=$(cut -d' ' -f1 /proc/loadavg)
host_kvm="hardware KVM"
[ -d /sys/module/kvm_pvm ] && host_kvm="PVM (kvm_pvm): guest CPL0 code is emulated, ~2 MIPS; both VMMs pay it"
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
date_tag=$(date +%Y-%m-%d)
mkdir -p "$RESULTS_DIR"
if [ "$qemu_only" -eq 1 ]; then report=$RESULTS_DIR/vmm-$date_tag-qemu-only.md; else report=$RESULTS_DIR/vmm-$date_tag.md; fi
vmm_rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo" diff --quiet HEAD -- hypervisor 2>/dev/null || vmm_rev+=" + uncommitted changes in hypervisor/"

{
  echo "# kata-style-vmm vs qemu microvm — $(date '+%Y-%m-%d %H:%M %Z')"
  echo
  [ "$qemu_only" -eq 1 ] && { echo "**qemu only** (\`bench/run.sh --qemu-only\`): kata-style-vmm was not measured."; echo; }
  table
  echo
  echo "↓ lower is better, ↑ higher is better. Medians; start-up over $STARTUP_RUNS runs, the I/O figure from"
  echo "$IO_RUNS runs each of 0 and $IO_N \`out\`s, RSS over $RSS_RUNS runs, Linux over $LINUX_RUNS boots. bench/README.md explains each figure."
  echo
  echo "## Host"
  echo "- $(uname -srm), $(nproc) CPUs, $cpu_model"
  echo "- KVM: $host_kvm"
  echo "- load average (1 min) before / after: $load_before / $load_after"
  echo "- qemu: $("$QEMU" --version | head -1)"
  if [ "$qemu_only" -eq 0 ]; then
    echo "- kata-style-vmm: $VMM ($(stat -c %s "$VMM") bytes), repo at $vmm_rev"
  fi
  echo
  echo "## Spread"
  for v in "${vmms[@]}"; do
    [ -s "$work/$v.startup" ] && echo "- ${title[$v]} start-up min–max: $(sort -n "$work/$v.startup" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.1f–%.1f", lo / 1000, hi / 1000 }') ms"
    [ -s "$work/$v.linux" ] && echo "- ${title[$v]} spawn → \"Linux version\" per boot (s): $(sort -n "$work/$v.linux" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / 1e6 }')"
    [ -s "$work/$v.ion" ] && echo "- ${title[$v]} $IO_N outs, guest time per run (ms): $(sort -n "$work/$v.ion" | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 / 1000 }'); 0 outs: $(sort -n "$work/$v.io0" | awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 / 1000 }')"
  done
  echo
  echo "## Commands"
  echo "Each spawned directly (posix_spawn, no shell) by bench/tools/vmmprobe.c with stdin /dev/null, stdout a pipe."
  echo "The guests are bench/tiny-guest/tiny.S built three ways (io0: ITERATIONS=0, io: ITERATIONS=$IO_N, halt: HALT=1)."
  for v in "${vmms[@]}"; do
    echo
    echo "${title[$v]}:"
    echo '```'
    for m in startup io rss linux; do
      [ -n "${commands[$v.$m]:-}" ] && echo "${commands[$v.$m]}" | sed -e "s|$work/|\$WORK/|g" -e "s|$repo/||g"
    done
    echo '```'
  done
  if [ -s "$work/ours.api" ]; then
    echo
    echo "## kata-style-vmm's own metrics (control API, halting guest, last run)"
    if grep -q '^none ' "$work/ours.api"; then
      echo "No answer from \`--api-socket\`: $(sed 's/^none //' "$work/ours.api")"
    else
      echo '```json'
      cat "$work/ours.api"
      echo '```'
    fi
  fi
  notes=0
  for v in "${vmms[@]}"; do [ -s "$logs/$v.notes" ] && notes=1; done
  if [ "$notes" -eq 1 ]; then
    echo
    echo "## Problems seen"
    for v in "${vmms[@]}"; do
      [ -s "$logs/$v.notes" ] || continue
      sort -u "$logs/$v.notes" | sed "s|^|- ${title[$v]}: |"
      for f in "$logs/$v"-*.stderr; do
        [ -s "$f" ] || continue
        echo
        echo "last lines of ${title[$v]}'s stderr ($(basename "$f" .stderr | sed "s/^$v-//") runs):"
        echo '```'
        tail -n 15 "$f"
        echo '```'
      done
    done
  fi
} >"$report"

echo
table | column -t -s '|' -o '|' 2>/dev/null || table
echo
[ -s "$logs/ours.notes" ] && { say "kata-style-vmm problems:"; sort -u "$logs/ours.notes" | sed 's/^/  /' >&2; }
[ -s "$logs/qemu.notes" ] && { say "qemu problems:"; sort -u "$logs/qemu.notes" | sed 's/^/  /' >&2; }
say "report: $report"
[ "$failures" -eq 0 ] || exit 1

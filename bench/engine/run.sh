#!/usr/bin/env bash
# bench/engine/run.sh — the container engine itself against `runc run`, and the agent's idle RSS (issue 3).
#
#  (1) create + start + wait + delete of /bin/true from one busybox bundle: Kata.Container's ContainerEngine called
#      in-process by a NativeAOT harness (bench/engine/Kata.Bench.Engine: no gRPC agent, no CLI, the harness
#      re-executes itself as the container stage as the agent does), against `runc run` of the same bundle, timed by
#      the same harness with a Stopwatch, interleaved run by run. Goal: ≤ 1.2× runc (median).
#  (2) kata-style-agent (NativeAOT) started on a Unix socket as a host process, once its gRPC Health/Check answers
#      SERVING and it has been idle for BENCH_IDLE_SECONDS: VmRSS from /proc/PID/status. Goal: ≤ 20 MiB.
#
# Writes bench/results/engine-<date>.md. Needs root, runc, curl (with HTTP/2), /bin/busybox, the dotnet SDK (it
# publishes the harness) and build/bin/kata-style-agent (make publish) or KATA_STYLE_AGENT.
#
# Environment (all optional):
#   BENCH_RUNS          timed runs per runtime      (default: 30)
#   BENCH_WARMUP        unrecorded runs per runtime (default: 3)
#   BENCH_IDLE_SECONDS  agent idle time before RSS  (default: 3)
#   KATA_STYLE_AGENT    the agent                   (default: build/bin/kata-style-agent)
#   KATA_BENCH_ENGINE   a published harness         (default: publish it into $KATA_BUILD_ROOT or /tmp)
#   RUNC                the peer                    (default: runc)
#   BENCH_RESULTS_DIR   where the report goes       (default: bench/results)
# Exit status: 0 measured; 1 a measurement failed; 2 a prerequisite is missing.
set -euo pipefail

engine_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_dir=$(dirname "$engine_dir")
repo=$(dirname "$bench_dir")
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
idle=${BENCH_IDLE_SECONDS:-3}
agent=${KATA_STYLE_AGENT:-$repo/build/bin/kata-style-agent}
runc=${RUNC:-runc}
results=${BENCH_RESULTS_DIR:-$bench_dir/results}

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench/engine: $1 is missing ($2)" >&2; exit 2; }; }
[ "$(id -u)" = 0 ] || { echo "bench/engine: run as root (namespaces, mounts, cgroups)" >&2; exit 2; }
need "$runc" "apt-get install runc"
need curl "apt-get install curl"
[ -x /bin/busybox ] || { echo "bench/engine: /bin/busybox is missing (apt-get install busybox-static)" >&2; exit 2; }
[ -x "$agent" ] || { echo "bench/engine: $agent is not built (make publish, or set KATA_STYLE_AGENT)" >&2; exit 2; }

work=$(mktemp -d /tmp/kata-engine-bench.XXXXXX)
agent_pid=""
cleanup() {
  if [ -n "$agent_pid" ]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

harness=${KATA_BENCH_ENGINE:-}
if [ -z "$harness" ]; then
  need dotnet "the .NET 10 SDK"
  out=${KATA_BUILD_ROOT:-/tmp/kata-bench-engine-build}/bench-engine-publish
  echo "bench/engine: publishing the harness (NativeAOT, Release) into $out"
  dotnet publish "$engine_dir/Kata.Bench.Engine/Kata.Bench.Engine.csproj" -c Release -p:PublishAot=true -o "$out" --nologo -v:q >&2
  harness=$out/kata-bench-engine
fi
[ -x "$harness" ] || { echo "bench/engine: harness $harness is missing" >&2; exit 2; }

# The bundle: static busybox as /bin/true, config.json = Kata.Oci's default spec (runc spec's defaults), /bin/true.
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
"$harness" spec --bundle "$bundle"

mkdir -p "$results"
report=$results/engine-$(date +%F).md
timing=$work/timing.md
echo "bench/engine: $runs runs each of the engine and runc (after $warmup warm-up runs each)"
"$harness" run --bundle "$bundle" --state-root "$work/state" --report "$timing" --runs "$runs" --warmup "$warmup" --runc "$runc" </dev/null \
  || { echo "bench/engine: the timing run failed" >&2; exit 1; }

# (2) The agent's idle RSS.
socket=$work/agent.sock
"$agent" --listen "unix:$socket" --state-dir "$work/agent-state" --log-level warning >"$work/agent.log" 2>&1 &
agent_pid=$!
# gRPC over HTTP/2 without a client library: an empty CheckRequest is the 5-byte frame header with length 0;
# HealthCheckResponse{status: SERVING (1)} is the frame 00 00000002 08 01.
healthy=""
for _ in $(seq 1 200); do
  if [ -S "$socket" ] && printf '\0\0\0\0\0' | curl -s --http2-prior-knowledge --unix-socket "$socket" \
      -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @- \
      http://localhost/katastyle.agent.v1.Health/Check -o "$work/health.bin" 2>/dev/null \
      && [ "$(od -An -tx1 "$work/health.bin" | tr -d ' \n')" = "00000000020801" ]; then
    healthy=yes; break
  fi
  sleep 0.05
done
[ -n "$healthy" ] || { echo "bench/engine: the agent did not answer Health/Check; its log:" >&2; tail -20 "$work/agent.log" >&2; exit 1; }
sleep "$idle"
rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$agent_pid/status")
hwm_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$agent_pid/status")
threads=$(awk '/^Threads:/ {print $2}' "/proc/$agent_pid/status")
anon_kib=$(awk '/^RssAnon:/ {print $2}' "/proc/$agent_pid/status")
file_kib=$(awk '/^RssFile:/ {print $2}' "/proc/$agent_pid/status")
rss_mib=$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')
hwm_mib=$(awk -v k="$hwm_kib" 'BEGIN { printf "%.1f", k / 1024 }')
anon_mib=$(awk -v k="$anon_kib" 'BEGIN { printf "%.1f", k / 1024 }')
file_mib=$(awk -v k="$file_kib" 'BEGIN { printf "%.1f", k / 1024 }')
rss_verdict=$(awk -v k="$rss_kib" 'BEGIN { print (k <= 20 * 1024) ? "met" : "MISSED" }')

{
  echo "# Container engine vs runc, agent idle RSS — $(date +%F)"
  echo
  echo "Host: $(uname -r), $(nproc) cores, cgroups $( [ -f /sys/fs/cgroup/cgroup.controllers ] && echo v2 || echo v1 ), $("$runc" --version | head -1)."
  echo "Harness: \`bench/engine/run.sh\` (NativeAOT Release \`kata-bench-engine\`, engine in-process; runc spawned by the"
  echo "same harness; both timed with a Stopwatch around the whole create + start + wait + delete)."
  echo
  cat "$timing"
  echo
  echo "### kata-style-agent idle"
  echo
  echo "| figure | value | goal |"
  echo "|---|---:|---|"
  echo "| VmRSS after Health/Check answered and ${idle} s idle | ${rss_mib} MiB | ≤ 20 MiB: **${rss_verdict}** |"
  echo "| of which anonymous (GC heap, stacks, runtime data): RssAnon | ${anon_mib} MiB | |"
  echo "| of which file-backed (the executable's pages, libc): RssFile | ${file_mib} MiB | |"
  echo "| VmHWM (peak) | ${hwm_mib} MiB | |"
  echo "| threads | ${threads} | |"
  echo
  echo "Agent: \`$agent\` ($(stat -c %s "$agent") bytes, built $(date -r "$agent" '+%F %T')), \`--listen unix:… --log-level warning\`,"
  echo "a host process."
} >"$report"
cat "$report"
echo "bench/engine: report written to $report"

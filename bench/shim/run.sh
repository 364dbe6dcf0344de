#!/usr/bin/env bash
# bench/shim/run.sh — issue 5's benchmark: `ctr run --rm` of busybox `true` through containerd with our shim
# (io.containerd.kata-style.v2, `process` sandbox) against runc's shim (io.containerd.runc.v2), in one hyperfine run
# (30 runs each); the RSS of containerd-shim-kata-style-v2 per pod while a container runs; ttrpc unary round trips
# per second on one connection (bench/shim/Kata.Bench.Ttrpc). Writes bench/results/shim-<date>.md.
# Like tests/Kata.Shim.Tests/Infrastructure: a private containerd (own root, state, socket; CRI off) and a one-layer
# busybox image in docker-archive format built from /bin/busybox and imported with `ctr images import`.
# Needs `make publish` first (build/bin/containerd-shim-kata-style-v2, build/bin/kata-style-agent), containerd + ctr,
# containerd-shim-runc-v2 + runc, hyperfine, /bin/busybox, python3, root. Goals: ≤ 1.5× runc; shim RSS ≤ 25 MiB.
#
# Environment (all optional):
#   KATA_SHIM          the shim to measure     (default: build/bin/containerd-shim-kata-style-v2)
#   KATA_STYLE_AGENT   the agent it starts     (default: build/bin/kata-style-agent)
#   BENCH_RUNS         runs per command        (default: 30)
#   BENCH_TTRPC_SECONDS  seconds per ttrpc mode (default: 5; 0 skips the ttrpc figure)
#   BENCH_RESULTS_DIR  where the report goes   (default: bench/results)
# Exit status: 0 measured; 1 a command failed; 2 a prerequisite is missing.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo=$(dirname "$bench_dir")
shim=${KATA_SHIM:-$repo/build/bin/containerd-shim-kata-style-v2}
agent=${KATA_STYLE_AGENT:-$repo/build/bin/kata-style-agent}
runs=${BENCH_RUNS:-30}
ttrpc_seconds=${BENCH_TTRPC_SECONDS:-5}
results=${BENCH_RESULTS_DIR:-$bench_dir/results}
image=docker.io/library/busybox:bench

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench/shim: $1 is missing ($2)" >&2; exit 2; }; }
[ -x "$shim" ] || { echo "bench/shim: $shim is not built (make publish)" >&2; exit 2; }
[ -x "$agent" ] || { echo "bench/shim: $agent is not built (make publish)" >&2; exit 2; }
need containerd "apt-get install containerd"
need ctr "apt-get install containerd"
need containerd-shim-runc-v2 "apt-get install containerd"
need runc "apt-get install runc"
need hyperfine "apt-get install hyperfine"
need python3 "apt-get install python3"
need dotnet "the .NET SDK builds the ttrpc harness"
[ -x /bin/busybox ] || { echo "bench/shim: /bin/busybox is missing (apt-get install busybox-static)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench/shim: run as root (containerd and both runtimes need it)" >&2; exit 2; }

work=$(mktemp -d /tmp/kata-shim-bench.XXXXXX)
containerd_pid=
cleanup() {
  if [ -n "$containerd_pid" ]; then
    ctr --address "$work/c.sock" tasks kill -s KILL rss-kata >/dev/null 2>&1 || true
    ctr --address "$work/c.sock" tasks kill -s KILL rss-runc >/dev/null 2>&1 || true
    sleep 0.5
    ctr --address "$work/c.sock" tasks rm -f rss-kata >/dev/null 2>&1 || true
    ctr --address "$work/c.sock" tasks rm -f rss-runc >/dev/null 2>&1 || true
    kill "$containerd_pid" 2>/dev/null || true
    wait "$containerd_pid" 2>/dev/null || true
  fi
  # Overlay mounts containerd left for tasks that were killed mid-run.
  grep -o " $work/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
  return 0
}
trap cleanup EXIT

# Our shim on containerd's PATH, under the name containerd looks for.
mkdir -p "$work/bin"
ln -s "$shim" "$work/bin/containerd-shim-kata-style-v2"
cat >"$work/configuration.toml" <<TOML
[runtime]
sandbox = "process"
state_dir = "$work/ks"
[agent]
path = "$agent"
TOML
cat >"$work/config.toml" <<TOML
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$work/c.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$work/opt"
TOML
(cd "$work" && PATH="$work/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" KATA_STYLE_CONFIG="$work/configuration.toml" \
  exec containerd --config "$work/config.toml" --log-level warn >"$work/containerd.log" 2>&1) &
containerd_pid=$!
ctr_() { ctr --address "$work/c.sock" "$@"; }
for _ in $(seq 300); do
  [ -S "$work/c.sock" ] && ctr_ version >/dev/null 2>&1 && break
  kill -0 "$containerd_pid" 2>/dev/null || { echo "bench/shim: containerd exited:" >&2; cat "$work/containerd.log" >&2; exit 1; }
  sleep 0.05
done
ctr_ version >/dev/null || { echo "bench/shim: containerd did not come up" >&2; cat "$work/containerd.log" >&2; exit 1; }

# The busybox image (docker-archive: manifest.json, config, one layer), as tests/Kata.Shim.Tests builds it.
layer_dir=$work/image/layer
mkdir -p "$layer_dir"/{bin,dev,etc,proc,root,sys,tmp,var}
cp /bin/busybox "$layer_dir/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$layer_dir/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$layer_dir/etc/passwd"
echo 'root:x:0:' >"$layer_dir/etc/group"
tar -C "$layer_dir" --numeric-owner -cf "$work/image/layer.tar" .
layer_digest=$(sha256sum "$work/image/layer.tar" | cut -d' ' -f1)
mkdir -p "$work/archive/$layer_digest"
mv "$work/image/layer.tar" "$work/archive/$layer_digest/layer.tar"
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$layer_digest" >"$work/archive/config.json"
config_name=$(sha256sum "$work/archive/config.json" | cut -d' ' -f1).json
mv "$work/archive/config.json" "$work/archive/$config_name"
printf '[{"Config":"%s","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config_name" "$image" "$layer_digest" >"$work/archive/manifest.json"
tar -C "$work/archive" -cf "$work/busybox.tar" manifest.json "$config_name" "$layer_digest/layer.tar"
ctr_ images import "$work/busybox.tar" >/dev/null

kata_run="ctr --address $work/c.sock run --rm --runtime io.containerd.kata-style.v2 $image bench-kata true"
runc_run="ctr --address $work/c.sock run --rm --runtime io.containerd.runc.v2 $image bench-runc true"
# Sanity: both must succeed once before being timed.
$kata_run </dev/null || { echo "bench/shim: kata-style run failed" >&2; tail -n 40 "$work/containerd.log" >&2; exit 1; }
$runc_run </dev/null || { echo "bench/shim: runc run failed" >&2; tail -n 40 "$work/containerd.log" >&2; exit 1; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
json=$work/hyperfine.json
hyperfine --runs "$runs" --warmup 3 --export-json "$json" --command-name "ctr run --rm (runc)" --command-name "ctr run --rm (kata-style)" \
  "$runc_run </dev/null" "$kata_run </dev/null" || {
  echo "bench/shim: a timed run failed; once more with its output:" >&2
  $runc_run </dev/null >&2 || true
  $kata_run </dev/null >&2 || true
  tail -n 40 "$work/containerd.log" >&2
  exit 1
}
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# RSS per pod: one container each, running; the shims' VmRSS (and our agent's, the rest of a process-sandbox pod).
ctr_ run -d --runtime io.containerd.kata-style.v2 "$image" rss-kata sleep 600 >/dev/null
ctr_ run -d --runtime io.containerd.runc.v2 "$image" rss-runc sleep 600 >/dev/null
sleep 1
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# A task's shim is the parent of its init (runc's shim writes no shim.pid; ours is the init's subreaper parent
# only with runc, so ours is read from its shim.pid).
task_pid() { ctr_ tasks ls | awk -v id="$1" '$1 == id {print $2}'; }
kata_shim_pid=$(cat "$work/state/io.containerd.runtime.v2.task/default/rss-kata/shim.pid")
runc_shim_pid=$(ps -o ppid= -p "$(task_pid rss-runc)" | tr -d ' ')
kata_shim_rss=$(rss_kib "$kata_shim_pid")
runc_shim_rss=$(rss_kib "$runc_shim_pid")
agent_rss=0
for child in $(cat "/proc/$kata_shim_pid/task/"*/children 2>/dev/null); do
  if [ "$(readlink "/proc/$child/exe" 2>/dev/null)" = "$(readlink -f "$agent")" ]; then agent_rss=$(rss_kib "$child"); fi
done

# ttrpc round trips on one connection (Release build of the harness).
ttrpc_lines=""
if [ "$ttrpc_seconds" != 0 ]; then
  harness_out=$work/ttrpc-bench
  KATA_BUILD_ROOT=${KATA_BUILD_ROOT:-$work/dotnet} dotnet build "$bench_dir/shim/Kata.Bench.Ttrpc/Kata.Bench.Ttrpc.csproj" -c Release -o "$harness_out" --nologo -v:q >/dev/null
  ttrpc_lines=$(dotnet "$harness_out/Kata.Bench.Ttrpc.dll" --seconds "$ttrpc_seconds")
fi

mkdir -p "$results"
report=$results/shim-$(date +%F).md
python3 - "$json" "$report" "$runs" "$kata_shim_rss" "$runc_shim_rss" "$agent_rss" "$load_before" "$load_after" "$ttrpc_lines" <<'PY'
import json, sys, datetime, platform
data = json.load(open(sys.argv[1]))
res = {r["command"]: r for r in data["results"]}
runc, kata = res["ctr run --rm (runc)"], res["ctr run --rm (kata-style)"]
ratio = kata["mean"] / runc["mean"]
kata_rss, runc_rss, agent_rss = (int(v) / 1024 for v in sys.argv[4:7])
with open(sys.argv[2], "w") as out:
    out.write(f"# containerd shim: kata-style vs runc — {datetime.date.today()}\n\n")
    out.write(f"`ctr run --rm` of busybox `true`, {sys.argv[3]} runs each (hyperfine, 3 warm-up runs), private containerd, "
              f"`process` sandbox, host {platform.node()}; load average {sys.argv[7]} before, {sys.argv[8]} after.\n\n")
    out.write("| command | mean | stddev | min | max |\n|---|---|---|---|---|\n")
    for name, r in (("ctr run --rm (runc)", runc), ("ctr run --rm (kata-style)", kata)):
        out.write(f"| {name} | {r['mean']*1000:.1f} ms | {r['stddev']*1000:.1f} ms | {r['min']*1000:.1f} ms | {r['max']*1000:.1f} ms |\n")
    out.write(f"\n**Ratio kata-style / runc: {ratio:.2f}×** (goal: ≤ 1.5×) — {'met' if ratio <= 1.5 else 'MISSED'}.\n\n")
    out.write("| resident memory while one container runs | VmRSS |\n|---|---|\n")
    out.write(f"| containerd-shim-kata-style-v2 (per pod) | {kata_rss:.1f} MiB (goal ≤ 25 MiB: {'met' if kata_rss <= 25 else 'MISSED'}) |\n")
    out.write(f"| kata-style-agent (the `process` sandbox of that pod) | {agent_rss:.1f} MiB |\n")
    out.write(f"| containerd-shim-runc-v2 (peer) | {runc_rss:.1f} MiB |\n\n")
    if sys.argv[9].strip():
        out.write("ttrpc unary round trips, our client against our server on one Unix-socket connection (bench/shim/Kata.Bench.Ttrpc, Release, JIT):\n\n")
        out.write("| mode | calls/s | p50 | p99 |\n|---|---|---|---|\n")
        for line in sys.argv[9].strip().splitlines():
            f = dict(kv.split("=", 1) for kv in line.split())
            out.write(f"| {f['mode']} ({f['payload']} B) | {float(f['per_second']):,.0f} | {f['p50_us']} µs | {f['p99_us']} µs |\n")
print(f"ratio {ratio:.2f}x, shim RSS {kata_rss:.1f} MiB -> {sys.argv[2]}")
PY

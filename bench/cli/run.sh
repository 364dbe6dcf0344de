#!/usr/bin/env bash
# bench/cli/run.sh — `kata-style run` against `runc run` for /bin/true on the same busybox bundle, in one hyperfine
# run (30 runs each by default), with the `process` sandbox; writes bench/results/cli-<date>.md with the ratio.
# Needs `make publish` first (build/bin/kata-style and build/bin/kata-style-agent, NativeAOT), runc, hyperfine,
# /bin/busybox. Issue 6's goal: kata-style ≤ 1.3× runc with the process sandbox.
#
# Environment (all optional):
#   KATA_STYLE         the CLI to measure      (default: build/bin/kata-style)
#   KATA_STYLE_AGENT   the agent it starts     (default: build/bin/kata-style-agent)
#   RUNC               the peer                (default: runc)
#   BENCH_RUNS         runs per command        (default: 30)
#   BENCH_RESULTS_DIR  where the report goes   (default: bench/results)
# Exit status: 0 measured; 1 a command failed; 2 a prerequisite is missing.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo=$(dirname "$bench_dir")
kata=${KATA_STYLE:-$repo/build/bin/kata-style}
agent=${KATA_STYLE_AGENT:-$repo/build/bin/kata-style-agent}
runc=${RUNC:-runc}
runs=${BENCH_RUNS:-30}
results=${BENCH_RESULTS_DIR:-$bench_dir/results}

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench/cli: $1 is missing ($2)" >&2; exit 2; }; }
[ -x "$kata" ] || { echo "bench/cli: $kata is not built (make publish)" >&2; exit 2; }
[ -x "$agent" ] || { echo "bench/cli: $agent is not built (make publish)" >&2; exit 2; }
need hyperfine "apt-get install hyperfine"
need "$runc" "apt-get install runc"
[ -x /bin/busybox ] || { echo "bench/cli: /bin/busybox is missing (apt-get install busybox-static)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench/cli: run as root (both runtimes create namespaces and cgroups)" >&2; exit 2; }

work=$(mktemp -d /tmp/kata-cli-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
ln -s busybox "$bundle/rootfs/bin/sh"
cat >"$work/configuration.toml" <<TOML
[runtime]
sandbox = "process"
[agent]
path = "$agent"
TOML
# One config.json for both: kata-style's default spec (what `runc spec` writes, minus ambient capabilities, which
# the agent's engine cannot raise yet), with /bin/true and no terminal.
"$kata" spec --bundle "$bundle"
sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"\/bin\/true"/' "$bundle/config.json"
grep -q '"/bin/true"' "$bundle/config.json" || { echo "bench/cli: could not edit config.json" >&2; exit 1; }

# Sanity: both must succeed once before being timed.
"$kata" --root "$work/kata-root" --config "$work/configuration.toml" --sandbox process run --bundle "$bundle" check-kata </dev/null
"$runc" --root "$work/runc-root" run --bundle "$bundle" check-runc </dev/null

mkdir -p "$results"
report=$results/cli-$(date +%F).md
json=$work/hyperfine.json
hyperfine --runs "$runs" --warmup 3 --export-json "$json" --command-name "runc run" --command-name "kata-style run" \
  "$runc --root $work/runc-root run --bundle $bundle bench-runc </dev/null" \
  "$kata --root $work/kata-root --config $work/configuration.toml --sandbox process run --bundle $bundle bench-kata </dev/null"

python3 - "$json" "$report" "$runs" <<'PY'
import json, sys, datetime, platform
data = json.load(open(sys.argv[1]))
res = {r["command"]: r for r in data["results"]}
runc, kata = res["runc run"], res["kata-style run"]
ratio = kata["mean"] / runc["mean"]
with open(sys.argv[2], "w") as out:
    out.write(f"# kata-style run vs runc run — {datetime.date.today()}\n\n")
    out.write(f"`/bin/true` in a busybox bundle, {sys.argv[3]} runs each (hyperfine, 3 warm-up runs), `process` sandbox, host {platform.node()}.\n\n")
    out.write("| command | mean | stddev | min | max |\n|---|---|---|---|---|\n")
    for name, r in (("runc run", runc), ("kata-style run", kata)):
        out.write(f"| {name} | {r['mean']*1000:.1f} ms | {r['stddev']*1000:.1f} ms | {r['min']*1000:.1f} ms | {r['max']*1000:.1f} ms |\n")
    out.write(f"\n**Ratio kata-style / runc: {ratio:.2f}×** (goal with the process sandbox: ≤ 1.3×).\n")
print(f"ratio {ratio:.2f}x -> {sys.argv[2]}")
PY

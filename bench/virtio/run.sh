#!/usr/bin/env bash
# bench/virtio/run.sh — the virtio devices against the direct host path, side by side in one run: vsock stream
# throughput and round-trip latency through the hybrid-vsock muxer against a plain Unix socket pair, and virtio-blk
# 4 KiB random-read IOPS and 1 MiB sequential throughput through the device against pread on the same file.
# Builds bench/virtio/Kata.Bench.Virtio in Release and writes bench/results/virtio-<date>.md (table: ours, direct,
# ratio, goal ≥ 0.7 met/MISSED, every run, host facts). bench/README.md ("virtio devices") explains the figures.
#
# Usage: bench/virtio/run.sh [--quick] [--runs N] [--image-dir DIR]
#   --quick          small sizes and one run each: checks the harness in a few seconds (report: virtio-<date>-quick.md)
#   --runs N         measured runs per figure, ours and direct alternating, after one warm-up each (default 5)
#   --image-dir DIR  where the virtio-blk test image goes (default /var/tmp; it is deleted afterwards)
# Environment: KATA_BUILD_ROOT (build output root, as for every project), BENCH_RESULTS_DIR (default bench/results).
# Exit status: 0 every figure measured; 1 a measurement failed (the report's "Problems seen" says why); 2 bad usage
# or the build failed. A missed goal is reported in the table, not in the exit status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build_root=${KATA_BUILD_ROOT:-$repo/build/dotnet}
results=${BENCH_RESULTS_DIR:-$repo/bench/results}
suffix=""
for arg in "$@"; do
  case "$arg" in
    --quick) suffix="-quick" ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  esac
done

command -v dotnet >/dev/null || { echo "bench/virtio: dotnet is not on PATH" >&2; exit 2; }
KATA_BUILD_ROOT=$build_root dotnet build -c Release --nologo -v quiet "$here/Kata.Bench.Virtio/Kata.Bench.Virtio.csproj" >&2 \
  || { echo "bench/virtio: the build failed" >&2; exit 2; }

mkdir -p "$results"
out="$results/virtio-$(date -u +%F)$suffix.md"
dotnet "$build_root/bin/Kata.Bench.Virtio/Release/net10.0/linux-x64/Kata.Bench.Virtio.dll" --out "$out" "$@"

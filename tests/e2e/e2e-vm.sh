#!/usr/bin/env bash
# tests/e2e/e2e-vm.sh — the whole VM path end to end (`make e2e-vm`, after `make publish guest-image`): busybox `echo`
# in a VM through `kata-style --sandbox vm run` and through `ctr run --runtime io.containerd.kata-style.v2` (a private
# containerd), each with its timeline: VMM start → kernel entry → agent ready → container started → exit.
#
# Where this host cannot boot the guest (no /dev/kvm, or a PVM host without a PVM guest kernel) it prints
# "SKIPPED: <reason>" and exits 0. It prints PASS only for output it saw; anything else is FAIL (exit 1) with the logs.
# Environment: KATA_STYLE_BIN (default: build/bin), KATA_E2E_WORK (default: a temporary directory, removed unless KATA_E2E_KEEP=1).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${KATA_STYLE_BIN:-$repo/build/bin}
GUEST=$repo/build/guest
KATA_STYLE=$BIN/kata-style
# shellcheck source=tests/e2e/lib.sh
. "$repo/tests/e2e/lib.sh"

for exe in kata-style kata-style-vmm kata-style-agent containerd-shim-kata-style-v2; do
  [ -x "$BIN/$exe" ] || { echo "FAIL: $BIN/$exe is not built (make publish)"; exit 1; }
done
blocker=$(vm_boot_blocker "$GUEST")
if [ -n "$blocker" ]; then
  echo "SKIPPED: $blocker"
  exit 0
fi

work=${KATA_E2E_WORK:-$(mktemp -d /tmp/kata-e2e-vm.XXXXXX)}
mkdir -p "$work"
cleanup() {
  [ -n "${containerd_pid:-}" ] && kill "$containerd_pid" 2>/dev/null && wait "$containerd_pid" 2>/dev/null || true
  [ "${KATA_E2E_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
expected="hello from a kata-style VM"
config=$work/configuration.toml
cat > "$config" <<TOML
[runtime]
sandbox = "vm"
debug = true
state_dir = "$work/state"
image_cache_dir = "$work/images"

[hypervisor]
path = "$BIN/kata-style-vmm"
kernel = "$GUEST/vmlinux"
initrd = "$GUEST/initramfs.cpio.gz"

[agent]
path = "$BIN/kata-style-agent"
TOML
make_busybox_bundle "$work/bundle" echo "$expected"
failures=0

fail() {
  echo "FAIL: $1"
  shift
  local file
  for file in "$@"; do
    [ -f "$file" ] && { echo "--- $file"; tail -n 40 "$file"; }
  done
  failures=$((failures + 1))
}

# Prints "+<ms since $2> <what>" for the first line of log $3 matching $4 (CLI log: ISO timestamp first).
milestone() {
  local what=$1 origin=$2 log=$3 pattern=$4 line
  line=$(grep -m1 -E "$pattern" "$log" 2>/dev/null || true)
  if [ -z "$line" ]; then
    printf '  %-22s (not in %s)\n' "$what" "$(basename "$log")"
    return
  fi
  printf '  %-22s +%5d ms   %s\n' "$what" $(( $(to_ms "${line%% *}") - origin )) "$(cut -c1-140 <<<"${line#* }")"
}

# ------------------------------------------------------------------------------------------ 1. kata-style run
echo "== kata-style --sandbox vm run (busybox echo)"
root=$work/cli-root
log=$work/cli.log
id=e2e-vm-$$
started=$(date +%s%3N)
if ! "$KATA_STYLE" --root "$root" --config "$config" --log "$log" --debug --sandbox vm run -d --bundle "$work/bundle" "$id" \
    >"$work/cli.out" 2>"$work/cli.err"; then
  fail "kata-style run -d did not start the container" "$work/cli.err" "$log" "$root/$id/sandbox/vmm.log" "$root/$id/sandbox/console.log"
else
  status=""
  for _ in $(seq 1 600); do
    status=$("$KATA_STYLE" --root "$root" state "$id" 2>/dev/null | grep -o '"status": *"[a-z]*"' | grep -o '[a-z]*"$' | tr -d '"' || true)
    [ "$status" = stopped ] && break
    sleep 0.2
  done
  cp "$root/$id/sandbox/vmm.log" "$root/$id/sandbox/console.log" "$work/" 2>/dev/null || true
  "$KATA_STYLE" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
  output=$(cat "$work/cli.out")
  if [ "$status" != stopped ]; then
    fail "the container did not stop within 120 s (status: ${status:-unknown})" "$log" "$work/vmm.log" "$work/console.log"
  elif [ "$output" != "$expected" ]; then
    fail "expected \"$expected\" on stdout, got \"$output\"" "$work/cli.err" "$log" "$work/vmm.log" "$work/console.log"
  else
    echo "PASS: kata-style run printed \"$output\" from the VM"
    echo "timeline (CLI log, ms after the command started):"
    milestone "VMM start" "$started" "$log" "vm sandbox: VMM pid"
    milestone "agent ready" "$started" "$log" "vm sandbox: agent ready"
    milestone "container created" "$started" "$log" "container .* created, init pid"
    milestone "container exited" "$started" "$log" "exited with status"
    echo "guest side (VMM log and console):"
    grep -m1 -E "VM started" "$work/vmm.log" | sed 's/^/  VMM: /' || true
    grep -m1 -E "Linux version" "$work/console.log" | cut -c1-100 | sed 's/^/  kernel entry: /' || true
    grep -m1 -E "Run /init|Freeing unused kernel" "$work/console.log" | sed 's/^/  kernel → init: /' || true
    grep -m1 -E "Guest-boot-time" "$work/vmm.log" | sed 's/^/  agent ready (boot timer): /' || true
  fi
fi

# ------------------------------------------------------------------------------------------ 2. ctr run
echo "== ctr run --runtime io.containerd.kata-style.v2 (busybox echo)"
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
  fail "containerd and ctr are not installed (Debian package containerd; make deps)"
else
  cdir=$work/containerd
  mkdir -p "$cdir" "$cdir/bin" "$cdir/image"
  ln -sf "$BIN/containerd-shim-kata-style-v2" "$cdir/bin/containerd-shim-kata-style-v2"
  cat > "$cdir/config.toml" <<TOML
version = 2
root = "$cdir/root"
state = "$cdir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$cdir/c.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$cdir/opt"
TOML
  PATH="$cdir/bin:$PATH" KATA_STYLE_CONFIG="$config" containerd --config "$cdir/config.toml" --log-level debug >"$cdir/containerd.log" 2>&1 &
  containerd_pid=$!
  for _ in $(seq 1 100); do [ -S "$cdir/c.sock" ] && break; sleep 0.1; done
  ctr() { command ctr --address "$cdir/c.sock" "$@"; }
  # A one-layer docker-archive of the same busybox rootfs (no registry here).
  tar --sort=name --owner=0 --group=0 --numeric-owner -C "$work/bundle/rootfs" -cf "$cdir/image/layer.tar" .
  digest=$(sha256sum "$cdir/image/layer.tar" | cut -d' ' -f1)
  mkdir -p "$cdir/image/$digest" && mv "$cdir/image/layer.tar" "$cdir/image/$digest/layer.tar"
  image_config='{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:'$digest'"]}}'
  config_name=$(printf '%s' "$image_config" | sha256sum | cut -d' ' -f1).json
  printf '%s' "$image_config" > "$cdir/image/$config_name"
  printf '%s' '[{"Config":"'"$config_name"'","RepoTags":["docker.io/library/busybox:e2e"],"Layers":["'"$digest"'/layer.tar"]}]' > "$cdir/image/manifest.json"
  tar -C "$cdir/image" -cf "$cdir/busybox.tar" "$config_name" "$digest/layer.tar" manifest.json
  if ! ctr images import "$cdir/busybox.tar" >"$cdir/import.log" 2>&1; then
    fail "ctr images import failed" "$cdir/import.log" "$cdir/containerd.log"
  else
    started=$(date +%s%3N)
    if output=$(timeout 180 ctr run --rm --runtime io.containerd.kata-style.v2 docker.io/library/busybox:e2e "ctr-$$" echo "$expected" 2>"$cdir/ctr.err"); then
      ended=$(date +%s%3N)
      if [ "$output" = "$expected" ]; then
        echo "PASS: ctr run printed \"$output\" from the VM in $((ended - started)) ms"
        echo "timeline (shim log lines in containerd's log):"
        grep -E "starting vm sandbox|vm sandbox: VMM pid|vm sandbox: agent ready|rootfs image|created in sandbox|exited with status" "$cdir/containerd.log" \
          | sed -E 's/^.*msg="?//' | cut -c1-160 | sed 's/^/  /' || true
      else
        fail "ctr run: expected \"$expected\", got \"$output\"" "$cdir/ctr.err" "$cdir/containerd.log"
      fi
    else
      fail "ctr run failed (exit $?)" "$cdir/ctr.err" "$cdir/containerd.log"
    fi
  fi
fi

if [ "$failures" -gt 0 ]; then
  echo "e2e-vm: $failures FAILED"
  exit 1
fi
echo "e2e-vm: all PASSED"

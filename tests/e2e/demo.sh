#!/usr/bin/env bash
# tests/e2e/demo.sh — `make demo` (after `make publish guest-image`): a busybox container through `kata-style run`,
# in the vm sandbox where this host can boot the guest; otherwise it says why and runs it in the process sandbox.
# Environment: KATA_STYLE_BIN (default: build/bin).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${KATA_STYLE_BIN:-$repo/build/bin}
GUEST=$repo/build/guest
DEMO=$repo/build/demo
KATA_STYLE=$BIN/kata-style
# shellcheck source=tests/e2e/lib.sh
. "$repo/tests/e2e/lib.sh"

mkdir -p "$DEMO"
cat > "$DEMO/configuration.toml" <<TOML
[runtime]
image_cache_dir = "$DEMO/images"

[hypervisor]
path = "$BIN/kata-style-vmm"
kernel = "$GUEST/vmlinux"
initrd = "$GUEST/initramfs.cpio.gz"

[agent]
path = "$BIN/kata-style-agent"
TOML
blocker=$(vm_boot_blocker "$GUEST")
if [ -z "$blocker" ]; then
  sandbox=vm
  echo "demo: this host can boot the guest: the container runs in its own VM (kata-style-vmm + guest kernel + agent)"
else
  sandbox=process
  echo "demo: the vm sandbox cannot run here: $blocker"
  echo "demo: falling back to the process sandbox: the same agent runs as a host process and the container gets its own"
  echo "      namespaces, cgroups and seccomp, but there is no VM boundary (weaker isolation)"
fi
make_busybox_bundle "$DEMO/bundle" sh -c 'echo "hello from a kata-style container"; echo "kernel: $(uname -r)"; echo "pid 1 in the container: $(cat /proc/1/comm)"'
id=demo-$$
echo "demo: $KATA_STYLE --sandbox $sandbox run --bundle $DEMO/bundle $id"
exec "$KATA_STYLE" --root "$DEMO/root" --config "$DEMO/configuration.toml" --log "$DEMO/kata-style.log" --sandbox "$sandbox" \
  run --bundle "$DEMO/bundle" "$id"

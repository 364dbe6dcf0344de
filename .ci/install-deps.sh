#!/usr/bin/env bash
# Installs the Debian packages a target needs, only those missing (fast no-op when all are present).
# Usage: .ci/install-deps.sh test|bench|all
set -euo pipefail
what=${1:-test}

# Guest kernel build (guest-image/build-kernel.sh) from Debian's linux-source-6.12.
kernel=(linux-source-6.12 build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils kmod)
# Container tests: a static busybox for the test bundles' rootfs; containerd (+ ctr) as the real peer of the ttrpc and shim tests;
# mkfs.erofs / mkfs.ext4 for the vm sandbox's read-only rootfs images.
containers=(busybox-static containerd erofs-utils e2fsprogs)
# The peers the benchmarks compare against (qemu for the VMM, runc for container start).
bench=(qemu-system-x86 hyperfine runc)

case "$what" in
  test) wanted=("${kernel[@]}" "${containers[@]}") ;;
  bench) wanted=("${kernel[@]}" "${containers[@]}" "${bench[@]}") ;;
  all) wanted=("${kernel[@]}" "${containers[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 test|bench|all" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v dotnet >/dev/null; then
  echo "the .NET 10 SDK is required (dotnet on PATH)" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

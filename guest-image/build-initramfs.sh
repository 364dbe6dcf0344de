#!/usr/bin/env bash
# Build the kata-style guest initramfs: the NativeAOT kata-style-agent as /init and
# the shared libraries it links, nothing else (busybox only with DEBUG_SHELL=1).
#
# usage: guest-image/build-initramfs.sh AGENT OUTDIR
#   AGENT   the NativeAOT kata-style-agent (make publish: build/bin/kata-style-agent)
#   OUTDIR  where initramfs.cpio.gz and manifest.json go (make guest-image: build/guest)
#
# Environment:
#   SOURCE_DATE_EPOCH  mtime of every entry (default 0): same inputs, same bytes
#   DEBUG_SHELL=1      add busybox-static as /bin/sh + applets, for a debug console
#                      (off by default: the production image has no shell)
#
# Reproducible: the archive is written by the kernel's own usr/gen_init_cpio from a
# sorted entry list with fixed owners (0:0), modes and times, then gzip -n (no name,
# no time). The libraries come from the agent's ELF dependencies (ldd: DT_NEEDED,
# resolved recursively, plus the program interpreter), never from a hand list.
#
# Cache: OUTDIR/.initramfs-cache-key holds the sha256 over this script, the agent,
# every library, the options, the gen_init_cpio source and the kernel files in OUTDIR
# (the manifest lists them); equal key => nothing done.

set -euo pipefail
{

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
[ $# -eq 2 ] || { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
AGENT="$1"
OUTDIR="$2"
EPOCH="${SOURCE_DATE_EPOCH:-0}"
DEBUG_SHELL="${DEBUG_SHELL:-0}"
TOOLS="$ROOT/build/tools"
TARBALL=/usr/src/linux-source-6.12.tar.xz
MAX_INITRAMFS_BYTES=$((16 * 1024 * 1024))
export LC_ALL=C TZ=UTC

msg() { echo "guest image: $*" >&2; }
die() { echo "guest image: ERROR: $*" >&2; exit 1; }

[ -f "$AGENT" ] || die "$AGENT not found: run make publish first"
file -b "$AGENT" 2>/dev/null | grep -q '^ELF 64-bit' || head -c4 "$AGENT" | grep -q 'ELF' \
  || die "$AGENT is not an ELF executable (the NativeAOT agent is expected)"
mkdir -p "$OUTDIR" "$TOOLS"

# --- gen_init_cpio, from the kernel source we build the guest kernel from ----------
GEN="$TOOLS/gen_init_cpio"
GEN_SRC="$TOOLS/gen_init_cpio.c"
if [ ! -s "$GEN_SRC" ]; then
  if [ -n "${KERNEL_SRC:-}" ] && [ -f "$KERNEL_SRC/usr/gen_init_cpio.c" ]; then
    cp "$KERNEL_SRC/usr/gen_init_cpio.c" "$GEN_SRC"
  elif [ -f "$ROOT/build/kernel-src/linux-source-6.12/usr/gen_init_cpio.c" ]; then
    cp "$ROOT/build/kernel-src/linux-source-6.12/usr/gen_init_cpio.c" "$GEN_SRC"
  elif [ -f "$TARBALL" ]; then
    tar -xJOf "$TARBALL" linux-source-6.12/usr/gen_init_cpio.c >"$GEN_SRC"
  else
    die "no gen_init_cpio.c: install linux-source-6.12 (make deps) or set KERNEL_SRC"
  fi
fi
if [ ! -x "$GEN" ] || [ "$GEN_SRC" -nt "$GEN" ]; then
  msg "compiling gen_init_cpio"
  cc -O2 -o "$GEN" "$GEN_SRC"
fi

# --- the agent's libraries ------------------------------------------------------
# ldd prints "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)" and the interpreter as
# "/lib64/ld-linux-x86-64.so.2 (0x…)"; linux-vdso has no file.
mapfile -t LIBS < <(ldd "$AGENT" | awk '/=> \//{print $3} /^[ \t]*\/[^ ]+ \(/{print $1}' | sort -u)
[ ${#LIBS[@]} -gt 0 ] || die "ldd found no libraries for $AGENT (a static agent needs none: then this is fine)"

BUSYBOX=""
if [ "$DEBUG_SHELL" = 1 ]; then
  BUSYBOX="$(command -v busybox || true)"
  [ -n "$BUSYBOX" ] || die "DEBUG_SHELL=1 needs busybox-static (apt-get install busybox-static)"
fi

KEY="$( {
  sha256sum "${BASH_SOURCE[0]}" "$AGENT" "$GEN_SRC" "${LIBS[@]}" ${BUSYBOX:+"$BUSYBOX"} | awk '{print $1}'
  printf '%s\n' "${LIBS[@]}" "epoch=$EPOCH" "debug=$DEBUG_SHELL"
  # The manifest also records the kernel next to the archive: a new kernel means a new manifest.
  for k in vmlinux bzImage; do [ ! -f "$OUTDIR/$k" ] || sha256sum "$OUTDIR/$k" | awk '{print $1}'; done
} | sha256sum | cut -c1-64)"
if [ -f "$OUTDIR/.initramfs-cache-key" ] && [ "$(cat "$OUTDIR/.initramfs-cache-key")" = "$KEY" ] \
   && [ -s "$OUTDIR/initramfs.cpio.gz" ] && [ -s "$OUTDIR/manifest.json" ]; then
  msg "initramfs cached (key ${KEY:0:16}…)"
  exit 0
fi

# --- entry list ------------------------------------------------------------------
msg "[1/3] collecting: agent + ${#LIBS[@]} libraries${BUSYBOX:+ + busybox}"
LIST="$(mktemp)"
trap 'rm -f "$LIST" "$LIST.sorted" "$OUTDIR/initramfs.cpio.tmp"' EXIT
{
  # Mount points the agent uses as PID 1 (agent/Kata.Agent/Guest/GuestInit.cs) and the container's work dirs.
  for d in /dev /proc /sys /run /tmp /mnt /etc /var /root /lib /lib64 /usr /usr/lib /bin; do
    echo "dir $d 0755 0 0"
  done
  # The kernel opens /dev/console for init's stdio before anything is mounted (devtmpfs is not
  # auto-mounted on an initramfs), so the node must be in the archive.
  echo "nod /dev/console 0600 0 0 c 5 1"
  echo "nod /dev/null 0666 0 0 c 1 3"
  # .NET reads /dev/urandom for its first Guid (Serilog's Activity, before GuestInit has mounted devtmpfs):
  # without the node the agent dies before it logs a line.
  echo "nod /dev/random 0666 0 0 c 1 8"
  echo "nod /dev/urandom 0666 0 0 c 1 9"
  echo "file /init $AGENT 0755 0 0"
  for lib in "${LIBS[@]}"; do
    real="$(readlink -f "$lib")"
    # Parent directories of the library path, then the library under the name it is asked for.
    dir="$(dirname "$lib")"
    while [ "$dir" != / ]; do echo "dir $dir 0755 0 0"; dir="$(dirname "$dir")"; done
    echo "file $lib $real 0755 0 0"
  done
  if [ -n "$BUSYBOX" ]; then
    echo "file /bin/busybox $BUSYBOX 0755 0 0"
    for applet in sh ls cat mount ps dmesg ip; do echo "slink /bin/$applet /bin/busybox 0777 0 0"; done
  fi
  echo "file /etc/kata-style-image $ROOT/guest-image/image-release 0644 0 0"
} >"$LIST"
# Sorted by name, directories before their contents, duplicates (shared parents) dropped.
awk '{print $2 "\t" $0}' "$LIST" | sort -u -t$'\t' -k1,1 | cut -f2- >"$LIST.sorted"

msg "[2/3] writing the archive ($(wc -l <"$LIST.sorted") entries)"
"$GEN" -t "$EPOCH" "$LIST.sorted" >"$OUTDIR/initramfs.cpio.tmp"
gzip -n -9 -c "$OUTDIR/initramfs.cpio.tmp" >"$OUTDIR/initramfs.cpio.gz.tmp"
mv -f "$OUTDIR/initramfs.cpio.gz.tmp" "$OUTDIR/initramfs.cpio.gz"
size=$(stat -c %s "$OUTDIR/initramfs.cpio.gz")
[ "$size" -le "$MAX_INITRAMFS_BYTES" ] || die "initramfs.cpio.gz is $size bytes, over the $MAX_INITRAMFS_BYTES byte budget"

msg "[3/3] manifest"
{
  echo "{"
  echo "  \"sourceDateEpoch\": $EPOCH,"
  echo "  \"debugShell\": $([ "$DEBUG_SHELL" = 1 ] && echo true || echo false),"
  echo "  \"initramfs\": {\"path\": \"initramfs.cpio.gz\", \"bytes\": $size, \"sha256\": \"$(sha256sum "$OUTDIR/initramfs.cpio.gz" | cut -c1-64)\", \"uncompressedBytes\": $(stat -c %s "$OUTDIR/initramfs.cpio.tmp")},"
  for k in vmlinux bzImage; do
    if [ -f "$OUTDIR/$k" ]; then
      echo "  \"$k\": {\"path\": \"$k\", \"bytes\": $(stat -c %s "$OUTDIR/$k"), \"sha256\": \"$(sha256sum "$OUTDIR/$k" | cut -c1-64)\"},"
    fi
  done
  echo "  \"files\": ["
  first=1
  while read -r kind name src _; do
    [ "$kind" = file ] || continue
    [ $first = 1 ] || echo ","
    first=0
    printf '    {"name": "%s", "bytes": %s, "sha256": "%s"}' "$name" "$(stat -L -c %s "$src")" "$(sha256sum "$src" | cut -c1-64)"
  done <"$LIST.sorted"
  echo ""
  echo "  ]"
  echo "}"
} >"$OUTDIR/manifest.json.tmp"
mv -f "$OUTDIR/manifest.json.tmp" "$OUTDIR/manifest.json"
echo "$KEY" >"$OUTDIR/.initramfs-cache-key"
msg "done: initramfs.cpio.gz $size bytes, manifest.json"
exit 0
}

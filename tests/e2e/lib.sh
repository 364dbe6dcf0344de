# Shared by tests/e2e/e2e-vm.sh and tests/e2e/demo.sh (sourced, not run).

# Prints why this host cannot boot the kata-style guest to its agent, or nothing when it can. The same rules as
# `kata-style check` (shim/Kata.Cli/Host/HostCheck.cs): hardware virtualization (vmx/svm), or a PVM host
# (/sys/module/kvm_pvm) with a guest kernel built as a PVM guest (CONFIG_PVM_GUEST=y in kernel.config beside it).
vm_boot_blocker() {
  local guest_dir=$1
  if [ ! -c /dev/kvm ]; then
    echo "no /dev/kvm on this host (no KVM: load kvm_intel/kvm_amd, or run on a machine with virtualization)"
    return
  fi
  if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    echo "/dev/kvm is not readable and writable by $(id -un)"
    return
  fi
  if [ ! -f "$guest_dir/vmlinux" ] || [ ! -f "$guest_dir/initramfs.cpio.gz" ]; then
    echo "the guest image is not built ($guest_dir/vmlinux, $guest_dir/initramfs.cpio.gz: make guest-image)"
    return
  fi
  if grep -qwE 'vmx|svm' /proc/cpuinfo; then
    return
  fi
  if [ -d /sys/module/kvm_pvm ]; then
    if grep -qx 'CONFIG_PVM_GUEST=y' "$guest_dir/kernel.config" 2>/dev/null; then
      return
    fi
    echo "this host's KVM is PVM (/sys/module/kvm_pvm, no VT-x/AMD-V) and the guest kernel $guest_dir/vmlinux is not a PVM guest (no CONFIG_PVM_GUEST=y in $guest_dir/kernel.config): it would stall early in boot (build a PVM guest kernel with KERNEL_SRC=/path/to/pvm-linux make guest-kernel)"
    return
  fi
  echo "neither VT-x/AMD-V (vmx/svm in /proc/cpuinfo) nor PVM (/sys/module/kvm_pvm) is available"
}

# Makes an OCI bundle in $1 whose rootfs is the host's static busybox with its applet links, running "${@:2}".
make_busybox_bundle() {
  local bundle=$1
  shift
  local busybox=/bin/busybox
  [ -x "$busybox" ] || { echo "$busybox is missing (Debian package busybox-static)" >&2; return 1; }
  rm -rf "$bundle"
  mkdir -p "$bundle/rootfs"/{bin,dev,etc,proc,sys,tmp,root}
  cp "$busybox" "$bundle/rootfs/bin/busybox"
  local applet
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$bundle/rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$bundle/rootfs/etc/passwd"
  echo 'root:x:0:' > "$bundle/rootfs/etc/group"
  "$KATA_STYLE" spec --bundle "$bundle"
  # `kata-style spec` writes runc's defaults (sh on a terminal): no terminal, and our command as JSON strings.
  local args="" word
  for word in "$@"; do
    args+="${args:+, }\"${word//\"/\\\"}\""
  done
  # In a sed replacement \, & and the | delimiter are special.
  local replacement
  replacement=$(printf '%s' "$args" | sed -e 's/[\\&|]/\\&/g')
  sed -i -e 's/"terminal": true/"terminal": false/' -e "s|^\t\t\t\"sh\"\$|\t\t\t$replacement|" "$bundle/config.json"
  grep -qF "$args" "$bundle/config.json" || { echo "could not set the command in $bundle/config.json" >&2; return 1; }
}

# Milliseconds since the epoch of an ISO-8601 timestamp (the CLI log's first field).
to_ms() {
  date -d "$1" +%s%3N
}

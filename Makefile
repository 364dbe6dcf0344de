# kata-style — top-level build. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PREFIX ?= /usr/local
CONFIGURATION ?= Release
DOTNET ?= dotnet
BUILD := $(CURDIR)/build
BIN := $(BUILD)/bin
GUEST := $(BUILD)/guest
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

# NativeAOT executables: project path → executable name in build/bin.
AOT_PROJECTS := hypervisor/Kata.Vmm/Kata.Vmm.csproj agent/Kata.Agent/Kata.Agent.csproj shim/Kata.Cli/Kata.Cli.csproj shim/Kata.Shim/Kata.Shim.csproj

.PHONY: help deps build test publish guest-kernel guest-image demo e2e-vm bench install clean

help:
	@echo "deps          install the Debian packages the build and tests need (only the missing ones)"
	@echo "build         compile every project (Debug)"
	@echo "test          build the guest image (kernel, NativeAOT agent, initramfs), then run every test suite (KVM tests on real /dev/kvm)"
	@echo "publish       NativeAOT executables into build/bin/"
	@echo "guest-kernel  build/guest/vmlinux and bzImage from linux-source-6.12 (cached; KERNEL_SRC=/path for another tree)"
	@echo "guest-image   the guest kernel and build/guest/initramfs.cpio.gz (the NativeAOT agent as /init), manifest.json"
	@echo "demo          build everything and run a busybox container with kata-style run (vm sandbox where the host can boot it, else process, saying why)"
	@echo "e2e-vm        build everything, then busybox echo in a VM through kata-style run and ctr run, with the boot timeline (SKIPPED where the host cannot boot the guest)"
	@echo "bench         benchmarks against the peers (qemu, runc), figures as ratios"
	@echo "install       install build/bin and the guest image under PREFIX (default /usr/local)"

deps:
	.ci/install-deps.sh test

build:
	$(DOTNET) build Kata.sln -c Debug

publish:
	@mkdir -p $(BIN)
	@for p in $(AOT_PROJECTS); do \
	  echo "publish (NativeAOT) $$p"; \
	  $(DOTNET) publish $$p -c $(CONFIGURATION) -p:PublishAot=true -o $(BUILD)/publish/$$(basename $$p .csproj) --nologo -v:q; \
	done
	@cp $(BUILD)/publish/Kata.Vmm/kata-style-vmm $(BUILD)/publish/Kata.Agent/kata-style-agent $(BUILD)/publish/Kata.Cli/kata-style $(BUILD)/publish/Kata.Shim/containerd-shim-kata-style-v2 $(BIN)/
	@ls -l $(BIN)

guest-kernel: deps
	guest-image/build-kernel.sh $(GUEST)

guest-image: guest-kernel publish
	guest-image/build-initramfs.sh $(BIN)/kata-style-agent $(GUEST)

test: guest-image
	@rm -rf $(BUILD)/test-results
	$(DOTNET) test Kata.sln -c Debug --logger "trx" --logger "console;verbosity=normal" --results-directory $(BUILD)/test-results
	@tests/summarize-results.sh $(BUILD)/test-results

demo: guest-image
	tests/e2e/demo.sh

e2e-vm: guest-image
	tests/e2e/e2e-vm.sh

bench: publish guest-kernel
	.ci/install-deps.sh bench
	bench/run.sh

install: publish
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kata-style
	install -m 0755 $(BIN)/* $(DESTDIR)$(PREFIX)/bin/
	@for f in vmlinux initramfs.cpio.gz; do \
	  if [ -f $(GUEST)/$$f ]; then install -m 0644 $(GUEST)/$$f $(DESTDIR)$(PREFIX)/share/kata-style/; fi; \
	done

clean:
	rm -rf $(BUILD)

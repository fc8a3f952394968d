# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xlb's one build file: BPF objects -> skeletons -> library -> binaries, tools and tests.
# Quiet by default; V=1 shows the commands.

CC ?= cc
CLANG ?= clang
# bpftool, or on Ubuntu with a kernel it has no tools package for, the newest one installed
BPFTOOL ?= $(shell bpftool version >/dev/null 2>&1 && echo bpftool || \
	ls /usr/lib/linux-tools/*/bpftool 2>/dev/null | tail -n 1)
BUILD := build
PREFIX ?= /usr/local

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
# clang -target bpf does not search the host's system dirs, where asm/types.h lives
CLANG_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror $(CLANG_SYS_INCLUDES)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE -I$(BUILD) -Iuser -Ibpf
PKGS := libbpf libnl-3.0 libnl-route-3.0 json-c
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS := $(wildcard bpf/*.h)

# user/ minus the mains is the library every binary links
LIB_SRCS := $(filter-out user/xlbd.c user/xlbctl.c,$(wildcard user/*.c))
LIB_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(LIB_SRCS))
SAN_OBJS := $(patsubst user/%.c,$(BUILD)/san/%.o,$(LIB_SRCS))
USER_HDRS := $(wildcard user/*.h)
MAINS := $(patsubst user/%.c,$(BUILD)/%,$(filter $(wildcard user/*.c),user/xlbd.c user/xlbctl.c))
TOOLS := $(patsubst tools/%.c,$(BUILD)/%,$(wildcard tools/*.c))
# tests by what they need (tests/run.sh runs them by it): tests/unit pure, no privileges;
# tests/root root (namespaces, cgroups, processes); tests/bpf root and the datapath loaded.
# All land in build/tests/.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
ROOT_TESTS := $(patsubst tests/root/%.c,$(BUILD)/tests/%,$(wildcard tests/root/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(wildcard tests/bpf/test_*.c))
BENCHES := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/bench_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# xlbd, xlbctl and xlb-dp with ASan and UBSan, for the end-to-end tests (tests/e2e/lib.sh);
# beside them links to the other tools, which UserData finds in xlbd's own directory
SAN_BINS := $(BUILD)/san-bin/xlbd $(BUILD)/san-bin/xlbctl $(BUILD)/san-bin/xlb-dp \
	$(patsubst $(BUILD)/%,$(BUILD)/san-bin/%,$(filter-out $(BUILD)/xlb-dp,$(TOOLS)))

.PHONY: all deps deps-bench deps-lint deps-demo test unit-test bpf-test e2e-test bench bench-e2e lint format clean install deb demo vm-test vagrant-test fuzz
.DELETE_ON_ERROR:
# keep the BPF objects that the skeletons are made from (make would delete them as intermediates)
.SECONDARY:

# `make` only builds; the targets that install (deps*) are asked for by name, or by the README's
# two commands (test, demo), which install first and then build in a make of their own (the
# pkg-config and clang lookups above must see the installed packages).
all: $(SKELS) $(MAINS) $(TOOLS) $(UNIT_TESTS) $(ROOT_TESTS) $(BPF_TESTS) $(SAN_BINS) $(BENCHES)

# build and test packages (deps/packages.txt); apt-get runs only for what is missing
deps:
	$(Q)sh deps/install.sh

# the end-to-end benchmark's peers and load (wrk, HAProxy, nginx); its test needs them too
deps-bench:
	$(Q)sh deps/install.sh deps/bench.txt

# the lint tools, which only `make lint` uses
deps-lint:
	$(Q)sh deps/install.sh deps/lint.txt

# the demo's PNG converter
deps-demo:
	$(Q)sh deps/install.sh deps/demo.txt

$(BUILD) $(BUILD)/user $(BUILD)/san $(BUILD)/san-bin $(BUILD)/tests $(BUILD)/fuzz $(BUILD)/bench:
	$(Q)mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# the benchmark's object includes the datapath's source
$(BUILD)/xlb_bench.bpf.o $(BUILD)/xlb_tc.bpf.o: bpf/xlb.bpf.c

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(BPF_HDRS) $(SKELS) | $(BUILD)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/libxlb.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/xlbd $(BUILD)/xlbctl: $(BUILD)/%: user/%.c $(BUILD)/libxlb.a $(USER_HDRS)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $< $(BUILD)/libxlb.a $(PKG_LIBS) -lm -o $@

$(BUILD)/xlb-%: tools/xlb-%.c $(BUILD)/libxlb.a $(USER_HDRS) $(SKELS)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $< $(BUILD)/libxlb.a $(PKG_LIBS) -lm -o $@

# unit tests: against the library built once more, with sanitizers
$(BUILD)/san/%.o: user/%.c $(USER_HDRS) $(BPF_HDRS) $(SKELS) | $(BUILD)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/libxlb-san.a: $(SAN_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/san-bin/xlbd $(BUILD)/san-bin/xlbctl: $(BUILD)/san-bin/%: user/%.c $(BUILD)/libxlb-san.a $(USER_HDRS) | $(BUILD)/san-bin
	$(call msg,CCLD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(PKG_CFLAGS) $< $(BUILD)/libxlb-san.a $(PKG_LIBS) -lm -o $@

$(BUILD)/san-bin/xlb-dp: tools/xlb-dp.c $(BUILD)/libxlb-san.a $(USER_HDRS) $(SKELS) | $(BUILD)/san-bin
	$(call msg,CCLD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(PKG_CFLAGS) $< $(BUILD)/libxlb-san.a $(PKG_LIBS) -lm -o $@

$(BUILD)/san-bin/xlb-%: $(BUILD)/xlb-% | $(BUILD)/san-bin
	$(Q)ln -sf ../$(notdir $<) $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libxlb-san.a $(USER_HDRS) $(BPF_HDRS) $(SKELS) $(wildcard tests/unit/*.h) | $(BUILD)/tests
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(PKG_CFLAGS) -Itests/unit $< $(BUILD)/libxlb-san.a $(PKG_LIBS) -lm -o $@

$(BUILD)/tests/test_%: tests/root/test_%.c $(BUILD)/libxlb.a $(USER_HDRS) $(BPF_HDRS) $(SKELS) tests/unit/check.h | $(BUILD)/tests
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit $< $(BUILD)/libxlb.a $(PKG_LIBS) -lm -o $@

# the datapath's tests, without sanitizers (the fuzzer's host-side checks would take three
# times as long) but for the next-hop test, which has always had them
BPF_TEST_SAN = $(if $(filter nexthop,$*),$(SAN))
BPF_TEST_LIB = $(BUILD)/$(if $(filter nexthop,$*),libxlb-san.a,libxlb.a)
$(BUILD)/tests/test_%: tests/bpf/test_%.c $(wildcard tests/bpf/*.h) $(BUILD)/libxlb.a $(BUILD)/libxlb-san.a $(USER_HDRS) $(BPF_HDRS) $(SKELS) tests/unit/check.h | $(BUILD)/tests
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(BPF_TEST_SAN) $(PKG_CFLAGS) -Itests/unit -Itests $< $(BPF_TEST_LIB) $(PKG_LIBS) -lm -o $@

# benchmarks of user/ code without root, run by `make bench`: figures, not tests
$(BUILD)/bench/bench_%: tests/bench/bench_%.c $(BUILD)/libxlb.a $(USER_HDRS) | $(BUILD)/bench
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $< $(BUILD)/libxlb.a $(PKG_LIBS) -lm -o $@

# libFuzzer targets (clang). `make test` runs fuzz_config for 20 s, `make fuzz` every target
# for FUZZ_SECONDS; tests/fuzz/run.sh says how (seeds, corpus, regression cases).
FUZZ_SECONDS ?= 300
# The library is compiled once for all of them, a file an object (make -j builds them side by
# side), with the fuzzer's coverage instrumentation but not its main.
FUZZ_CFLAGS := -O1 -g $(WARN) -std=gnu11 -D_GNU_SOURCE -I$(BUILD) -Iuser -Ibpf
# the library's objects whole (xlbd's verbs left out: they need xlbd's main)
FUZZ_OBJS := $(patsubst user/%.c,$(BUILD)/fuzz/lib/%.o,$(filter-out user/xlbd_api%.c,$(LIB_SRCS)))

$(BUILD)/fuzz/lib/%.o: user/%.c $(USER_HDRS) $(BPF_HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined $(PKG_CFLAGS) \
		-c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) $(USER_HDRS) $(BPF_HDRS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) $< \
		$(FUZZ_OBJS) $(PKG_LIBS) -lm -o $@

# `make fuzz`: the datapath fuzzer for FUZZ_FRAMES frames (seed printed; FUZZ_SEED=S replays a
# run), then every libFuzzer target for FUZZ_SECONDS each (tests/fuzz/run.sh); needs root
FUZZ_FRAMES ?= 10000000
FUZZ_SECONDS ?= 300
fuzz: $(FUZZERS) $(BUILD)/tests/test_fuzz_datapath
	$(Q)rc=0; \
	$(BUILD)/tests/test_fuzz_datapath --frames $(FUZZ_FRAMES) \
		$(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) || rc=1; \
	tests/fuzz/run.sh $(FUZZ_SECONDS) || rc=1; \
	exit $$rc

# every list the tests use, in one apt-get run: the build's, the benchmark's (its e2e test), the
# demo's (its test) and deps/vm.txt (the VM smoke test boots a VM under QEMU)
test:
	$(Q)sh deps/install.sh deps/packages.txt deps/bench.txt deps/demo.txt deps/vm.txt
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/fuzz/fuzz_config
	$(Q)tests/run.sh

bench: all | $(BUILD)/bench
	$(Q)for b in $(BENCHES); do $$b || exit 1; done
	$(Q)$(BUILD)/xlb-bench --out $(BUILD)/bench/datapath.json
	$(Q)tools/xlb-rate-bench --out $(BUILD)/bench/rate.json
	$(Q)$(MAKE) --no-print-directory bench-e2e

# end to end in the lab: xlb beside kernel forwarding, HAProxy, nginx stream, IPVS (root)
bench-e2e: deps-bench
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/bench
	$(Q)tools/xlb-bench-e2e --out $(BUILD)/bench/e2e.json

# its own tools only; the -Werror builds it makes need what `make deps` installs
lint: deps-lint
	$(Q)tools/lint.sh

# the auto-scaling story, live, in namespaces of its own (tools/xlb-demo); needs root
demo:
	$(Q)sh deps/install.sh deps/packages.txt deps/demo.txt
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/xlb-demo

# the VM lab under QEMU (tools/xlb-vm): client, balancer and backend VMs, xlb in native XDP on
# the balancer's virtio NICs, installed from `make deb`; KVM where it boots a guest, else TCG
vm-test:
	$(Q)sh deps/install.sh deps/packages.txt deps/vm.txt
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/vm-test.sh

# the same lab with Vagrant (vagrant/), for hosts with libvirt or VirtualBox
vagrant-test:
	$(Q)tools/vagrant-test.sh

format:
	$(Q)clang-format -i $(wildcard bpf/*.c bpf/*.h user/*.c user/*.h tools/*.c tests/*/*.c tests/*/*.h)

# `make install` (PREFIX, DESTDIR; BINDIR, MANDIR, SYSCONFDIR, UNITDIR): the binaries, xlb-lab
# with its defaults pointed at BINDIR, a man page for each (a missing one fails), xlbd's systemd
# unit, the examples, and /etc/xlb/xlb.json unless one is there. xlb-demo, xlb-vm and the tests
# stay in the tree: they run from it. `make deb`: the same, staged with PREFIX=/usr, as a .deb.
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL_SCRIPTS := tools/xlb-lab
DEB_VERSION ?= 0.1.0+git$(shell git log -1 --format=%cd.%h --date=format:%Y%m%d 2>/dev/null)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)

install: $(MAINS) $(TOOLS)
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/xlb $(DESTDIR)$(PREFIX)/share/doc/xlb/examples
	$(Q)install -m 0755 $(MAINS) $(TOOLS) $(DESTDIR)$(BINDIR)/
	$(Q)for s in $(INSTALL_SCRIPTS); do \
		sed 's|$$LAB_REPO/build/|$(BINDIR)/|g' $$s >$(DESTDIR)$(BINDIR)/$${s##*/} && \
		chmod 0755 $(DESTDIR)$(BINDIR)/$${s##*/} || exit 1; done
	$(Q)for p in $(notdir $(MAINS) $(TOOLS) $(INSTALL_SCRIPTS)); do \
		test -f man/$$p.8 || { echo "install: no man page man/$$p.8 for $$p" >&2; exit 1; }; \
		install -m 0644 man/$$p.8 $(DESTDIR)$(MANDIR)/man8/ || exit 1; done
	$(Q)sed 's|@BINDIR@|$(BINDIR)|g' packaging/xlbd.service >$(DESTDIR)$(UNITDIR)/xlbd.service
	$(Q)install -m 0644 examples/*.json $(DESTDIR)$(PREFIX)/share/doc/xlb/examples/
	$(Q)test -e $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.json || \
		install -m 0644 packaging/xlb.json $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.json
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))

DEB_STAGE ?= $(BUILD)/deb
DEB_OUT ?= $(BUILD)
DEB_FILE = $(DEB_OUT)/xlb_$(DEB_VERSION)_$(DEB_ARCH).deb
deb: $(MAINS) $(TOOLS)
	$(Q)rm -rf $(DEB_STAGE) $(DEB_OUT)/xlb_*.deb
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_STAGE)) PREFIX=/usr \
		UNITDIR=/lib/systemd/system
	$(Q)gzip -9n $(DEB_STAGE)/usr/share/man/man8/*.8
	$(Q)strip --strip-unneeded $(addprefix $(DEB_STAGE)/usr/bin/,$(notdir $(MAINS) $(TOOLS)))
	$(Q)install -d $(DEB_STAGE)/DEBIAN
	$(Q)install -m 0644 packaging/conffiles $(DEB_STAGE)/DEBIAN/conffiles
	$(Q)deps=$$(packaging/deb-depends.sh $(MAINS) $(TOOLS)) || exit 1; \
	sed -e 's|@VERSION@|$(DEB_VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' -e "s|@DEPENDS@|$$deps|" \
		packaging/control >$(DEB_STAGE)/DEBIAN/control; \
	echo "Installed-Size: $$(du -sk --exclude=DEBIAN $(DEB_STAGE) | cut -f1)" \
		>>$(DEB_STAGE)/DEBIAN/control
	$(Q)dpkg-deb --root-owner-group -Zxz --build $(DEB_STAGE) $(DEB_FILE) >/dev/null
	$(call msg,DEB,$(DEB_FILE))

clean:
	rm -rf $(BUILD)

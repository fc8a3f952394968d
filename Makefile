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
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(wildcard tests/bpf/test_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all deps test unit-test bpf-test e2e-test bench lint format clean install demo vm-test fuzz
.DELETE_ON_ERROR:
# keep the BPF objects that the skeletons are made from (make would delete them as intermediates)
.SECONDARY:

all: deps $(SKELS) $(MAINS) $(TOOLS) $(UNIT_TESTS) $(BPF_TESTS)

deps:
	$(Q)sh deps/install.sh

$(BUILD) $(BUILD)/user $(BUILD)/san $(BUILD)/tests $(BUILD)/fuzz $(BUILD)/bench:
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

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libxlb-san.a $(USER_HDRS) $(BPF_HDRS) $(SKELS) tests/unit/check.h | $(BUILD)/tests
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(PKG_CFLAGS) -Itests/unit $< $(BUILD)/libxlb-san.a $(PKG_LIBS) -lm -o $@

$(BUILD)/tests/test_%: tests/bpf/test_%.c $(wildcard tests/bpf/*.h) $(BUILD)/libxlb.a $(USER_HDRS) $(BPF_HDRS) $(SKELS) tests/unit/check.h | $(BUILD)/tests
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit $< $(BUILD)/libxlb.a $(PKG_LIBS) -lm -o $@

# libFuzzer targets (clang, not part of `make test`). To run one with the fixtures as seeds:
#   mkdir -p build/fuzz/corpus && build/fuzz/fuzz_config -max_total_time=60 build/fuzz/corpus \
#     tests/unit/config examples
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(USER_HDRS) $(BPF_HDRS) $(SKELS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -O1 -g $(WARN) -std=gnu11 -D_GNU_SOURCE -I$(BUILD) -Iuser -Ibpf \
		-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) $< $(LIB_SRCS) $(PKG_LIBS) -lm -o $@

fuzz: $(FUZZERS)

test: all
	$(Q)tests/run.sh

bench: all | $(BUILD)/bench
	$(Q)$(BUILD)/xlb-bench --out $(BUILD)/bench/datapath.json

lint: deps
	$(Q)tools/lint.sh

# the auto-scaling story, live, in namespaces of its own (tools/xlb-demo); needs root
demo: all
	$(Q)tools/xlb-demo

# the VM lab (vagrant/): client, lb and backend VMs, xlb in native XDP on virtio NICs
vm-test:
	$(Q)tools/vm-test.sh

format:
	$(Q)clang-format -i $(wildcard bpf/*.c bpf/*.h user/*.c user/*.h tools/*.c tests/*/*.c tests/*/*.h)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(MAINS) $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf $(BUILD)

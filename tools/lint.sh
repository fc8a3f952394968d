#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make lint`: clang-format check, shellcheck, -Werror builds with gcc and clang in scratch
# build dirs, cppcheck, and `vagrant validate`. One PASS/FAIL/SKIP line per check, details
# indented below it, a summary last; exits 1 when a check failed.
set -u
cd "$(dirname "$0")/.." || exit 2
out=${LINT_BUILD:-build/lint}
mkdir -p "$out"
npass=0 nfail=0 nskip=0

pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { local n=$1; shift; echo "FAIL $n: $*"; nfail=$((nfail + 1)); }
skip() { local n=$1; shift; echo "SKIP $n: $*"; nskip=$((nskip + 1)); }
detail() { sed 's/^/    | /'; }

# C and headers of our own; the same set as `make format`, plus any depth
c_files() { find bpf user tools tests -name '*.[ch]' -type f 2>/dev/null | sort; }

# Shell scripts: *.sh anywhere, and extensionless scripts in tools/ and .ci/ (tools/xlb-lab)
sh_files() {
	local f
	{
		find tools tests deps vagrant .ci -name '*.sh' -type f 2>/dev/null
		for f in tools/* .ci/*; do
			case ${f##*/} in *.*) continue ;; esac
			[ -f "$f" ] && head -n1 "$f" | grep -qE '^#!.*[/ ](ba|da)?sh$' && echo "$f"
		done
	} | sort -u
}

lint_format() {
	local f bad=()
	command -v clang-format >/dev/null || { skip format "clang-format not installed"; return; }
	for f in $(c_files); do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
	done
	if [ ${#bad[@]} -eq 0 ]; then
		pass format
	else
		fail format "${#bad[@]} file(s) differ from .clang-format (make format)"
		printf '%s\n' "${bad[@]}" | detail
	fi
}

lint_shellcheck() {
	local files
	command -v shellcheck >/dev/null || { skip shellcheck "shellcheck not installed"; return; }
	mapfile -t files < <(sh_files)
	if shellcheck -x "${files[@]}" >"$out/shellcheck.log" 2>&1; then
		pass "shellcheck (${#files[@]} scripts)"
	else
		fail shellcheck "$(grep -c '^In ' "$out/shellcheck.log") finding(s)"
		grep '^In ' "$out/shellcheck.log" | sort | uniq -c | detail
	fi
}

# The whole tree built with one compiler into its own build dir: -Werror comes from the
# Makefile's WARN, so a warning under either compiler fails here.
lint_build() {
	local cc=$1 log=$out/build-$1.log
	command -v "$cc" >/dev/null || { skip "build $cc" "$cc not installed"; return; }
	if make -j"$(nproc)" BUILD="$out/$cc" CC="$cc" all >"$log" 2>&1; then
		pass "build $cc -Werror"
	else
		fail "build $cc -Werror" "see $log"
		grep -E 'error|warning' "$log" | head -n 20 | detail
	fi
}

lint_cppcheck() {
	local files inc=() hdr
	command -v cppcheck >/dev/null || { skip cppcheck "cppcheck not installed"; return; }
	mapfile -t files < <(find user tools -name '*.c' -type f | sort)
	[ ${#files[@]} -gt 0 ] || { skip cppcheck "no C files in user/ or tools/"; return; }
	# cppcheck skips system headers, so it would not know libbpf's LIBBPF_OPTS(): give it the
	# one header that defines it
	hdr=$(pkg-config --variable=includedir libbpf 2>/dev/null)/bpf/libbpf_common.h
	[ -f "$hdr" ] && inc=(--include="$hdr")
	# Suppressed: system headers it cannot see; unusedFunction (the library's API is used by
	# other binaries); variableScope and constParameter* (style, not bugs, and noisy on
	# kernel-style code that declares at the top of a block).
	if cppcheck --quiet --error-exitcode=1 --inline-suppr --std=c11 --library=posix \
		--enable=warning,performance,portability -D_GNU_SOURCE -D__linux__ \
		-Iuser -Ibpf "${inc[@]}" --suppress=missingIncludeSystem --suppress=unusedFunction \
		--suppress=variableScope --suppress=constParameter \
		--suppress=constParameterPointer \
		--template='{file}:{line}: {severity} ({id}): {message}' \
		"${files[@]}" >"$out/cppcheck.log" 2>&1; then
		pass "cppcheck (${#files[@]} files)"
	else
		fail cppcheck "$(grep -c ': ' "$out/cppcheck.log") finding(s)"
		head -n 20 "$out/cppcheck.log" | detail
	fi
}

# Without a usable provider (no VirtualBox, no vagrant-libvirt) vagrant refuses to validate
# provider blocks; it still checks the rest with --ignore-provider.
lint_vagrant() {
	local log=$out/vagrant.log
	if ! command -v vagrant >/dev/null; then
		skip "vagrant validate" "vagrant not installed (apt-get install" \
			"--no-install-recommends vagrant vagrant-libvirt)"
		return
	fi
	if VAGRANT_CWD=vagrant vagrant validate >"$log" 2>&1; then
		pass "vagrant validate"
	elif grep -q 'No usable default provider' "$log" &&
		VAGRANT_CWD=vagrant vagrant validate --ignore-provider >"$log" 2>&1; then
		pass "vagrant validate (no provider installed: provider blocks not checked)"
	else
		fail "vagrant validate" "see $log"
		tail -n 10 "$log" | detail
	fi
}

lint_format
lint_shellcheck
lint_build gcc
lint_build clang
lint_cppcheck
lint_vagrant

line="lint: $npass passed, $nfail failed"
[ "$nskip" -gt 0 ] && line="$line, $nskip skipped"
echo "$line"
[ "$nfail" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The VM lab installs what `make deps` installs: both runs are recorded with apt and dpkg
# replaced by stubs (nothing is installed, nothing is fetched) and their package lists compared
# with deps/packages.txt. Also: shellcheck on the provision script, `vagrant validate`.
set -u
cd "$(dirname "$0")/../.." || exit 2
root=$PWD
npass=0 nfail=0 nskip=0
pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { local n=$1; shift; echo "FAIL $n: $*"; nfail=$((nfail + 1)); }
skip() { local n=$1; shift; echo "SKIP $n: $*"; nskip=$((nskip + 1)); }

tmp=$(mktemp -d /tmp/xlb-test-packages.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
real_make=$(command -v make)

# Stubs first in PATH: every package looks missing and known to the archive, apt-get only
# writes down its arguments, `id -u` says root. make is stubbed for the provision run only,
# so that "setup" does not build the tree.
stubs() { # dir, log
	mkdir -p "$1"
	printf '#!/bin/sh\nexit 1\n' >"$1/dpkg-query"
	printf '#!/bin/sh\nexit 0\n' >"$1/apt-cache"
	printf '#!/bin/sh\necho "apt-get $*" >>"%s"\n' "$2" >"$1/apt-get"
	printf '#!/bin/sh\necho 0\n' >"$1/id"
	chmod +x "$1"/*
}

# the packages an apt-get log shows installed, one a line, sorted
installed_by() {
	sed -n 's/^apt-get install .*--no-install-recommends //p' "$1" | tr ' ' '\n' | sed '/^$/d' |
		sort -u
}

# what deps/packages.txt asks for on a machine where nothing is installed: each line's first
# alternative (the stubbed archive knows every name)
expected() {
	sed 's/#.*//' deps/packages.txt | awk 'NF { split($1, alt, "|"); print alt[1] }' | sort -u
}

test_provision_calls_deps_install() {
	local role out want bad=""
	want="would run: sh $root/deps/install.sh $root/deps/packages.txt"
	for role in client lb backend; do
		out=$(XLB_SRC=$root bash vagrant/provision.sh "$role" setup --dry-run 2>&1)
		grep -qxF "$want" <<<"$out" || bad="$bad $role"
	done
	if [ -z "$bad" ]; then
		pass provision_calls_deps_install
	else
		fail provision_calls_deps_install "provision.sh setup does not run '$want' on:$bad"
	fi
}

test_same_packages() {
	local want got_deps got_prov
	stubs "$tmp/stub-deps" "$tmp/apt-deps.log"
	stubs "$tmp/stub-prov" "$tmp/apt-prov.log"
	printf '#!/bin/sh\necho "make $*" >>"%s"\n' "$tmp/make-prov.log" >"$tmp/stub-prov/make"
	chmod +x "$tmp/stub-prov/make"

	if ! PATH=$tmp/stub-deps:$PATH "$real_make" -s deps >"$tmp/deps.out" 2>&1; then
		fail same_packages "make deps failed with stubbed apt: $(tail -n 3 "$tmp/deps.out")"
		return
	fi
	if ! PATH=$tmp/stub-prov:$PATH XLB_SRC=$root bash vagrant/provision.sh lb setup \
		>"$tmp/prov.out" 2>&1; then
		fail same_packages "provision.sh lb setup failed: $(tail -n 3 "$tmp/prov.out")"
		return
	fi
	want=$(expected)
	got_deps=$(installed_by "$tmp/apt-deps.log")
	got_prov=$(installed_by "$tmp/apt-prov.log")
	if [ -z "$want" ]; then
		fail same_packages "deps/packages.txt lists no package"
	elif [ "$got_deps" != "$want" ]; then
		fail same_packages "make deps installs other packages than deps/packages.txt:$(
			diff <(echo "$want") <(echo "$got_deps") | grep '^[<>]' | tr '\n' ' ')"
	elif [ "$got_prov" != "$got_deps" ]; then
		fail same_packages "provision.sh (>) and make deps (<) install different packages:$(
			diff <(echo "$got_deps") <(echo "$got_prov") | grep '^[<>]' | tr '\n' ' ')"
	else
		pass same_packages
	fi
}

test_shellcheck_provision() {
	if ! command -v shellcheck >/dev/null; then
		skip shellcheck_provision "shellcheck not installed (make deps)"
	elif shellcheck vagrant/provision.sh >"$tmp/sc.out" 2>&1; then
		pass shellcheck_provision
	else
		fail shellcheck_provision "$(grep -c '^In ' "$tmp/sc.out") finding(s):" \
			"$(grep -m1 'SC[0-9]' "$tmp/sc.out")"
	fi
}

# Both boxes; without a provider plugin vagrant validates all but the provider blocks
test_vagrant_validate() {
	local box args=() bad=""
	if ! command -v vagrant >/dev/null; then
		skip vagrant_validate "vagrant not installed (apt-get install" \
			"--no-install-recommends vagrant vagrant-libvirt)"
		return
	fi
	if ! VAGRANT_CWD=vagrant vagrant validate >"$tmp/vv.out" 2>&1 &&
		grep -q 'No usable default provider' "$tmp/vv.out"; then
		args=(--ignore-provider)
	fi
	for box in debian12 ubuntu2404; do
		XLB_BOX=$box VAGRANT_CWD=vagrant vagrant validate "${args[@]}" \
			>"$tmp/vv.out" 2>&1 ||
			bad="$bad $box ($(grep -v '^[[:space:]]*$' "$tmp/vv.out" | tail -n 1))"
	done
	if [ -z "$bad" ]; then
		pass vagrant_validate
	else
		fail vagrant_validate "invalid with:$bad"
	fi
}

# A Vagrantfile that accepts anything proves nothing: a wrong box name must be refused.
test_vagrant_rejects_bad_box() {
	if ! command -v vagrant >/dev/null; then
		skip vagrant_rejects_bad_box "vagrant not installed"
	elif XLB_BOX=nosuchbox VAGRANT_CWD=vagrant vagrant validate --ignore-provider \
		>"$tmp/vb.out" 2>&1; then
		fail vagrant_rejects_bad_box "XLB_BOX=nosuchbox validated"
	else
		pass vagrant_rejects_bad_box
	fi
}

test_provision_calls_deps_install
test_same_packages
test_shellcheck_provision
test_vagrant_validate
test_vagrant_rejects_bad_box

line="$npass passed, $nfail failed"
[ "$nskip" -gt 0 ] && line="$line, $nskip skipped"
echo "$line"
[ "$nfail" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The VM lab installs what `make deps` installs: both runs are recorded with apt and dpkg
# replaced by stubs (nothing is installed, nothing is fetched) and their package lists compared
# with deps/packages.txt. Also: shellcheck on the provision script, `vagrant validate`; `make
# install` into a DESTDIR (every binary with its man page, the unit, a config that xlbd --check
# accepts and that a second install keeps) and `make deb`'s package (contents, conffiles,
# Depends, lintian where installed).
# needs: none
# parallel: yes
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


# the programs the build makes, which make install must all install
built_programs() {
	local f
	for f in build/xlbd build/xlbctl build/xlb-*; do
		[ -x "$f" ] && [ -f "$f" ] && echo "${f##*/}"
	done
}

test_make_install() {
	local d=$tmp/root p bad="" man
	if ! "$real_make" -s install DESTDIR="$d" PREFIX=/opt/xlb >"$tmp/inst.out" 2>&1; then
		fail make_install "make install failed: $(tail -n 3 "$tmp/inst.out")"
		return
	fi
	for p in $(built_programs) xlb-lab; do
		[ -x "$d/opt/xlb/bin/$p" ] || bad="$bad $p(binary)"
		man=$d/opt/xlb/share/man/man8/$p.8
		[ -s "$man" ] || bad="$bad $p(man page)"
	done
	grep -q 'LAB_REPO/build/' "$d/opt/xlb/bin/xlb-lab" && bad="$bad xlb-lab(tree paths left)"
	grep -q "ExecStart=/opt/xlb/bin/xlbd " "$d/opt/xlb/lib/systemd/system/xlbd.service" ||
		bad="$bad xlbd.service(ExecStart)"
	if ! build/xlbd --check "$d/opt/xlb/etc/xlb/xlb.json" >"$tmp/chk.out" 2>&1; then
		bad="$bad xlb.json(xlbd --check: $(tail -n 1 "$tmp/chk.out"))"
	fi
	if [ -z "$bad" ]; then
		pass make_install
	else
		fail make_install "missing or wrong in $d:$bad"
	fi
	# a second install keeps the administrator's configuration
	echo '{ "LoadBalancers": [] } // mine' >"$d/opt/xlb/etc/xlb/xlb.json"
	"$real_make" -s install DESTDIR="$d" PREFIX=/opt/xlb >/dev/null 2>&1
	if grep -q mine "$d/opt/xlb/etc/xlb/xlb.json"; then
		pass make_install_keeps_config
	else
		fail make_install_keeps_config "make install overwrote an existing xlb.json"
	fi
}

# an installed program without a man page fails the install, naming it
test_install_needs_man() {
	if "$real_make" -s install DESTDIR="$tmp/root2" INSTALL_SCRIPTS="tools/xlb-lab tools/lint.sh" \
		>"$tmp/inst2.out" 2>&1; then
		fail install_needs_man "installed tools/lint.sh, which has no man page"
	elif grep -q 'no man page man/lint.sh.8' "$tmp/inst2.out"; then
		pass install_needs_man
	else
		fail install_needs_man "failed without naming the page: $(tail -n 1 "$tmp/inst2.out")"
	fi
}

test_deb() {
	local deb list p bad="" x=$tmp/debx
	if ! "$real_make" -s deb DEB_STAGE="$tmp/stage" DEB_OUT="$tmp" >"$tmp/deb.out" 2>&1; then
		fail deb "make deb failed: $(tail -n 3 "$tmp/deb.out")"
		return
	fi
	deb=$(find "$tmp" -maxdepth 1 -name 'xlb_*.deb' | head -n 1)
	[ -n "$deb" ] || {
		fail deb "make deb made no $tmp/xlb_*.deb"
		return
	}
	list=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
	for p in $(built_programs) xlb-lab; do
		grep -qx "./usr/bin/$p" <<<"$list" || bad="$bad /usr/bin/$p"
		grep -qx "./usr/share/man/man8/$p.8.gz" <<<"$list" || bad="$bad $p.8.gz"
	done
	for p in ./lib/systemd/system/xlbd.service ./etc/xlb/xlb.json; do
		grep -qx "$p" <<<"$list" || bad="$bad $p"
	done
	dpkg-deb -I "$deb" conffiles 2>/dev/null | grep -qx /etc/xlb/xlb.json || bad="$bad conffiles"
	dpkg-deb -f "$deb" Depends | grep -q 'libbpf1' || bad="$bad Depends(no libbpf1)"
	dpkg-deb -x "$deb" "$x"
	build/xlbd --check "$x/etc/xlb/xlb.json" >/dev/null 2>&1 || bad="$bad xlb.json(--check)"
	grep -q '^ExecStart=/usr/bin/xlbd ' "$x/lib/systemd/system/xlbd.service" ||
		bad="$bad xlbd.service(ExecStart)"
	if [ -z "$bad" ]; then
		pass deb
	else
		fail deb "$(basename "$deb") lacks or gets wrong:$bad"
	fi
	if ! command -v lintian >/dev/null; then
		skip deb_lintian "lintian not installed"
	elif lintian --no-tag-display-limit "$deb" >"$tmp/lint.out" 2>&1 ||
		! grep -q '^E:' "$tmp/lint.out"; then
		pass deb_lintian
	else
		fail deb_lintian "$(grep -c '^E:' "$tmp/lint.out") error(s): $(grep -m1 '^E:' "$tmp/lint.out")"
	fi
}

test_provision_calls_deps_install
test_same_packages
test_shellcheck_provision
test_vagrant_validate
test_vagrant_rejects_bad_box
if [ "$(id -u)" = 0 ] || [ -w build ]; then
	test_make_install
	test_install_needs_man
	test_deb
else
	skip make_install "build/ not writable"
fi

line="$npass passed, $nfail failed"
[ "$nskip" -gt 0 ] && line="$line, $nskip skipped"
echo "$line"
[ "$nfail" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Pins of another datapath ABI version are never adopted. In a namespace and a pin directory of
# the run's own: a fresh load pins every map under its versioned name; the same maps renamed to
# what an older xlb (no suffix, v1) or a newer one (v99) would have pinned keep the very same
# types and sizes, which adoption once took silently, and must now be refused by load and by a
# command that opens the datapath, naming the directory, both versions and what to run, with
# nothing of this version pinned beside them. Removing them as told recovers.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
NS=$E2E_PREFIX-pa
PIN=$E2E_PIN_DIR
ABI=$(sed -n 's/^#define XLB_ABI_VERSION \([0-9]*\).*/\1/p' "$E2E_REPO/bpf/xlb_shared.h")
[ -n "$ABI" ] || e2e_abort setup "no XLB_ABI_VERSION in bpf/xlb_shared.h"
ip netns add "$NS" || e2e_abort setup "netns $NS"
e2e_on_exit "ip netns del $NS"
e2e_on_exit "rm -rf '$PIN'"

dp() { # xlb-dp args...: in the run's namespace and pin directory, bounded in time
	timeout 30 nsenter --net="/run/netns/$NS" "$XLB_DP" --pin-dir "$PIN" "$@"
}

# the pin directory's file names, one line, sorted
pins() {
	(cd "$PIN" 2>/dev/null && find . -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')
}

# renames every pin from suffix $1 to suffix $2 (bpffs renames in place: same maps, same sizes)
repin() { # from, to
	local f
	for f in "$PIN"/*"$1"; do
		mv "$f" "${f%"$1"}$2" || return 1
	done
}

# 1. a fresh load: every pin carries this version, none is unversioned
out=$(dp load --flows 4096 --ring 251 2>&1) || {
	echo "$out" | e2e_indent
	e2e_abort setup "xlb-dp load failed"
}
names=$(pins)
bare=$(cd "$PIN" && find . -mindepth 1 -maxdepth 1 ! -name "*_v$ABI" -printf '%f ')
if [[ $names == *"xlb_vips_v$ABI"* && $names == *"xlb_flows_v$ABI"* && -z $bare ]]; then
	e2e_pass pins_carry_version
else
	e2e_fail pins_carry_version "pinned: $names; without _v$ABI: '$bare'"
fi

# The refusal, checked the same way for each foreign version.
check_refused() { # case, version as pinned, suffix
	local name=$1 v=$2 before out rc
	before=$(pins)
	out=$(dp load --flows 4096 --ring 251 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && [[ $out == *"$PIN holds maps pinned by an xlb of datapath ABI v$v, this one is v$ABI"* ]] &&
		[[ $out == *"rm $PIN/xlb_*"* && $out == *"unload"* ]] && [ "$(pins)" = "$before" ]; then
		e2e_pass "${name}_load_refused"
	else
		echo "$out" | e2e_indent
		e2e_fail "${name}_load_refused" "exit $rc; pins before: $before; after: $(pins)"
	fi
	out=$(dp stats 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && [[ $out == *"datapath ABI v$v"* ]] && [ "$(pins)" = "$before" ]; then
		e2e_pass "${name}_stats_refused"
	else
		echo "$out" | e2e_indent
		e2e_fail "${name}_stats_refused" "exit $rc; pins after: $(pins)"
	fi
}

# 2. the same maps as an xlb before versioned pins left them: v1, same layout and sizes
repin "_v$ABI" "" || e2e_abort setup "renaming the pins"
check_refused v1 1

# 3. and as a newer xlb would: v99
repin "" "_v99" || e2e_abort setup "renaming the pins"
check_refused v99 99

# 4. removed as the message says, a load pins afresh
rm -f "$PIN"/xlb_*
out=$(dp load --flows 4096 --ring 251 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [[ $(pins) == *"xlb_vips_v$ABI"* ]]; then
	e2e_pass removed_then_loads
else
	echo "$out" | e2e_indent
	e2e_fail removed_then_loads "exit $rc; pins: $(pins)"
fi
dp unload >/dev/null 2>&1

e2e_summary

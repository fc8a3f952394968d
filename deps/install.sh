#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs with apt-get whatever the package lists name (deps/packages.txt when none is given)
# and this machine lacks, in one apt-get run; does nothing, and asks no network, when
# everything is there. Usage: deps/install.sh [LIST...]
set -eu
[ $# -gt 0 ] || set -- "$(dirname "$0")/packages.txt"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
known() { apt-cache show "$1" >/dev/null 2>&1; }

missing=""
updated=0
for list in "$@"; do
	[ -r "$list" ] || { echo "deps: $list: cannot read this package list" >&2; exit 1; }
	while read -r line; do
		line=${line%%#*}
		[ -n "$line" ] || continue
		pick=""
		# alternatives: the first one installed wins; else the first one the archive knows
		for alt in $(echo "$line" | tr '|' ' '); do
			if installed "$alt"; then pick=ok; break; fi
		done
		[ "$pick" = ok ] && continue
		if [ "$updated" = 0 ]; then
			echo "deps: updating the package lists" >&2
			apt-get update -qq
			updated=1
		fi
		for alt in $(echo "$line" | tr '|' ' '); do
			if known "$alt"; then pick=$alt; break; fi
		done
		if [ -z "$pick" ]; then
			echo "deps: none of '$line' is in this distribution's archive" >&2
			exit 1
		fi
		missing="$missing $pick"
	done < "$list"
done

# Ubuntu ships bpftool in linux-tools-<kernel>; the common package is only a wrapper. A kernel
# that is not Ubuntu's (a VM image, a container host) has no such package: take the generic one.
case "$missing" in
*linux-tools-common*)
	if known "linux-tools-$(uname -r)"; then
		missing="$missing linux-tools-$(uname -r)"
	else
		missing="$missing linux-tools-generic"
	fi
	;;
esac

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing:$missing; run 'sudo make deps'" >&2
		exit 1
	fi
	echo "deps: installing$missing" >&2
	# shellcheck disable=SC2086 # one word a package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

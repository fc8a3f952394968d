#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The Depends line of xlb's .deb: the packages that hold the shared libraries the given
# binaries link, as this machine's dpkg knows them (on merged-/usr systems a library may be
# registered under /usr/lib or /lib). Usage: packaging/deb-depends.sh BINARY...
set -eu
ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u | while read -r lib; do
	for p in "$lib" "/usr$lib" "${lib#/usr}" "$(readlink -f "$lib")"; do
		dpkg -S "$p" 2>/dev/null && break
	done || { echo "deb-depends: no package holds $lib" >&2; exit 1; }
done | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g'

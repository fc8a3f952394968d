#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The end-to-end benchmark's tool (tools/xlb-bench-e2e) in its quick mode: every peer ran and
# got answers, or was skipped with a reason; the JSON has the shape programs read; the picture
# has a bar for every peer and metric; nothing of the run is left behind. Also its refusals
# (bad options) and a datapath that fails to attach (the labs must still go).
# needs: netns
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

BENCH=$E2E_REPO/tools/xlb-bench-e2e
PEERS=(kernel kernel-txoff haproxy nginx ipvs xlb-tc-nat xlb-tc-nat1 xlb-tc-dsr xlb-tc-ipip xlb-nat
	xlb-dsr xlb-ipip)

e2e_init
for t in wrk haproxy nginx; do
	command -v "$t" >/dev/null || e2e_abort setup "'$t' is missing (make deps installs deps/bench.txt)"
done
P=b$(($$ % 100000))

# Namespaces of the run's labs that still exist.
leftovers() {
	ip netns list | awk -v p="^${P}[kxt]-" '$1 ~ p { printf "%s ", $1 }'
}

usage_refused() { # name, expected message part, options...
	local name=$1 want=$2 out rc
	shift 2
	out=$("$BENCH" "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 2 ]; then
		e2e_fail "$name" "exit $rc, want 2 (usage): $out"
	elif [[ $out != *"$want"* ]]; then
		e2e_fail "$name" "message '$out' does not name '$want'"
	else
		e2e_pass "$name"
	fi
}
usage_refused usage_peer "'bogus'" --peers kernel,bogus
usage_refused usage_backends "--backends" --backends 10
usage_refused usage_seconds "--seconds" --seconds 0

# A datapath that fails to attach: the tool says so, exits 1, and removes its labs.
cat >"$E2E_TMP/xlb-dp" <<EOS
#!/bin/sh
for a; do [ "\$a" = attach ] && { echo "attach refused by the test" >&2; exit 1; }; done
exec "$XLB_DP" "\$@"
EOS
chmod +x "$E2E_TMP/xlb-dp"
e2e_on_exit "'$E2E_LAB' down --prefix ${P}x"
out=$(XLB_DP=$E2E_TMP/xlb-dp timeout 60 "$BENCH" --quick --prefix "$P" --peers xlb-nat --backends 1 \
	--out "$E2E_TMP/fail.json" 2>&1)
rc=$?
if [ "$rc" -ne 1 ] || [[ $out != *"attach"*"failed"* ]]; then
	e2e_fail attach_failure "exit $rc, want 1 naming the attach: $(tail -n 3 <<<"$out")"
elif [ -n "$(leftovers)" ]; then
	e2e_fail attach_failure "namespaces left behind: $(leftovers)"
else
	e2e_pass attach_failure
fi

# The quick run itself, one second a test: figures are not judged, only that they exist.
e2e_on_exit "'$E2E_LAB' down --prefix ${P}k; '$E2E_LAB' down --prefix ${P}x; '$E2E_LAB' down --prefix ${P}t"
json=$E2E_TMP/e2e.json
start=$SECONDS
# a bound, not a verdict on speed: at load 19 the labs took 111 s and each of the 33 one-second
# measurements about 4 s more
timeout 420 "$BENCH" --quick --seconds 1 --backends 2 --prefix "$P" --out "$json" >"$E2E_TMP/run.out" 2>&1
rc=$?
e2e_log "quick run: exit $rc in $((SECONDS - start)) s"
if [ "$rc" -ne 0 ]; then
	e2e_fail quick_run "exit $rc"
	e2e_indent <"$E2E_TMP/run.out"
else
	e2e_pass quick_run
fi
grep -vE '^xlb-bench-e2e: run ' "$E2E_TMP/run.out" | e2e_indent

if ! jq -e . "$json" >/dev/null 2>&1; then
	e2e_fail json "$json is missing or not JSON"
else
	want=$(printf '%s\n' "${PEERS[@]}" | jq -R . | jq -s -c .)
	why=$(jq -r --argjson want "$want" '
		def num: type == "number" and . > 0;
		if ([.peers[].name] != $want) then "peers \([.peers[].name]), want \($want)"
		else .peers[]
		| if .status == "skipped" then
			(if (.reason | type) != "string" or (.reason | length) < 10
			 then "\(.name): skipped without a reason" else empty end)
		  elif .status != "ran" then "\(.name): \(.status) \(.reason // "")"
		  else .name as $n
			| (if (.tests.keepalive.median.rate | num) and (.tests.keepalive.median.p99_ms | num)
				and (.tests.keepalive.median.p50_ms | num)
				and (.tests.keepalive.median.cpu_us_per_op | num)
				and (.tests.newconn.median.rate | num)
				and (.tests.newconn.median.cpu_us_per_op | num)
				and (.tests.bulk.median.gbps | num)
				and ([.tests[].runs | length] == [1, 1, 1])
				and (.ratio_to_kernel.keepalive_rate | num)
				and (.ratio_to_kernel.bulk_gbps | num)
			   then empty else "\($n): a median, a ratio or a run is missing" end)
		  end
		end' "$json")
	kernel=$(jq -r '.peers[] | select(.name == "kernel") | "\(.status) \(.ratio_to_kernel.keepalive_rate)"' "$json")
	if [ -n "$why" ]; then
		e2e_fail json "$(head -n 3 <<<"$why" | tr '\n' ';')"
	elif [ "$kernel" != "ran 1" ]; then
		e2e_fail json "kernel forwarding: '$kernel', want it ran with ratio 1"
	else
		e2e_pass json
	fi
	# every ran peer has four bars (one a metric), plus the background
	ran=$(jq '[.peers[] | select(.status == "ran")] | length' "$json")
	svg=${json%.json}.svg
	bars=$(grep -c '<rect ' "$svg" 2>/dev/null)
	skipped=$(jq -r '.peers[] | select(.status == "skipped") | .reason' "$json")
	if ! grep -q '</svg>' "$svg" 2>/dev/null; then
		e2e_fail picture "$svg is missing or cut short"
	elif [ "$bars" -ne $((4 * ran + 1)) ]; then
		e2e_fail picture "$bars rectangles, want $((4 * ran + 1)) for $ran peers"
	elif [ -n "$skipped" ] && ! grep -qF "skipped: $(head -n 1 <<<"$skipped")" "$svg"; then
		e2e_fail picture "the skipped peers are not named with their reason"
	else
		e2e_pass picture
	fi
fi

procs=$(pgrep -a -f "/tmp/xlb-bench-e2e[.]${P}[.]")
if [ -n "$(leftovers)" ]; then
	e2e_fail cleanup "namespaces left behind: $(leftovers)"
elif [ -n "$procs" ]; then
	e2e_fail cleanup "processes left behind: $(head -n 3 <<<"$procs" | tr '\n' ';')"
elif compgen -G "/sys/fs/bpf/xlb-$P?" >/dev/null; then
	e2e_fail cleanup "pin directories left behind: $(echo /sys/fs/bpf/xlb-"$P"?)"
else
	e2e_pass cleanup
fi

e2e_summary

# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# Shared by the end-to-end tests (tests/e2e/test_*.sh, sourced): the PASS/FAIL/SKIP protocol
# of tests/unit/check.h, bounded waits, clean-up on exit, the lab (tools/xlb-lab) with the
# datapath (xlb-dp) in it, under a prefix and a pin directory of the run's own, and xlbd run in
# it (one daemon, or one per cluster node) with xlbctl to ask it.

E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_BUILD=${BUILD:-build}
case $E2E_BUILD in /*) ;; *) E2E_BUILD=$E2E_REPO/$E2E_BUILD ;; esac
# The tests run xlbd, xlbctl and xlb-dp as built with ASan and UBSan (make's build/san-bin),
# where they exist; the demo (tools/xlb-demo sources this file too) runs the normal build.
# A sanitizer's finding aborts the process: the test sees it die.
E2E_BIN=$E2E_BUILD
if [ "$(basename "$0")" = xlb-demo ]; then
	case ${XLB_DP:-} in */san-bin/*) XLB_DP= ;; esac
elif [ -x "$E2E_BUILD/san-bin/xlbd" ] && [ "${XLB_E2E_SANITIZED:-1}" != 0 ]; then
	E2E_BIN=$E2E_BUILD/san-bin
	# leaks at exit are the unit tests' business; a daemon killed mid-work holds many
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
XLB_DP=${XLB_DP:-$E2E_BIN/xlb-dp}
XLBD=${XLBD:-$E2E_BIN/xlbd}
XLBCTL=${XLBCTL:-$E2E_BIN/xlbctl}
XLB_BACKEND=${XLB_BACKEND:-$E2E_BUILD/xlb-backend}
export XLB_DP XLB_BACKEND
E2E_LAB=$E2E_REPO/tools/xlb-lab
E2E_PREFIX=${E2E_PREFIX:-xt$$}
E2E_HOOK=${E2E_HOOK:-auto} # xlb-dp attach --hook in e2e_dp_attach_lab
E2E_PIN_DIR=/sys/fs/bpf/xlb-$E2E_PREFIX
E2E_TMP=
# the one xlbd of a run (e2e_xlbd_start): its files, set by e2e_init, and its pid
E2E_CONF=
E2E_SOCK=
E2E_LOG=
E2E_RUN=
E2E_XLBD_PID=
declare -a E2E_NODE_PID # a cluster's: node k's xlbd (e2e_node_start)
e2e_npass=0
e2e_nfail=0
e2e_nskip=0
e2e_cleanups=()

e2e_pass() {
	echo "PASS $1"
	e2e_npass=$((e2e_npass + 1))
}

e2e_fail() { # name, why (all the words after the name)
	echo "FAIL $1: ${*:2}"
	e2e_nfail=$((e2e_nfail + 1))
}

e2e_skip() { # name, why
	echo "SKIP $1: $2"
	e2e_nskip=$((e2e_nskip + 1))
}

# Detail lines, indented so that tests/run.sh does not count them.
e2e_log() {
	echo "  $*"
}

e2e_indent() {
	sed 's/^/    | /'
}

# The last line, as check_summary() prints it; returns 1 when a case failed.
e2e_summary() {
	local line="$e2e_npass passed, $e2e_nfail failed"
	[ "$e2e_nskip" -gt 0 ] && line="$line, $e2e_nskip skipped"
	echo "$line"
	[ "$e2e_nfail" -eq 0 ]
}

# Registers a clean-up command (one string, eval'd); they run on exit, last first.
e2e_on_exit() {
	e2e_cleanups+=("$1")
}

e2e_cleanup() {
	local i
	trap - EXIT INT TERM
	for ((i = ${#e2e_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${e2e_cleanups[i]}" >/dev/null 2>&1 || true
	done
	[ -n "$E2E_TMP" ] && rm -rf "$E2E_TMP"
}

# A setup step failed: no case can run. Reported as a failing case, then the summary.
e2e_abort() { # name, why
	e2e_fail "$1" "$2"
	e2e_summary
	exit 1
}

# Starts a test: root and tools present, clean-up on every exit path.
e2e_init() {
	local t
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if [ "$(id -u)" != 0 ]; then
		e2e_skip "$(basename "$0" .sh)" "needs root for network namespaces"
		e2e_summary
		exit 0
	fi
	for t in ip nsenter curl jq ethtool timeout stdbuf; do
		command -v "$t" >/dev/null || e2e_abort setup "'$t' is missing (make deps)"
	done
	for t in "$XLB_DP" "$XLB_BACKEND"; do
		[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
	done
	E2E_TMP=$(mktemp -d "/tmp/xlb-e2e.$E2E_PREFIX.XXXXXX")
	E2E_CONF=$E2E_TMP/xlb.json
	E2E_SOCK=$E2E_TMP/xlbd.sock
	E2E_LOG=$E2E_TMP/xlbd.log
	E2E_RUN=$E2E_TMP/run
	e2e_bpffs
}

# The run aborts unless every file given is there and executable (what the test runs).
e2e_need() { # file...
	local t
	for t in "$@"; do
		[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
	done
}

# The pin directory must be on a bpf filesystem. Where /sys/fs/bpf is not one (systemd mounts
# it at boot, minimal containers do not), the run mounts a private one of its own rather than
# change the host's mounts, and unmounts it on exit.
e2e_bpffs() {
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] && return 0
	mkdir -p "$E2E_TMP/bpffs"
	mount -t bpf bpf "$E2E_TMP/bpffs" || e2e_abort setup "cannot mount a bpf filesystem"
	e2e_on_exit "umount '$E2E_TMP/bpffs'"
	E2E_PIN_DIR=$E2E_TMP/bpffs/xlb-$E2E_PREFIX
	e2e_log "/sys/fs/bpf is not a bpf filesystem; pinning in a private one, $E2E_PIN_DIR"
}

# Polls a command every 0.1 s until it succeeds; returns 1 after timeout_s seconds.
e2e_wait() { # timeout_s, command...
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

e2e_lab() {
	"$E2E_LAB" "$1" --prefix "$E2E_PREFIX" "${@:2}"
}

# xlb-backend on every backend of the lab, on port; the run aborts, with its output, when it
# does not start.
e2e_lab_serve() { # port
	local out
	out=$(e2e_lab serve --port "$1" 2>&1) || {
		echo "$out" | e2e_indent
		e2e_abort setup "xlb-backend did not start"
	}
}

# Builds the lab and reads its plan (XLB_LAB_* variables).
e2e_lab_up() { # xlb-lab up options...
	local out
	e2e_on_exit "'$E2E_LAB' down --prefix $E2E_PREFIX"
	out=$(e2e_lab up "$@" 2>&1) || {
		echo "$out" | e2e_indent
		e2e_abort setup "xlb-lab up failed"
	}
	eval "$(e2e_lab env)" || e2e_abort setup "xlb-lab env failed"
}

# Runs a command in a lab host's namespace (lb, c1, b2, ...).
e2e_in() { # host, command...
	nsenter --net="/run/netns/$E2E_PREFIX-$1" "${@:2}"
}

# xlb-dp in the load balancer's namespace, on the run's pin directory: DEVMAP ifindexes are
# resolved in the namespace of the process that writes them (LAB-NOTES).
e2e_dp() {
	e2e_in lb "$XLB_DP" --pin-dir "$E2E_PIN_DIR" "$@"
}

e2e_dp_load() { # xlb-dp load options...
	local out
	e2e_on_exit "rm -rf '$E2E_PIN_DIR'"
	e2e_on_exit "e2e_dp unload"
	out=$(e2e_dp load "$@" 2>&1) || {
		echo "$out" | e2e_indent
		e2e_abort setup "xlb-dp load failed"
	}
}

# Runs an xlb-dp command that must succeed, or aborts the test with its output.
e2e_dp_ok() {
	local out
	out=$(e2e_dp "$@" 2>&1) || {
		echo "$out" | e2e_indent
		e2e_abort setup "xlb-dp $* failed"
	}
}

# The datapath on the lab's balancer, at the hook E2E_HOOK asks for (xdp: native XDP; tc; auto:
# tc on veth): role vip on every client-facing interface, role nat on every backend-facing one.
# Logs where each went, as xlb-dp says it.
e2e_dp_attach_lab() {
	local ifname role out
	for ifname in "${XLB_LAB_LB_CLIENT_IF[@]}" "${XLB_LAB_LB_BACKEND_IF[@]}"; do
		role=nat
		[[ " ${XLB_LAB_LB_CLIENT_IF[*]} " == *" $ifname "* ]] && role=vip
		out=$(e2e_dp attach "$ifname" --role "$role" --hook "$E2E_HOOK" \
			--xdp-mode native 2>&1) || {
			echo "$out" | e2e_indent
			e2e_abort setup "xlb-dp attach $ifname --hook $E2E_HOOK failed"
		}
		e2e_log "$(echo "$out" | tail -n 1)"
	done
}

# n HTTP GETs from a client, each on a new TCP connection from its own source port,
# first_port, first_port + 1, ... (Connection: close; each one is a new flow). Fixed ports make
# the run reproducible: the flow hash of each request, hence its backend, is the same every
# time, so the spread check does not pass or fail by the luck of the kernel's port choice.
# Writes one line per request to out: "HTTP_CODE INSTANCE LOCAL_PORT" ("000 - 0" when it
# failed). One curl process per chunk of requests keeps it fast; it stops early after a chunk
# with no answer (the first has 5 requests) or once more than max_fail requests failed, so
# that a broken datapath costs seconds, not n connect timeouts.
e2e_http_batch() { # client host, url, n, out file, first port[, max_fail]
	local host=$1 url=$2 n=$3 out=$4 port=$5 max_fail=${6:-10} cfg i done=0 chunk=5 k
	local good bad before=0
	cfg=$E2E_TMP/curl.$RANDOM.cfg
	: >"$out"
	while [ "$done" -lt "$n" ]; do
		k=$((n - done < chunk ? n - done : chunk))
		for ((i = 0; i < k; i++)); do
			[ "$i" -gt 0 ] && echo next
			cat <<-EOF
				url = "$url"
				output = "/dev/null"
				local-port = $((port + done + i))
				header = "Connection: close"
				max-time = 3
				connect-timeout = 2
				write-out = "%{http_code} %header{x-instance} %{local_port}\\n"
			EOF
		done >"$cfg"
		# the chunk bounded too; line-buffered, so that a killed curl loses no line
		timeout $((k * 3 + 10)) nsenter --net="/run/netns/$E2E_PREFIX-$host" \
			stdbuf -oL curl --silent --config "$cfg" >>"$out" 2>/dev/null
		done=$((done + k))
		read -r good bad < <(awk '{ if ($1 == 200) g++; else b++ }
			END { print g + 0, b + 0 }' "$out")
		[ "${bad:-0}" -gt "$max_fail" ] && break
		# a chunk without one answer: nothing gets through, stop here
		[ "${good:-0}" -eq "$before" ] && break
		before=${good:-0} chunk=50
	done
	sed -i 's/^\([0-9]*\)  /\1 - /' "$out"
	rm -f "$cfg"
}

# Checks a batch's result: all n answered with 200, from `want` distinct source ports, and
# every backend in the list got n/#backends within +-pct percent (or 4 sigma, if wider). Prints why on failure.
e2e_check_spread() { # out file, n, pct, backend names...
	local out=$1 n=$2 pct=$3 ok replies ports share lo hi b
	shift 3
	ok=$(awk '$1 == 200' "$out" | wc -l)
	replies=$(wc -l <"$out")
	if [ "$ok" -ne "$n" ]; then
		echo "$ok of $n requests answered 200 ($replies attempted; codes:" \
			"$(awk '{ print $1 }' "$out" | sort | uniq -c | tr -s ' \n' ' '))"
		return 1
	fi
	ports=$(awk '{ print $3 }' "$out" | sort -u | wc -l)
	if [ "$ports" -ne "$n" ]; then
		echo "only $ports distinct source ports for $n connections"
		return 1
	fi
	# the flow hash is keyed with a random secret each run, so a share is a binomial draw: the
	# window is the wider of +-pct and four standard deviations (a false alarm about 1 in 10^4)
	read -r lo hi < <(awk -v n="$n" -v k=$# -v pct="$pct" 'BEGIN {
		m = n / k; d = 4 * sqrt(n * (1 / k) * (1 - 1 / k)); if (m * pct / 100 > d) d = m * pct / 100
		printf "%d %d\n", (m - d > 0 ? int(m - d) : 0), int(m + d + 0.999) }')
	for b in "$@"; do
		share=$(awk -v b="$b" '$2 == b' "$out" | wc -l)
		if [ "$share" -lt "$lo" ] || [ "$share" -gt "$hi" ]; then
			echo "$b served $share, want $lo..$hi (spread:" \
				"$(awk '{ print $2 }' "$out" | sort | uniq -c | tr -s ' \n' ' '))"
			return 1
		fi
	done
	ok=$(awk '{ print $2 }' "$out" | sort -u | wc -l)
	if [ "$ok" -ne $# ]; then
		echo "replies from $ok instances, want $#:" \
			"$(awk '{ print $2 }' "$out" | sort | uniq -c | tr -s ' \n' ' ')"
		return 1
	fi
	return 0
}

# How many requests of a batch each instance answered, on one line.
e2e_spread() { # out file
	awk '{ print $2 }' "$1" | sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep=" " }'
}

# The restart under load: n requests from the client host to url in the background
# (e2e_http_batch, lines in the out file), the process pid (ours) killed with SIGKILL 0.3 s in,
# then the restart command run; returns when the batch has ended. The restart command runs in
# this shell, so what it sets (a new pid) stays set.
e2e_kill_under_load() { # client host, url, n, out file, first port, pid, restart command...
	local batch
	e2e_http_batch "$1" "$2" "$3" "$4" "$5" &
	batch=$!
	sleep 0.3
	kill -KILL "$6"
	wait "$6" 2>/dev/null
	shift 6
	"$@"
	wait "$batch"
}

# SIGTERM to a process we started, then waits for it, bounded; returns its exit status (or
# 124 when it outlived the bound).
e2e_stop() { # pid, timeout_s
	local deadline=$((SECONDS + $2))
	kill -TERM "$1" 2>/dev/null
	while kill -0 "$1" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && return 124
	wait "$1" 2>/dev/null
}

# The last resort on exit, should xlbd not have terminated its instances: the namespaces
# named with this run's instance prefix (their processes killed first) and their cgroups.
e2e_instances_cleanup() { # instance prefix, e.g. "${E2E_PREFIX}i-"
	e2e_on_exit "for ns in \$(ip netns list | awk '{print \$1}' | grep '^$1'); do ip netns pids \$ns | xargs -r kill -KILL; ip netns delete \$ns; done; rmdir /sys/fs/cgroup/*/${1%-}/* /sys/fs/cgroup/*/${1%-} 2>/dev/null"
}

# ---- xlbd in the lab

# The run aborts, with what xlbd said, unless xlbd --check accepts the file.
e2e_xlbd_check() { # file[, what it is, for the message]
	local out what="the test's configuration"
	out=$("$XLBD" --check --config "$1" 2>&1) && return 0
	echo "$out" | e2e_indent
	e2e_abort setup "xlbd --check refused ${2:-$what}"
}

# Starts the run's xlbd in the balancer's namespace (or in $E2E_XLBD_NS, for a run without the
# lab): configuration $E2E_CONF, the run's pin directory, socket $E2E_SOCK, run directory
# $E2E_RUN, serving the lab's first client-facing interface when there is a lab, its output
# appended to $E2E_LOG; the options follow (--metrics-address ...). Sets
# E2E_XLBD_PID. Each daemon started is stopped on exit (SIGTERM, SIGKILL after 20 s); the first
# start also has the instances with the prefix and the pins removed after it.
e2e_xlbd_start() { # instance prefix, xlbd options...
	if [ -z "$E2E_XLBD_PID" ]; then
		e2e_on_exit "rm -rf '$E2E_PIN_DIR'"
		e2e_instances_cleanup "$1"
	fi
	# nsenter execs in place: $! is xlbd's own pid
	nsenter --net="/run/netns/${E2E_XLBD_NS:-$XLB_LAB_LB_NS}" "$XLBD" --config "$E2E_CONF" \
		--pin-dir "$E2E_PIN_DIR" --socket "$E2E_SOCK" --run-dir "$E2E_RUN" \
		--instance-prefix "$1" ${XLB_LAB_LB_CLIENT_IF[0]:+--interface "${XLB_LAB_LB_CLIENT_IF[0]}"} \
		"${@:2}" >>"$E2E_LOG" 2>&1 &
	E2E_XLBD_PID=$!
	e2e_on_exit "e2e_stop $E2E_XLBD_PID 20 || kill -KILL $E2E_XLBD_PID"
}

# Waits for the run's xlbd to open its socket; the run aborts with its log when it does not.
# Loading and attaching the datapath (sanitized, on a loaded machine) can take 10 s and more.
e2e_xlbd_wait_socket() {
	e2e_wait 30 test -S "$E2E_SOCK" && return 0
	e2e_indent <"$E2E_LOG"
	e2e_abort setup "xlbd did not open its socket"
}

# xlbctl on the run's xlbd, bounded.
e2e_ctl() {
	timeout 10 "$XLBCTL" --socket "$E2E_SOCK" "$@"
}

# "InstanceId LifecycleState HealthStatus" lines, one per instance of the group.
e2e_instances() { # group
	e2e_ctl --json describe-auto-scaling-groups --auto-scaling-group-names "$1" 2>/dev/null |
		jq -r '.AutoScalingGroups[0].Instances[] | "\(.InstanceId) \(.LifecycleState) \(.HealthStatus)"'
}

# The ids of the target group's healthy targets, one a line.
e2e_healthy_targets() { # target group
	e2e_ctl --json describe-target-health --target-group-arn "$1" 2>/dev/null |
		jq -r '.TargetHealthDescriptions[] | select(.TargetHealth.State == "healthy") | .Target.Id'
}

# Exactly n healthy targets in the target group and n instances in the group, all InService.
e2e_n_healthy() { # group, target group, n
	[ "$(e2e_healthy_targets "$2" | wc -l)" -eq "$3" ] &&
		[ "$(e2e_instances "$1" | awk '$2 == "InService"' | wc -l)" -eq "$3" ] &&
		[ "$(e2e_instances "$1" | wc -l)" -eq "$3" ]
}

# ---- a cluster of xlbd nodes (xlb-lab --balancers N)

# Starts node k's xlbd in its balancer's namespace: configuration $E2E_TMP/nodeK.json, pin
# directory $E2E_PIN_DIR-K, socket $E2E_TMP/xlbdK.sock, run directory $E2E_TMP/runK, instances
# named ${E2E_PREFIX}nK-, on the router-facing interface, translating nat replies on it and on
# the backends' segment; output appended to $E2E_TMP/xlbdK.log. Sets E2E_NODE_PID[k]; stopped
# on exit (SIGTERM, SIGKILL after 20 s) and its pins removed.
e2e_node_start() { # node index
	local k=$1 ns=${XLB_LAB_LB_NS_ALL[$1 - 1]}
	nsenter --net="/run/netns/$ns" "$XLBD" --config "$E2E_TMP/node$k.json" \
		--pin-dir "$E2E_PIN_DIR-$k" --socket "$E2E_TMP/xlbd$k.sock" --metrics-address none \
		--run-dir "$E2E_TMP/run$k" --instance-prefix "${E2E_PREFIX}n$k-" \
		--interface "${XLB_LAB_LB_ROUTER_IF[k - 1]}" \
		--nat-interface "${XLB_LAB_LB_ROUTER_IF[k - 1]}" \
		--nat-interface "${XLB_LAB_LB_SEG_IF[k - 1]}" >>"$E2E_TMP/xlbd$k.log" 2>&1 &
	E2E_NODE_PID[k]=$!
	e2e_on_exit "e2e_stop ${E2E_NODE_PID[k]} 20 || kill -KILL ${E2E_NODE_PID[k]}"
	e2e_on_exit "rm -rf '$E2E_PIN_DIR-$k'"
}

# xlbctl on node k's xlbd, bounded.
e2e_node_ctl() { # node index, xlbctl args...
	timeout 10 "$XLBCTL" --socket "$E2E_TMP/xlbd$1.sock" "${@:2}"
}

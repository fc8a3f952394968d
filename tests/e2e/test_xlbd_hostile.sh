#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: xlbd (the sanitized build, see lib.sh) under hostile and unlucky input, in a
# network namespace of the run's own. Control-socket requests with a null, a number, an object
# where a string belongs, and the like each get a clear error reply and xlbd lives on; a
# register-targets or deregister-targets batch with one bad target changes nothing; a
# configuration that needs more file descriptors than RLIMIT_NOFILE can give is refused by
# --check (as root, and as an unprivileged user under a low hard limit) and by a reload, which
# leaves the running one in place.
# needs: netns
# parallel: yes
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
for t in "$XLBD" "$XLBCTL"; do
	[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
done
command -v socat >/dev/null || e2e_abort setup "'socat' is missing (make deps)"

NS=${E2E_PREFIX}h
E2E_XLBD_NS=$NS # xlbd runs there, without the lab
T1=198.19.200.1
T2=198.19.200.2
T3=198.19.200.3

# One target group with one target, nothing routed anywhere: its checks fail at once.
cat >"$E2E_CONF" <<EOF
// written by test_xlbd_hostile.sh
{
  "LoadBalancers": [{ "Name": "e2e-lb", "Type": "network", "XlbAddresses": ["198.18.100.1"],
    "Listeners": [{ "Port": 80, "Protocol": "TCP",
      "DefaultActions": [{ "Type": "forward", "TargetGroupArn": "tg" }] }] }],
  "TargetGroups": [{ "TargetGroupName": "tg", "Protocol": "TCP", "Port": 80,
    "TargetType": "ip", "Targets": [{ "Id": "$T1" }],
    "Attributes": [{ "Key": "deregistration_delay.timeout_seconds", "Value": "0" }] }]
}
EOF

# A configuration no RLIMIT_NOFILE can hold: 120 groups of MaxSize 10000 need about 9.7
# million descriptors; fs.nr_open is at most 1048576 by default (and this test checks).
big_config() { # file
	local i
	{
		echo '{ "Xlb": { "InstanceAddressPool": "198.18.128.0/17" },'
		echo '  "LaunchConfigurations": [{ "LaunchConfigurationName": "lc",'
		printf '%s\n' '    "InstanceType": "t3.micro", "UserData": "#!/bin/sh\nexec sleep 1\n" }],'
		echo '  "AutoScalingGroups": ['
		for i in $(seq 1 120); do
			[ "$i" -gt 1 ] && echo ','
			printf '{ "AutoScalingGroupName": "g%d", "LaunchConfigurationName": "lc",' "$i"
			printf ' "MinSize": 0, "MaxSize": 10000, "DesiredCapacity": 0 }'
		done
		echo '] }'
	} >"$1"
}

# --- configurations that cannot fit ---------------------------------------------------------
big_config "$E2E_TMP/big.json"
chmod 0644 "$E2E_TMP/big.json"
chmod 0755 "$E2E_TMP"
nr_open=$(cat /proc/sys/fs/nr_open)
if [ "$nr_open" -ge 9700000 ]; then
	e2e_skip check_fd_root "fs.nr_open is $nr_open: the big configuration fits"
elif out=$("$XLBD" --check --config "$E2E_TMP/big.json" 2>&1); then
	e2e_fail check_fd_root "--check accepted a configuration needing ~9.7M descriptors"
	echo "$out" | tail -n 3 | e2e_indent
elif [ $? -ne 2 ] || ! grep -q "big.json: needs [0-9]* file descriptors" <<<"$out"; then
	e2e_fail check_fd_root "no clear error (exit 2, the file, the count)"
	echo "$out" | tail -n 3 | e2e_indent
else
	e2e_pass check_fd_root
fi
# an ordinary user under a hard limit of 1024: the same group alone, MaxSize 200, does not fit
sed 's/"MaxSize": 10000/"MaxSize": 200/' "$E2E_TMP/big.json" |
	jq '.AutoScalingGroups |= .[:1]' >"$E2E_TMP/small.json"
chmod 0644 "$E2E_TMP/small.json"
if ! command -v setpriv >/dev/null; then
	e2e_skip check_fd_user "setpriv is missing"
elif ! "$XLBD" --check --config "$E2E_TMP/small.json" >/dev/null 2>&1; then
	e2e_fail check_fd_user "root refused the small configuration"
elif out=$(ulimit -Sn 1024 && ulimit -Hn 1024 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$XLBD" --check --config "$E2E_TMP/small.json" 2>&1); then
	e2e_fail check_fd_user "--check accepted 200 instances under a hard limit of 1024"
else
	if grep -q "for AutoScalingGroup g1 (MaxSize 200).*more than RLIMIT_NOFILE can give (1024, the hard limit)" <<<"$out"; then
		e2e_pass check_fd_user
	else
		e2e_fail check_fd_user "no clear error"
		echo "$out" | tail -n 3 | e2e_indent
	fi
fi

# --- xlbd in a namespace of its own -------------------------------------------------------------
ip netns add "$NS" || e2e_abort setup "ip netns add $NS"
e2e_on_exit "ip netns delete $NS"
ip -n "$NS" link set lo up
e2e_xlbd_start "${E2E_PREFIX}i-" --metrics-address 127.0.0.1:9469
e2e_xlbd_wait_socket

raw() { # one request line; prints the reply line
	printf '%s\n' "$1" | timeout 10 socat -t 5 - "UNIX-CONNECT:$E2E_SOCK" 2>/dev/null
}

targets() { # the registered targets' addresses, sorted, on one line
	e2e_ctl --json describe-target-health --target-group-arn tg 2>/dev/null |
		jq -r '[.TargetHealthDescriptions[].Target.Id] | sort | join(" ")'
}

# --- hostile requests: verb | args | expected error code -------------------------------------
hostile=$(
	cat <<'EOF'
describe-target-health|{"TargetGroupArn":"tg","Targets":[{"Id":null}]}|ValidationError
describe-target-health|{"TargetGroupArn":"tg","Targets":[{"Id":7}]}|ValidationError
describe-target-health|{"TargetGroupArn":"tg","Targets":[{"Id":{"a":null}}]}|ValidationError
describe-target-health|{"TargetGroupArn":"tg","Targets":[null]}|ValidationError
describe-target-health|{"TargetGroupArn":"tg","Targets":["198.19.200.1"]}|ValidationError
describe-target-health|{"TargetGroupArn":"tg","Targets":[{"Id":"198.19.200.1","Port":"80"}]}|ValidationError
describe-target-health|{"TargetGroupArn":"tg","Targets":{"Id":"x"}}|ValidationError
describe-target-health|{"TargetGroupArn":null}|ValidationError
describe-target-health|{"TargetGroupArn":["tg"]}|ValidationError
describe-target-health|{"TargetGroupArn":3}|ValidationError
register-targets|{"TargetGroupArn":"tg","Targets":[{"Id":null}]}|ValidationError
register-targets|{"TargetGroupArn":"tg","Targets":[{"Id":"198.19.200.2","Port":{}}]}|ValidationError
register-targets|{"TargetGroupArn":"tg","Targets":[{"Id":"198.19.200.2","Port":70000}]}|ValidationError
register-targets|{"TargetGroupArn":"tg","Targets":[]}|ValidationError
register-targets|{"TargetGroupArn":"tg","Targets":null}|ValidationError
deregister-targets|{"TargetGroupArn":"tg","Targets":[{"Id":false}]}|ValidationError
set-desired-capacity|{"AutoScalingGroupName":null,"DesiredCapacity":1}|ValidationError
set-desired-capacity|{"AutoScalingGroupName":"g","DesiredCapacity":"1"}|ValidationError
set-desired-capacity|{"AutoScalingGroupName":"g","DesiredCapacity":1.5}|ValidationError
set-desired-capacity|{"AutoScalingGroupName":"g","DesiredCapacity":1,"HonorCooldown":"yes"}|ValidationError
describe-auto-scaling-groups|{"AutoScalingGroupNames":[null]}|ValidationError
describe-auto-scaling-groups|{"AutoScalingGroupNames":"g"}|ValidationError
describe-scaling-activities|{"MaxRecords":"10"}|ValidationError
describe-scaling-activities|{"AutoScalingGroupName":{}}|ValidationError
attach-load-balancer-target-groups|{"AutoScalingGroupName":"g","TargetGroupARNs":[1]}|ValidationError
get-console-output|{"InstanceId":null}|ValidationError
get-console-output|{"InstanceId":[]}|ValidationError
get-metric-statistics|{"AutoScalingGroupName":9}|ValidationError
status|[]|ValidationError
status|"x"|ValidationError
EOF
)
bad=0
while IFS='|' read -r verb args code; do
	req="{\"verb\":\"$verb\",\"args\":$args}"
	reply=$(raw "$req")
	got=$(jq -r 'if .ok == false then .error.code else "ok" end' <<<"$reply" 2>/dev/null)
	if [ "$got" != "$code" ]; then
		e2e_log "$req -> ${reply:-no reply} (expected $code)"
		bad=$((bad + 1))
	fi
	kill -0 "$E2E_XLBD_PID" 2>/dev/null || break
done <<<"$hostile"
for req in '{"verb":null}' '{"verb":7}' '{"verb":"status","args":null,"x":[[[[]]]]}' 'null' '[]'; do
	raw "$req" >/dev/null
done
if ! kill -0 "$E2E_XLBD_PID" 2>/dev/null; then
	e2e_fail hostile_requests "xlbd died"
	tail -n 30 "$E2E_LOG" | e2e_indent
	e2e_summary
	exit 1
elif [ "$bad" -gt 0 ]; then
	e2e_fail hostile_requests "$bad requests without the expected error reply"
elif ! e2e_ctl status >/dev/null; then
	e2e_fail hostile_requests "xlbd no longer answers status"
else
	e2e_pass hostile_requests
fi

# --- batches: whole or not at all ---------------------------------------------------------------
before=$(targets)
reply=$(raw "{\"verb\":\"register-targets\",\"args\":{\"TargetGroupArn\":\"tg\",\"Targets\":[{\"Id\":\"$T2\"},{\"Id\":\"$T3\"},{\"Id\":\"not-an-ip\"}]}}")
after=$(targets)
if [ "$before" != "$T1" ]; then
	e2e_fail register_batch_atomic "the file's target is not there: '$before'"
elif [ "$(jq -r '.error.code' <<<"$reply")" != InvalidTarget ] ||
	! jq -r '.error.message' <<<"$reply" | grep -q 'Targets\[2\]'; then
	e2e_fail register_batch_atomic "reply: $reply"
elif [ "$after" != "$before" ]; then
	e2e_fail register_batch_atomic "a refused batch changed the targets: '$before' -> '$after'"
else
	e2e_pass register_batch_atomic
fi

if ! e2e_ctl register-targets --target-group-arn tg --targets "Id=$T2" "Id=$T3" >/dev/null ||
	[ "$(targets)" != "$T1 $T2 $T3" ]; then
	e2e_fail deregister_batch_atomic "registering $T2 and $T3: '$(targets)'"
else
	reply=$(raw "{\"verb\":\"deregister-targets\",\"args\":{\"TargetGroupArn\":\"tg\",\"Targets\":[{\"Id\":\"$T2\"},{\"Id\":\"198.19.200.99\"}]}}")
	if [ "$(jq -r '.error.code' <<<"$reply")" != InvalidTarget ] ||
		[ "$(targets)" != "$T1 $T2 $T3" ]; then
		e2e_fail deregister_batch_atomic "reply $reply, targets '$(targets)'"
	else
		e2e_pass deregister_batch_atomic
	fi
fi

# --- a reload to a configuration that cannot fit ------------------------------------------------
cp "$E2E_CONF" "$E2E_TMP/good.json"
if [ "$nr_open" -ge 9700000 ]; then
	e2e_skip reload_fd_refused "fs.nr_open is $nr_open"
else
	cp "$E2E_TMP/big.json" "$E2E_CONF"
	out=$(e2e_ctl reload 2>&1)
	rc=$?
	cp "$E2E_TMP/good.json" "$E2E_CONF"
	if [ $rc -eq 0 ] || ! grep -q "file descriptors" <<<"$out"; then
		e2e_fail reload_fd_refused "exit $rc: $out"
	elif [ "$(targets)" != "$T1 $T2 $T3" ] || ! kill -0 "$E2E_XLBD_PID" 2>/dev/null; then
		e2e_fail reload_fd_refused "the running configuration did not stay"
	else
		e2e_pass reload_fd_refused
	fi
fi

if e2e_stop "$E2E_XLBD_PID" 20; then
	e2e_pass xlbd_stops_clean
else
	e2e_fail xlbd_stops_clean "exit status $?"
	tail -n 20 "$E2E_LOG" | e2e_indent
fi
if grep -q "ERROR: AddressSanitizer\|runtime error:" "$E2E_LOG"; then
	e2e_fail sanitizers_quiet "a sanitizer reported in xlbd's log"
	grep -A 12 "ERROR: AddressSanitizer\|runtime error:" "$E2E_LOG" | head -n 30 | e2e_indent
else
	e2e_pass sanitizers_quiet
fi
e2e_summary

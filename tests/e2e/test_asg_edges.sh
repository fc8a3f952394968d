#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: the edges of groups and draining. One instance of a group with an IPv6 address
# pool, registered by its IPv4 address in an ipv4 target group and by its IPv6 one in an ipv6
# target group, answers on the IPv4 and the IPv6 VIP (nat), and through a dsr and an ipip
# listener (the VIP on its loopback, xlb_decap on its link). Then a long-lived connection to
# a static target deregistered with connection_termination.enabled is ended at the end of the
# 3 s delay (the counter says 1), while one through a group without it keeps flowing.
# needs: netns
# parallel: yes
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DELAY=3 # deregistration delay, s

e2e_init
e2e_need "$XLBD" "$XLBCTL"
e2e_lab_up --clients 1 --backends 1
e2e_lab_serve 8080

IPREFIX=${E2E_PREFIX}i-
BACKEND=$(readlink -f "$XLB_BACKEND")
B1=${XLB_LAB_BACKEND4[0]}
HC='"HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2, "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2'
fwd() { # target group
	echo "\"DefaultActions\": [{ \"Type\": \"forward\", \"TargetGroupArn\": \"$1\" }]"
}
tg() { # name, port, ip address type, delay, termination[, targets]
	echo "{ \"TargetGroupName\": \"$1\", \"Protocol\": \"TCP\", \"Port\": $2, \"IpAddressType\": \"$3\", $HC,
	  \"Attributes\": [{ \"Key\": \"deregistration_delay.timeout_seconds\", \"Value\": \"$4\" },
	    { \"Key\": \"deregistration_delay.connection_termination.enabled\", \"Value\": \"$5\" }]${6:+, \"Targets\": [$6]} }"
}

cat >"$E2E_CONF" <<EOF
// written by test_asg_edges.sh
{
  "Xlb": { "InstanceAddressPool": "198.18.192.0/24", "InstanceAddressPool6": "2001:2:0:e00::/112" },
  "LoadBalancers": [{
    "Name": "v4", "Type": "network", "XlbAddresses": ["$XLB_LAB_VIP4"],
    "Listeners": [
      { "Port": 80, "Protocol": "TCP", $(fwd tg4) },
      { "Port": 81, "Protocol": "TCP", "XlbForwardingMode": "dsr", $(fwd tgdsr) },
      { "Port": 82, "Protocol": "TCP", "XlbForwardingMode": "ipip", $(fwd tgipip) },
      { "Port": 90, "Protocol": "TCP", $(fwd tgon) },
      { "Port": 91, "Protocol": "TCP", $(fwd tgoff) }]
  }, {
    "Name": "v6", "Type": "network", "XlbAddresses": ["$XLB_LAB_VIP6"],
    "Listeners": [{ "Port": 80, "Protocol": "TCP", $(fwd tg6) }]
  }],
  "TargetGroups": [
    $(tg tg4 80 ipv4 0 false), $(tg tg6 80 ipv6 0 false),
    $(tg tgdsr 81 ipv4 0 false), $(tg tgipip 82 ipv4 0 false),
    $(tg tgon 8080 ipv4 $DELAY true "{ \"Id\": \"$B1\" }"),
    $(tg tgoff 8080 ipv4 $DELAY false "{ \"Id\": \"$B1\" }")],
  "LaunchConfigurations": [{
    "LaunchConfigurationName": "lc", "InstanceType": "t3.micro",
    "UserData": "#!/bin/sh\\nexec $BACKEND --listen 80 --listen 81 --listen 82 --quiet\\n"
  }],
  "AutoScalingGroups": [{
    "AutoScalingGroupName": "edges", "LaunchConfigurationName": "lc",
    "MinSize": 1, "MaxSize": 1, "DesiredCapacity": 1,
    "HealthCheckType": "ELB", "HealthCheckGracePeriod": 30,
    "TargetGroupARNs": ["tg4", "tg6", "tgdsr", "tgipip"]
  }]
}
EOF

healthy() { # target group: its healthy targets' addresses
	e2e_ctl --json describe-target-health --target-group-arn "$1" 2>/dev/null |
		jq -r '.TargetHealthDescriptions[] | select(.TargetHealth.State == "healthy") |
			(.Target.PrivateIpAddress // .Target.Id)'
}

all_healthy() {
	local t
	for t in tg4 tg6 tgdsr tgipip tgon tgoff; do
		[ -n "$(healthy "$t")" ] || return 1
	done
}

e2e_xlbd_check "$E2E_CONF"
e2e_xlbd_start "$IPREFIX" --metrics-address 127.0.0.1:9471 \
	--nat-interface "${XLB_LAB_LB_BACKEND_IF[0]}"
e2e_xlbd_wait_socket
if ! e2e_wait 25 all_healthy; then
	for t in tg4 tg6 tgdsr tgipip tgon tgoff; do
		e2e_log "$t: $(e2e_ctl --json describe-target-health --target-group-arn "$t" 2>&1 | jq -c '.TargetHealthDescriptions[].TargetHealth' 2>&1 | tr '\n' ' ')"
	done
	e2e_indent <"$E2E_LOG"
fi

# 1. the instance is in the ipv6 target group by its IPv6 address, and the v6 VIP answers
ip6=$(healthy tg6)
if [[ $ip6 == 2001:2:0:e00::* ]]; then
	e2e_pass registered_by_ipv6
else
	e2e_fail registered_by_ipv6 "tg6's healthy targets: '$ip6'"
fi
ask() { # name, url
	local got
	got=$(e2e_in c1 curl -s --max-time 3 -o /dev/null -w '%{http_code} %header{x-instance}' "$2")
	if [[ $got == "200 "?* ]]; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "$2 answered '$got'"
	fi
}
ask v6_vip_answers "http://[$XLB_LAB_VIP6]:80/whoami"
ask v4_vip_answers "http://$XLB_LAB_VIP4:80/whoami"
# 2. dsr and ipip in front of the group
ask dsr_answers "http://$XLB_LAB_VIP4:81/whoami"
ask ipip_answers "http://$XLB_LAB_VIP4:82/whoami"

# 3. connection termination: one connection through each of tgon and tgoff, a request every
# 0.5 s for 9 s; both targets deregistered 1 s in; the delay ends 3 s later
keepalive() { # port, local port, out file
	local urls=() i
	for ((i = 0; i < 18; i++)); do
		urls+=("http://$XLB_LAB_VIP4:$1/whoami")
	done
	timeout 15 nsenter --net="/run/netns/$E2E_PREFIX-c1" curl -s --local-port "$2" \
		--rate 2/s --max-time 12 -o /dev/null -w '%{http_code} %{num_connects}\n' "${urls[@]}" \
		>"$3" 2>/dev/null
}
keepalive 90 24000 "$E2E_TMP/on.out" &
on_pid=$!
keepalive 91 24001 "$E2E_TMP/off.out" &
off_pid=$!
sleep 1
e2e_ctl deregister-targets --target-group-arn tgon --targets "Id=$B1" >/dev/null 2>&1
e2e_ctl deregister-targets --target-group-arn tgoff --targets "Id=$B1" >/dev/null 2>&1
wait "$on_pid" "$off_pid"
on_ok=$(awk '$1 == 200' "$E2E_TMP/on.out" | wc -l)
off_ok=$(awk '$1 == 200' "$E2E_TMP/off.out" | wc -l)
off_conns=$(awk '{ n += $2 } END { print n + 0 }' "$E2E_TMP/off.out")
e2e_log "with termination: $on_ok of 18 answered; without: $off_ok of 18 over $off_conns connection(s)"
if [ "$on_ok" -ge 2 ] && [ "$on_ok" -lt 18 ] &&
	grep -q "target $B1:8080: deregistration delay over, 1 connection terminated" "$E2E_LOG"; then
	e2e_pass termination_ends_connection
else
	e2e_fail termination_ends_connection "$on_ok of 18 answered"
	grep -i "tgon\|terminat" "$E2E_LOG" | tail -5 | e2e_indent
fi
if [ "$off_ok" -eq 18 ] && [ "$off_conns" -eq 1 ]; then
	e2e_pass no_termination_keeps_flowing
else
	e2e_fail no_termination_keeps_flowing "$off_ok of 18 answered over $off_conns connections"
fi
metrics=$(e2e_in lb curl -s --max-time 3 http://127.0.0.1:9471/metrics)
if grep -q '^xlb_target_group_connections_terminated_total{target_group="tgon"} 1$' <<<"$metrics" &&
	grep -q '^xlb_target_group_connections_terminated_total{target_group="tgoff"} 0$' <<<"$metrics"; then
	e2e_pass termination_counted
else
	e2e_fail termination_counted "$(grep connections_terminated <<<"$metrics" | tr '\n' ';')"
fi

e2e_summary

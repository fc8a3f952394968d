#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: xlbd with an auto-scaling group. Two instances launched from UserData that
# exec's xlb-backend serve a listener's requests; a killed server is taken out and replaced
# while a steady request loop loses at most the request in flight; desired 4 then 2, with
# long-lived connections to the instances taken out completing (zero reset); xlbd killed with
# SIGKILL under load and started again adopts the same instances; a dozen bad files are each
# refused by reload with their line and message while the running configuration serves;
# SIGTERM terminates every instance and removes what xlbd created.
# needs: netns
# parallel: yes
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

INTERVAL=5
THRESHOLD=2
DELAY=10 # deregistration delay, s
BAD_DIR=$(cd "$(dirname "$0")/../unit/config" && pwd)
UNIT_SRC=$(cd "$(dirname "$0")/../unit" && pwd)/test_config_bad.c

e2e_init
e2e_need "$XLBD" "$XLBCTL"
e2e_lab_up --clients 1 --backends 0

IPREFIX=${E2E_PREFIX}i-
BACKEND=$(readlink -f "$XLB_BACKEND")

cat >"$E2E_CONF" <<EOF
// written by test_xlbd_asg.sh
{
  "Xlb": { "InstanceAddressPool": "198.18.192.0/24" },
  "LoadBalancers": [{
    "Name": "e2e-lb", "Type": "application", "XlbAddresses": ["$XLB_LAB_VIP4"],
    "Listeners": [{ "Port": 80, "Protocol": "HTTP",
      "DefaultActions": [{ "Type": "forward", "TargetGroupArn": "e2e-tg" }] }]
  }],
  "TargetGroups": [{
    "TargetGroupName": "e2e-tg", "Protocol": "HTTP", "Port": 80,
    "HealthCheckPath": "/health",
    "HealthCheckIntervalSeconds": $INTERVAL, "HealthCheckTimeoutSeconds": 2,
    "HealthyThresholdCount": $THRESHOLD, "UnhealthyThresholdCount": $THRESHOLD,
    "Attributes": [{ "Key": "deregistration_delay.timeout_seconds", "Value": "$DELAY" }]
  }],
  "LaunchConfigurations": [{
    "LaunchConfigurationName": "e2e-lc", "InstanceType": "t3.micro",
    "UserData": "#!/bin/sh\\necho booting \$XLB_INSTANCE_ID at \$XLB_INSTANCE_IP\\nexec $BACKEND --listen 80 --quiet\\n"
  }],
  "AutoScalingGroups": [{
    "AutoScalingGroupName": "e2e-asg", "LaunchConfigurationName": "e2e-lc",
    "MinSize": 1, "MaxSize": 6, "DesiredCapacity": 2,
    "HealthCheckType": "ELB", "HealthCheckGracePeriod": 30, "DefaultInstanceWarmup": 0,
    "TargetGroupARNs": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/e2e-tg/0123456789abcdef"]
  }, {
    "AutoScalingGroupName": "e2e-lonely", "LaunchConfigurationName": "e2e-lc",
    "MinSize": 0, "MaxSize": 1, "DesiredCapacity": 0
  }]
}
EOF

# e2e-asg's instances, e2e-tg's healthy targets, and exactly n of both, all InService
instances() { e2e_instances e2e-asg; }
healthy_targets() { e2e_healthy_targets e2e-tg; }
n_healthy() { e2e_n_healthy e2e-asg e2e-tg "$1"; }

instance_pid() { # id: the boot script exec'd the server, so its pid is the server's
	sed -n 's/^pid=//p' "$E2E_RUN/instances/$1/instance"
}

e2e_xlbd_check "$E2E_CONF"
e2e_xlbd_start "$IPREFIX" --metrics-address 127.0.0.1:9469
e2e_xlbd_wait_socket

# 1. two instances from UserData, both healthy and both reached
if e2e_wait $((INTERVAL * (THRESHOLD + 1) + 10)) n_healthy 2; then
	e2e_pass two_instances_healthy
else
	e2e_fail two_instances_healthy "$(instances | tr '\n' ';') healthy: $(healthy_targets | tr '\n' ' ')"
	e2e_indent <"$E2E_LOG"
fi
e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" 40 "$E2E_TMP/two.out" 20000
ids=$(instances | awk '{print $1}' | sort | tr '\n' ' ')
got=$(awk '$1 == 200 { print $2 }' "$E2E_TMP/two.out" | sort -u | tr '\n' ' ')
ok=$(awk '$1 == 200' "$E2E_TMP/two.out" | wc -l)
if [ "$ok" -eq 40 ] && [ "$got" = "$ids" ]; then
	e2e_pass reach_both_instances
	e2e_log "$(e2e_spread "$E2E_TMP/two.out")"
else
	e2e_fail reach_both_instances "$ok of 40 answered by '$got'; instances '$ids'"
fi

first=$(instances | awk 'NR == 1 { print $1 }')
if e2e_ctl get-console-output --instance-id "$first" 2>/dev/null | grep -q "booting $first at 198.18.192"; then
	e2e_pass console_output
else
	e2e_fail console_output "$(e2e_ctl get-console-output --instance-id "$first" 2>&1 | head -3)"
fi

# the classic pitfall, said plainly by both
if e2e_ctl status 2>&1 | grep -q 'e2e-lonely is attached to no target group' &&
	grep -q 'e2e-lonely is attached to no target group' "$E2E_LOG"; then
	e2e_pass pitfall_warned
else
	e2e_fail pitfall_warned "no warning about e2e-lonely in status or the log"
fi

# capacity figures and the group's metrics on the Prometheus endpoint
metrics=$(e2e_in lb curl -s --max-time 3 http://127.0.0.1:9469/metrics)
if grep -q '^xlb_asg_desired_capacity{group="e2e-asg"} 2$' <<<"$metrics" &&
	grep -q '^xlb_asg_in_service_instances{group="e2e-asg"} 2$' <<<"$metrics" &&
	grep -q '^xlb_asg_cpu_utilization_percent{group="e2e-asg"} [0-9.e+-]*$' <<<"$metrics" &&
	grep -q '^xlb_asg_request_count_per_target{group="e2e-asg"}' <<<"$metrics"; then
	e2e_pass group_metrics
else
	e2e_fail group_metrics "expected samples missing"
	grep '^xlb_asg' <<<"$metrics" | head -12 | e2e_indent
fi

# 2. kill one instance's server under a steady request loop: out of service within
# interval x threshold + one interval, replaced; at most the request in flight fails
victim=$first
e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" 400 "$E2E_TMP/kill.out" 21000 400 &
batch=$!
sleep 1
kill -TERM "$(instance_pid "$victim")"
start=$SECONDS
gone() {
	! instances | grep -q "^$victim InService Healthy"
}
if e2e_wait $((INTERVAL * (THRESHOLD + 1))) gone; then
	e2e_pass killed_out_of_service
	e2e_log "$victim out of service after $((SECONDS - start)) s: $(instances | grep "$victim")"
else
	e2e_fail killed_out_of_service "$(instances | tr '\n' ';')"
fi
wait "$batch"
failed=$(awk '$1 != 200' "$E2E_TMP/kill.out" | wc -l)
total=$(wc -l <"$E2E_TMP/kill.out")
if [ "$failed" -le 1 ] && [ "$total" -eq 400 ]; then
	e2e_pass kill_loses_in_flight_only
	e2e_log "$failed of $total requests failed around the kill"
else
	e2e_fail kill_loses_in_flight_only "$failed of $total requests failed"
fi
if e2e_wait $((INTERVAL * (THRESHOLD + 1) + 15)) n_healthy 2 && ! instances | grep -q "^$victim "; then
	e2e_pass replaced
	grep "$victim" "$E2E_LOG" | tail -3 | e2e_indent
else
	e2e_fail replaced "$(instances | tr '\n' ';')"
fi
if e2e_ctl describe-scaling-activities --auto-scaling-group-name e2e-asg 2>&1 |
	grep -q 'in response to an unhealthy instance needing to be replaced'; then
	e2e_pass replacement_activity
else
	e2e_fail replacement_activity "$(e2e_ctl describe-scaling-activities 2>&1 | head -5)"
fi

# 3. desired 4: four serve
e2e_ctl set-desired-capacity --auto-scaling-group-name e2e-asg --desired-capacity 4 >/dev/null 2>&1
if e2e_wait $((INTERVAL * (THRESHOLD + 1) + 15)) n_healthy 4; then
	e2e_pass scale_to_four
else
	e2e_fail scale_to_four "$(instances | tr '\n' ';')"
fi
e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" 80 "$E2E_TMP/four.out" 22000
got=$(awk '$1 == 200 { print $2 }' "$E2E_TMP/four.out" | sort -u | wc -l)
ok=$(awk '$1 == 200' "$E2E_TMP/four.out" | wc -l)
if [ "$ok" -eq 80 ] && [ "$got" -eq 4 ]; then
	e2e_pass four_serve
	e2e_log "$(e2e_spread "$E2E_TMP/four.out")"
else
	e2e_fail four_serve "$ok of 80 answered by $got instances"
fi

# 4. desired 2 while long-lived connections are open on every instance: those on the two
# taken out complete (deregistration delay: no new flows, established ones kept), none reset
keepalive() { # local port: 20 requests over one connection, 4 a second
	local urls=() i t0=$SECONDS rc
	for ((i = 0; i < 20; i++)); do
		urls+=("http://$XLB_LAB_VIP4/whoami")
	done
	timeout 20 nsenter --net="/run/netns/$E2E_PREFIX-c1" curl -s --local-port "$1" \
		--rate 4/s --max-time 15 -o /dev/null \
		-w '%{http_code} %header{x-instance} %{num_connects}\n' "${urls[@]}" \
		>"$E2E_TMP/ka.$1" 2>/dev/null
	rc=$?
	# said when the case fails: curl's exit (28 its timeout, 124 killed) and how long it took
	echo "port $1: exit $rc after $((SECONDS - t0)) s" >"$E2E_TMP/ka-end.$1"
}
ka_pids=()
for p in $(seq 23000 23015); do
	keepalive "$p" &
	ka_pids+=($!)
done
sleep 1
before=$(instances | awk '{print $1}' | sort)
e2e_ctl set-desired-capacity --auto-scaling-group-name e2e-asg --desired-capacity 2 >/dev/null 2>&1
sleep 1
draining=$(instances | awk '$2 == "Terminating" { print $1 }' | sort | tr '\n' ' ')
wait "${ka_pids[@]}"
cat "$E2E_TMP"/ka.* >"$E2E_TMP/ka.all"
ka_ok=$(awk '$1 == 200' "$E2E_TMP/ka.all" | wc -l)
ka_conns=$(awk '{ s += $3 } END { print s + 0 }' "$E2E_TMP/ka.all")
on_drained=0
for id in $draining; do
	on_drained=$((on_drained + $(awk -v i="$id" '$2 == i' "$E2E_TMP/ka.all" | wc -l)))
done
if [ "$ka_ok" -eq 320 ] && [ "$ka_conns" -eq 16 ] && [ "$on_drained" -gt 0 ]; then
	e2e_pass scale_in_drains_without_reset
	e2e_log "draining: $draining; $on_drained requests on their kept connections"
else
	e2e_fail scale_in_drains_without_reset "$ka_ok of 320 ok over $ka_conns connections\
 (16 expected); $on_drained on the draining instances ($draining)"
	for p in $(seq 23000 23015); do
		e2e_log "$(cat "$E2E_TMP/ka-end.$p"), $(wc -l <"$E2E_TMP/ka.$p") answers:" \
			"$(sort "$E2E_TMP/ka.$p" | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%dx%s", s, n, $0; s = ";" }')"
	done
	e2e_log "activities: $(e2e_ctl describe-scaling-activities 2>&1 | head -8 | tr '\n' ' ')"
fi
if e2e_wait $((DELAY + 10)) n_healthy 2; then
	e2e_pass scale_to_two
else
	e2e_fail scale_to_two "$(instances | tr '\n' ';')"
fi
after=$(instances | awk '{print $1}' | sort | tr '\n' ' ')
e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" 40 "$E2E_TMP/twoagain.out" 24000
got=$(awk '$1 == 200 { print $2 }' "$E2E_TMP/twoagain.out" | sort -u | tr '\n' ' ')
if [ "$got" = "$after" ] && [ "$(awk '$1 == 200' "$E2E_TMP/twoagain.out" | wc -l)" -eq 40 ]; then
	e2e_pass two_serve_after_scale_in
else
	e2e_fail two_serve_after_scale_in "answered by '$got', instances '$after' (before: $before)"
fi

# 5. SIGKILL under a steady loop, started again: nothing fails, the same instances
e2e_kill_under_load c1 "http://$XLB_LAB_VIP4/whoami" 200 "$E2E_TMP/restart.out" 25000 \
	"$E2E_XLBD_PID" e2e_xlbd_start "$IPREFIX" --metrics-address 127.0.0.1:9469
ok=$(awk '$1 == 200' "$E2E_TMP/restart.out" | wc -l)
# the killed xlbd's socket file is still there until the new one replaces it
answers() {
	e2e_ctl status >/dev/null 2>&1
}
e2e_wait 10 answers
now=$(instances | awk '{print $1}' | sort | tr '\n' ' ')
if [ "$ok" -eq 200 ] && [ "$now" = "$after" ] && grep -q 'adopted i-' "$E2E_LOG"; then
	e2e_pass restart_adopts_instances
else
	e2e_fail restart_adopts_instances "$ok of 200 answered; instances '$now', before '$after'"
fi
if e2e_wait $((INTERVAL * (THRESHOLD + 1) + 5)) n_healthy 2; then
	e2e_pass restart_healthy
else
	e2e_fail restart_healthy "$(instances | tr '\n' ';')"
fi

# 6. a dozen bad files through reload: each refused with its line, column, path and message
# (the ones tests/unit/test_config_bad.c expects), while the running configuration serves
cp "$E2E_CONF" "$E2E_CONF.good"
# the unit test's table: a row is { "FILE", "WANT" }, on one line or two
awk '/^\t\{ "bad_[a-z_0-9]*\.json",$/ { f = $0; getline w; print f w; next }
	/^\t\{ "bad_/ { print }' "$UNIT_SRC" |
	sed -n 's/^\t{ "\([^"]*\)",[[:space:]]*"\(.*\)" },$/\1\t\2/p' >"$E2E_TMP/bad.list"
[ -s "$E2E_TMP/bad.list" ] || e2e_fail bad_reloads_refused "no rows read from $UNIT_SRC"
nbad=0
badfail=""
while IFS=$'\t' read -r file want; do
	want=${want//\\\"/\"}
	cp "$BAD_DIR/$file" "$E2E_CONF"
	msg=$(e2e_ctl reload 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF "$E2E_CONF:$want" <<<"$msg"; then
		nbad=$((nbad + 1))
	else
		badfail="$badfail $file (rc $rc: $msg; wanted $want)"
	fi
done < <(head -n 14 "$E2E_TMP/bad.list")
cp "$E2E_CONF.good" "$E2E_CONF"
if [ "$nbad" -ge 12 ] && [ -z "$badfail" ]; then
	e2e_pass bad_reloads_refused
	e2e_log "$nbad bad files refused, each with its line and message"
else
	e2e_fail bad_reloads_refused "$nbad refused as expected;$badfail"
fi
e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" 40 "$E2E_TMP/afterbad.out" 26000
if [ "$(awk '$1 == 200' "$E2E_TMP/afterbad.out" | wc -l)" -eq 40 ] && n_healthy 2; then
	e2e_pass serving_after_bad_reloads
else
	e2e_fail serving_after_bad_reloads "$(instances | tr '\n' ';')"
fi

# 7. SIGTERM: instances terminated, namespaces, links, cgroups and pins gone
e2e_stop "$E2E_XLBD_PID" 20
rc=$?
ns_left=$(ip netns list | grep -c "^$IPREFIX" || true)
links_left=$(e2e_in lb ip -o link show | grep -c " $IPREFIX" || true)
cg_left=$(find /sys/fs/cgroup -maxdepth 3 -name "${IPREFIX%-}" 2>/dev/null | wc -l)
pins_left=$(find "$E2E_PIN_DIR" -mindepth 1 2>/dev/null | wc -l)
if [ "$rc" -eq 0 ] && [ "$ns_left" -eq 0 ] && [ "$links_left" -eq 0 ] && [ "$cg_left" -eq 0 ] &&
	[ "$pins_left" -eq 0 ]; then
	e2e_pass sigterm_removes_everything
else
	e2e_fail sigterm_removes_everything "exit $rc; left: $ns_left namespaces, $links_left" \
		"links, $cg_left cgroups, $pins_left pins"
	tail -n 8 "$E2E_LOG" | e2e_indent
fi

[ -n "${E2E_VERBOSE:-}" ] && e2e_indent <"$E2E_LOG"
e2e_summary

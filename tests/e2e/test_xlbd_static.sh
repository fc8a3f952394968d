#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: xlbd with a static target group. The lab's three backends behind a listener on
# 198.18.100.1:80; requests from the client reach all three; their health shows in
# describe-target-health; a killed backend turns unhealthy within interval x threshold (+ one
# interval) and gets no new requests; a reload with a bad file is refused with file, line,
# column and JSON path while traffic goes on; SIGTERM removes what xlbd created.
# needs: netns
# parallel: yes
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# AWS's smallest HealthCheckIntervalSeconds is 5 (the config refuses less) and its smallest
# thresholds 2: a target turns healthy 5-10 s after start, and unhealthy at most
# 5 x 2 + 5 = 15 s after its server dies. The waits below allow that plus a few seconds.
INTERVAL=5
THRESHOLD=2
N=60

e2e_init
e2e_need "$XLBD" "$XLBCTL"
e2e_lab_up --clients 1 --backends 3
e2e_lab_serve 80


write_config() { # unhealthy threshold (11 is out of AWS's range: a bad file)
	cat >"$E2E_CONF" <<-EOF
		// written by test_xlbd_static.sh
		{
		  "LoadBalancers": [{
		    "Name": "e2e-lb",
		    "Type": "network",
		    "XlbAddresses": ["$XLB_LAB_VIP4"],
		    "Listeners": [{
		      "Port": 80, "Protocol": "TCP", "XlbForwardingMode": "nat",
		      "DefaultActions": [{ "Type": "forward", "TargetGroupArn": "e2e-web" }]
		    }]
		  }],
		  "TargetGroups": [{
		    "TargetGroupName": "e2e-web",
		    "Protocol": "TCP",
		    "Port": 80,
		    "TargetType": "ip",
		    "HealthCheckProtocol": "HTTP",
		    "HealthCheckPath": "/health",
		    "HealthCheckIntervalSeconds": $INTERVAL,
		    "HealthCheckTimeoutSeconds": 2,
		    "HealthyThresholdCount": $THRESHOLD,
		    "UnhealthyThresholdCount": $1,
		    "Targets": [
		      { "Id": "${XLB_LAB_BACKEND4[0]}" },
		      { "Id": "${XLB_LAB_BACKEND4[1]}" },
		      { "Id": "${XLB_LAB_BACKEND4[2]}" }
		    ],
		    "Attributes": [{ "Key": "deregistration_delay.timeout_seconds", "Value": "5" }]
		  }]
		}
	EOF
}

# Targets in a state: "healthy 198.19.1.2" lines.
health() {
	e2e_ctl --json describe-target-health --target-group-arn e2e-web 2>/dev/null |
		jq -r '.TargetHealthDescriptions[] | "\(.TargetHealth.State) \(.Target.Id)"'
}

count_state() { # state
	health | awk -v s="$1" '$1 == s' | wc -l
}

two_healthy() {
	[ "$(count_state healthy)" -eq 2 ]
}

no_target() { # ip
	! health | grep -q " $1\$"
}

all_healthy() {
	[ "$(count_state healthy)" -eq 3 ]
}

write_config "$THRESHOLD"
e2e_xlbd_check "$E2E_CONF"

nat_args=()
for ifname in "${XLB_LAB_LB_BACKEND_IF[@]}"; do
	nat_args+=(--nat-interface "$ifname")
done
start_xlbd() {
	e2e_xlbd_start "${E2E_PREFIX}i-" --metrics-address 127.0.0.1:9469 "${nat_args[@]}"
}
start_xlbd
e2e_xlbd_wait_socket

# 1. the targets turn healthy: two probes, the first within an interval of the start
if e2e_wait $((INTERVAL * (THRESHOLD + 1) + 5)) all_healthy; then
	e2e_pass targets_healthy
else
	e2e_fail targets_healthy "not all healthy: $(health | tr '\n' ' ')"
	e2e_indent <"$E2E_LOG"
fi

if e2e_ctl status >"$E2E_TMP/status" 2>&1 && grep -q e2e-web "$E2E_TMP/status"; then
	e2e_pass status
else
	e2e_fail status "$(cat "$E2E_TMP/status")"
fi
# Xlb.Hook left at auto: on the lab's veths xlbd attached at tc, and status says so
hooks=$(e2e_ctl status --json 2>/dev/null |
	jq -r '"\(.Hook) " + ([.Interfaces[] | "\(.Name)=\(.Hook)"] | join(" "))' 2>/dev/null)
if [ "${hooks%% *}" = auto ] && [[ " $hooks " == *" ${XLB_LAB_LB_CLIENT_IF[0]}=tc "* ]] &&
	! [[ $hooks == *=xdp* || $hooks == *=none* ]]; then
	e2e_pass status_hook
else
	e2e_fail status_hook "status says '$hooks', want auto and every interface at tc"
fi

# 2. requests reach all three
e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" "$N" "$E2E_TMP/all.out" 20000
e2e_log "all three: $(e2e_spread "$E2E_TMP/all.out")"
ok=$(awk '$1 == 200' "$E2E_TMP/all.out" | wc -l)
inst=$(awk '$1 == 200 { print $2 }' "$E2E_TMP/all.out" | sort -u | wc -l)
if [ "$ok" -eq "$N" ] && [ "$inst" -eq 3 ]; then
	e2e_pass reach_all_three
else
	e2e_fail reach_all_three "$ok of $N answered, by $inst backends"
	e2e_indent <"$E2E_LOG"
fi

# 3. metrics: per target counters and health
metrics=$(e2e_in lb curl -s --max-time 3 http://127.0.0.1:9469/metrics)
if grep -q '^xlb_target_new_flows_total{.*target="'"${XLB_LAB_BACKEND4[0]}"'"' <<<"$metrics" &&
	grep -q '^xlb_target_healthy{.*state="healthy"} 1' <<<"$metrics" &&
	grep -q '^xlb_service_new_flows_total{service="'"$XLB_LAB_VIP4"':80/tcp"}' <<<"$metrics"; then
	e2e_pass metrics
else
	e2e_fail metrics "expected samples missing"
	grep '^xlb_' <<<"$metrics" | head -20 | e2e_indent
fi

# 4. kill b2's server: unhealthy within interval x threshold + one interval
dead=${XLB_LAB_BACKEND_NS[1]}
dead_ip=${XLB_LAB_BACKEND4[1]}
pid=$(cat "$XLB_LAB_RUN_DIR/pids/backend-$dead.pid")
kill -TERM "$pid"
start=$SECONDS
is_unhealthy() {
	health | grep -qx "unhealthy $dead_ip"
}
if e2e_wait $((INTERVAL * THRESHOLD + INTERVAL + 2)) is_unhealthy; then
	e2e_pass unhealthy_in_time
	e2e_log "$dead unhealthy after $((SECONDS - start)) s (bound $((INTERVAL * (THRESHOLD + 1))) s)"
else
	e2e_fail unhealthy_in_time "after $((SECONDS - start)) s: $(health | tr '\n' ' ')"
fi

e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" "$N" "$E2E_TMP/two.out" 22000
e2e_log "two left: $(e2e_spread "$E2E_TMP/two.out")"
ok=$(awk '$1 == 200' "$E2E_TMP/two.out" | wc -l)
to_dead=$(awk -v d="$dead" '$2 == d' "$E2E_TMP/two.out" | wc -l)
if [ "$ok" -eq "$N" ] && [ "$to_dead" -eq 0 ]; then
	e2e_pass no_requests_to_dead
else
	e2e_fail no_requests_to_dead "$ok of $N answered, $to_dead by $dead"
fi

# 5. a reload with a bad file is refused, with the file, line, column and path
cp "$E2E_CONF" "$E2E_CONF.good"
write_config 11
msg=$(e2e_ctl reload 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && grep -q "$E2E_CONF:[0-9]*:[0-9]*:" <<<"$msg" &&
	grep -q 'UnhealthyThresholdCount' <<<"$msg"; then
	e2e_pass bad_reload_refused
	e2e_log "$msg"
else
	e2e_fail bad_reload_refused "rc $rc: $msg"
fi
e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" 30 "$E2E_TMP/after.out" 24000
ok=$(awk '$1 == 200' "$E2E_TMP/after.out" | wc -l)
if [ "$ok" -eq 30 ] && [ "$(count_state healthy)" -eq 2 ]; then
	e2e_pass serving_after_bad_reload
else
	e2e_fail serving_after_bad_reload "$ok of 30 answered; $(health | tr '\n' ' ')"
fi
cp "$E2E_CONF.good" "$E2E_CONF"
if e2e_ctl reload >/dev/null 2>&1; then
	e2e_pass good_reload
else
	e2e_fail good_reload "$(e2e_ctl reload 2>&1)"
fi

# 5b. the elbv2 describes in AWS's shapes; modify-target-group-attributes in force at once,
# kept by a reload that leaves the attribute alone, replaced by one that changes it
attr() { # key
	e2e_ctl --json describe-target-group-attributes --target-group-arn e2e-web 2>/dev/null |
		jq -r --arg k "$1" '.Attributes[] | select(.Key == $k) | .Value'
}
lbs=$(e2e_ctl --json describe-load-balancers --names e2e-lb 2>&1)
tgs=$(e2e_ctl --json describe-target-groups --load-balancer-arn e2e-lb 2>&1)
lst=$(e2e_ctl --json describe-listeners --load-balancer-arn \
	arn:aws:elasticloadbalancing:local:000000000000:loadbalancer/net/e2e-lb/xlb 2>&1)
if [ "$(jq -r '.LoadBalancers[0].XlbAddresses[0]' <<<"$lbs")" = "$XLB_LAB_VIP4" ] &&
	[ "$(jq -r '.LoadBalancers[0].Type' <<<"$lbs")" = network ] &&
	[ "$(jq -r '.TargetGroups[0].HealthCheckIntervalSeconds' <<<"$tgs")" = "$INTERVAL" ] &&
	[ "$(jq -r '.TargetGroups[0].Matcher.HttpCode' <<<"$tgs")" = 200-399 ] &&
	[ "$(jq -r '.Listeners[0].DefaultActions[0].ForwardConfig.TargetGroups[0].TargetGroupArn' \
		<<<"$lst")" = "$(jq -r '.TargetGroups[0].TargetGroupArn' <<<"$tgs")" ] &&
	! e2e_ctl describe-load-balancers --names nope >/dev/null 2>&1 &&
	e2e_ctl describe-listeners --load-balancer-arn e2e-lb | grep -q 'e2e-web (1)'; then
	e2e_pass describe_elbv2
else
	e2e_fail describe_elbv2 "$lbs $tgs $lst"
fi
msg=$(e2e_ctl modify-target-group-attributes --target-group-arn e2e-web \
	--attributes Key=deregistration_delay.timeout_seconds,Value=4000 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'Attributes\[0\].Value' <<<"$msg" && [ "$(attr \
	deregistration_delay.timeout_seconds)" = 5 ]; then
	e2e_pass modify_attrs_refused
else
	e2e_fail modify_attrs_refused "rc $rc: $msg"
fi
e2e_ctl modify-target-group-attributes --target-group-arn e2e-web \
	--attributes Key=deregistration_delay.timeout_seconds,Value=7 >/dev/null 2>&1
first=$(attr deregistration_delay.timeout_seconds)
e2e_ctl reload >/dev/null 2>&1
kept=$(attr deregistration_delay.timeout_seconds)
sed 's/"Value": "5"/"Value": "6"/' "$E2E_CONF.good" >"$E2E_CONF"
e2e_ctl reload >/dev/null 2>&1
replaced=$(attr deregistration_delay.timeout_seconds)
cp "$E2E_CONF.good" "$E2E_CONF"
e2e_ctl reload >/dev/null 2>&1
if [ "$first" = 7 ] && [ "$kept" = 7 ] && [ "$replaced" = 6 ] &&
	[ "$(attr deregistration_delay.timeout_seconds)" = 5 ]; then
	e2e_pass modify_attrs_until_file_changes
else
	e2e_fail modify_attrs_until_file_changes "set $first, after a reload $kept," \
		"after the file changed $replaced"
fi

# modify-target-group: a health check setting at run time, checked with the others
interval() {
	e2e_ctl --json describe-target-groups --names e2e-web 2>/dev/null |
		jq -r '.TargetGroups[0].HealthCheckIntervalSeconds'
}
if ! e2e_ctl modify-target-group --target-group-arn e2e-web --health-check-timeout-seconds 5 \
	>/dev/null 2>&1 &&
	e2e_ctl modify-target-group --target-group-arn e2e-web --health-check-interval-seconds 6 \
		>/dev/null 2>&1 && [ "$(interval)" = 6 ] &&
	e2e_ctl modify-target-group --target-group-arn e2e-web --health-check-interval-seconds 5 \
		>/dev/null 2>&1 && [ "$(interval)" = 5 ]; then
	e2e_pass modify_health_check
else
	e2e_fail modify_health_check "interval $(interval)"
fi

# 6. deregister b3: draining (no new flows), gone once its flows ended or the 5 s delay ran
# out; b1 alone serves; registered again, it turns healthy
gone=${XLB_LAB_BACKEND4[2]}
if e2e_ctl deregister-targets --target-group-arn e2e-web --targets "Id=$gone" >/dev/null 2>&1 &&
	e2e_wait 10 no_target "$gone"; then
	e2e_pass deregister_drains
else
	e2e_fail deregister_drains "$(health | tr '\n' ' ')"
fi
e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" 30 "$E2E_TMP/one.out" 25000
ok=$(awk -v b="${XLB_LAB_BACKEND_NS[0]}" '$1 == 200 && $2 == b' "$E2E_TMP/one.out" | wc -l)
if [ "$ok" -eq 30 ]; then
	e2e_pass one_left_serves
else
	e2e_fail one_left_serves "$ok of 30 answered by ${XLB_LAB_BACKEND_NS[0]}:" \
		"$(e2e_spread "$E2E_TMP/one.out")"
fi
if e2e_ctl register-targets --target-group-arn e2e-web --targets "Id=$gone" >/dev/null 2>&1 &&
	e2e_wait $((INTERVAL * (THRESHOLD + 1) + 5)) two_healthy; then
	e2e_pass register_again
else
	e2e_fail register_again "$(health | tr '\n' ' ')"
fi

# 7. xlbd killed (SIGKILL) under a steady request loop and started again: the pinned datapath
# keeps forwarding, the new xlbd adopts it (and keeps its table until the first checks end,
# so the dead b2 gets nothing); no request fails
e2e_kill_under_load c1 "http://$XLB_LAB_VIP4/whoami" 200 "$E2E_TMP/restart.out" 26000 \
	"$E2E_XLBD_PID" start_xlbd
ok=$(awk '$1 == 200' "$E2E_TMP/restart.out" | wc -l)
to_dead=$(awk -v d="$dead" '$2 == d' "$E2E_TMP/restart.out" | wc -l)
if [ "$ok" -eq 200 ] && [ "$to_dead" -eq 0 ] && e2e_wait 10 test -S "$E2E_SOCK" &&
	e2e_wait 5 grep -q 'adopted the datapath' "$E2E_LOG"; then
	e2e_pass restart_adopts
else
	e2e_fail restart_adopts "$ok of 200 answered, $to_dead by $dead:" \
		"$(e2e_spread "$E2E_TMP/restart.out")"
fi
if e2e_wait $((INTERVAL * (THRESHOLD + 1) + 5)) two_healthy &&
	[ "$(count_state unhealthy)" -eq 1 ]; then
	e2e_pass restart_health
else
	e2e_fail restart_health "$(health | tr '\n' ' ')"
fi

# 8. SIGTERM: detached, unpinned, socket gone
e2e_stop "$E2E_XLBD_PID" 10
rc=$?
xdp=$(e2e_in lb ip -o link show | grep -c ' xdp' || true)
left=$(find "$E2E_PIN_DIR" -mindepth 1 2>/dev/null | wc -l)
if [ "$rc" -eq 0 ] && [ "$xdp" -eq 0 ] && [ "$left" -eq 0 ] && [ ! -e "$E2E_SOCK" ]; then
	e2e_pass sigterm_cleanup
else
	e2e_fail sigterm_cleanup "exit $rc, $xdp interfaces with xdp, $left pins left," \
		"socket $([ -e "$E2E_SOCK" ] && echo left || echo gone)"
	tail -n 5 "$E2E_LOG" | e2e_indent
fi

[ -n "${E2E_VERBOSE:-}" ] && e2e_indent <"$E2E_LOG"
e2e_summary

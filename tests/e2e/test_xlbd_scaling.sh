#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: a target-tracking policy on CPU. Instances of a small type (t2.micro: one vCPU,
# 12.5% of a CPU on a 2-CPU host), a CPU-costly request load from a client namespace, a policy
# holding ASGAverageCPUUtilization at 50% with time compressed 30 times (AWS's one-minute
# datapoints last 2 s): the group scales out under the load and back in after it, and no
# request fails during either.
# needs: netns
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

XLB_LOAD=${XLB_LOAD:-$E2E_BUILD/xlb-load}
LOAD_S=30 # the costly load
WORK_MS=6 # CPU per request
RATE=20   # requests a second: 120 ms of CPU a second, ~100% of one t2.micro's quota

e2e_init
e2e_need "$XLBD" "$XLBCTL" "$XLB_LOAD"
e2e_lab_up --clients 1 --backends 0

IPREFIX=${E2E_PREFIX}s-

cat >"$E2E_CONF" <<EOF
// written by test_xlbd_scaling.sh
{
  "Xlb": { "TimeScale": 30, "InstanceAddressPool": "198.18.194.0/24" },
  "LoadBalancers": [{
    "Name": "e2e-lb", "Type": "application", "XlbAddresses": ["$XLB_LAB_VIP4"],
    "Listeners": [{ "Port": 80, "Protocol": "HTTP",
      "DefaultActions": [{ "Type": "forward", "TargetGroupArn": "e2e-tg" }] }]
  }],
  "TargetGroups": [{
    "TargetGroupName": "e2e-tg", "Protocol": "HTTP", "Port": 80, "HealthCheckPath": "/health",
    "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2,
    "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2,
    "Attributes": [{ "Key": "deregistration_delay.timeout_seconds", "Value": "5" }]
  }],
  "LaunchConfigurations": [{
    "LaunchConfigurationName": "e2e-lc", "InstanceType": "t2.micro",
    "UserData": "#!/bin/sh\\nexec xlb-backend --listen 80 --quiet\\n"
  }],
  "AutoScalingGroups": [{
    "AutoScalingGroupName": "e2e-asg", "LaunchConfigurationName": "e2e-lc",
    "MinSize": 1, "MaxSize": 4, "DesiredCapacity": 1,
    "HealthCheckType": "ELB", "HealthCheckGracePeriod": 60,
    "DefaultInstanceWarmup": 60,
    "TargetGroupARNs": ["e2e-tg"]
  }],
  "ScalingPolicies": [{
    "AutoScalingGroupName": "e2e-asg", "PolicyName": "cpu50",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingConfiguration": {
      "PredefinedMetricSpecification": { "PredefinedMetricType": "ASGAverageCPUUtilization" },
      "TargetValue": 50.0
    }
  }]
}
EOF

desired() {
	e2e_ctl --json describe-auto-scaling-groups 2>/dev/null |
		jq -r '.AutoScalingGroups[0].DesiredCapacity'
}

healthy() {
	e2e_healthy_targets e2e-tg | wc -l
}

serving() { # n healthy targets and desired n
	[ "$(healthy)" = "$1" ] && [ "$(desired)" = "$1" ]
}

e2e_xlbd_check "$E2E_CONF"
e2e_xlbd_start "$IPREFIX" --metrics-address none

if e2e_wait 25 serving 1; then
	e2e_pass one_instance_serving
else
	e2e_fail one_instance_serving "desired $(desired), healthy $(healthy)"
	e2e_indent <"$E2E_LOG"
	e2e_summary
	exit 1
fi

# a light load all along (both phases must lose nothing), the costly one for LOAD_S seconds
# (nsenter itself, not e2e_in: it execs in place, so $! is xlb-load's pid, which is stopped below)
nsenter --net="/run/netns/$E2E_PREFIX-c1" "$XLB_LOAD" --rate 5 --duration $((LOAD_S + 45)) --json \
	"http://$XLB_LAB_VIP4/whoami" >"$E2E_TMP/light.json" 2>"$E2E_TMP/light.err" &
light=$!
e2e_in c1 "$XLB_LOAD" --rate $RATE --duration $LOAD_S --json \
	--failures "$E2E_TMP/heavy.failures" \
	"http://$XLB_LAB_VIP4/work?work=$WORK_MS" >"$E2E_TMP/heavy.json" 2>"$E2E_TMP/heavy.err" &
heavy=$!
start=$SECONDS
peak=1
scaled_out_at=
while kill -0 "$heavy" 2>/dev/null; do
	d=$(desired)
	[ -n "$d" ] && [ "$d" != null ] && [ "$d" -gt "$peak" ] && peak=$d
	[ -z "$scaled_out_at" ] && [ "$peak" -gt 1 ] && scaled_out_at=$((SECONDS - start))
	sleep 1
done
wait "$heavy"
cpu=$(e2e_ctl --json get-metric-statistics 2>/dev/null |
	jq -r '.Groups[0].Current.ASGAverageCPUUtilization // "?"')
if [ "$peak" -gt 1 ] && e2e_ctl describe-scaling-activities 2>/dev/null |
	grep -q 'AlarmHigh.*in state ALARM triggered policy cpu50 changing the desired capacity from 1 to'; then
	e2e_pass scales_out_under_load
	e2e_log "desired 1 -> $peak after ${scaled_out_at:-?} s of load; CPU at its end $cpu%"
else
	e2e_fail scales_out_under_load "peak desired $peak; CPU $cpu%"
	grep -i 'alarm\|cpu50' "$E2E_LOG" | tail -5 | e2e_indent
fi
failed=$(jq -r '.failed // "?"' "$E2E_TMP/heavy.json")
sent=$(jq -r '.sent // "?"' "$E2E_TMP/heavy.json")
if [ "$failed" = 0 ] && [ "$sent" != "?" ] && [ "$sent" -ge $((RATE * LOAD_S * 9 / 10)) ]; then
	e2e_pass no_failure_scaling_out
	e2e_log "$sent costly requests, none failed; p99 $(jq -r '.latency_ms.p99 // "?"' "$E2E_TMP/heavy.json") ms"
else
	e2e_fail no_failure_scaling_out "$failed of $sent failed"
	head -5 "$E2E_TMP/heavy.failures" 2>/dev/null | e2e_indent
	e2e_indent <"$E2E_TMP/heavy.err"
fi

# the load stopped: 15 two-second datapoints below 45% and the group is back to one
start=$SECONDS
if e2e_wait 60 serving 1 && e2e_ctl describe-scaling-activities 2>/dev/null |
	grep -q 'AlarmLow.*in state ALARM triggered policy cpu50 changing the desired capacity from [2-4] to 1'; then
	e2e_pass scales_in_after_load
	e2e_log "back to one $((SECONDS - start)) s after the load stopped"
else
	e2e_fail scales_in_after_load "desired $(desired), healthy $(healthy)"
	grep -i 'alarm\|cpu50\|terminat' "$E2E_LOG" | tail -8 | e2e_indent
fi
# the light load has seen the scale-in once the leaving targets are gone altogether; it is
# stopped then (its summary still counts every request) rather than run to its full length
one_target() {
	[ "$(e2e_ctl --json describe-target-health --target-group-arn e2e-tg 2>/dev/null |
		jq -r '.TargetHealthDescriptions | length')" = 1 ]
}
if e2e_wait 30 one_target; then
	sleep 2
	kill -TERM "$light" 2>/dev/null
fi
wait "$light"
failed=$(jq -r '.failed // "?"' "$E2E_TMP/light.json")
sent=$(jq -r '.sent // "?"' "$E2E_TMP/light.json")
if [ "$failed" = 0 ] && [ "$sent" != "?" ] && [ "$sent" -gt 100 ]; then
	e2e_pass no_failure_scaling_in
	e2e_log "$sent light requests across both phases, none failed"
else
	e2e_fail no_failure_scaling_in "$failed of $sent failed"
	e2e_indent <"$E2E_TMP/light.err"
fi

# put-scaling-policy and delete-policy: a request-count policy put at run time (one datapoint
# over 1 request per target scales out), deleted (a load then changes nothing), put again (the
# same load scales the group out); a reload of the unchanged file keeps it
policies() {
	e2e_ctl --json describe-policies --auto-scaling-group-name e2e-asg 2>/dev/null |
		jq -r '.ScalingPolicies[] | "\(.PolicyName) \(.XlbSource) \(.Alarms | length)"' |
		sort | tr '\n' ' '
}
put_req() {
	e2e_ctl put-scaling-policy --auto-scaling-group-name e2e-asg --policy-name req \
		--policy-type TargetTrackingScaling --target-tracking-configuration \
		'{"TargetValue": 1, "DisableScaleIn": true, "XlbScaleOutEvaluationPeriods": 1,
		  "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget"}}'
}
req_load() { # seconds
	e2e_in c1 "$XLB_LOAD" --rate 10 --duration "$1" --json "http://$XLB_LAB_VIP4/whoami" \
		>"$E2E_TMP/req.json" 2>&1
}
above_one() {
	d=$(desired)
	[ -n "$d" ] && [ "$d" != null ] && [ "$d" -gt 1 ]
}
msg=$(e2e_ctl put-scaling-policy --auto-scaling-group-name e2e-asg --policy-name bad \
	--policy-type TargetTrackingScaling --target-tracking-configuration '{"TargetValue": -1,
	"PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}' 2>&1)
if [ $? -eq 1 ] && grep -q 'TargetTrackingConfiguration.TargetValue' <<<"$msg" &&
	put_req | grep -q 'AlarmHigh' && [ "$(policies)" = "cpu50 file 2 req put-scaling-policy 2 " ] &&
	e2e_ctl reload >/dev/null 2>&1 &&
	[ "$(policies)" = "cpu50 file 2 req put-scaling-policy 2 " ]; then
	e2e_pass put_policy
else
	e2e_fail put_policy "$msg; policies: $(policies)"
fi
if e2e_ctl delete-policy --auto-scaling-group-name e2e-asg --policy-name req >/dev/null 2>&1 &&
	[ "$(policies)" = "cpu50 file 2 " ] &&
	! e2e_ctl delete-policy --auto-scaling-group-name e2e-asg --policy-name req >/dev/null 2>&1 &&
	req_load 8 && [ "$(desired)" = 1 ]; then
	e2e_pass delete_policy_stops_it
else
	e2e_fail delete_policy_stops_it "policies: $(policies); desired $(desired)"
fi
put_req >/dev/null 2>&1
req_load 10 &
load=$!
if e2e_wait 15 above_one && e2e_ctl describe-scaling-activities 2>/dev/null |
	grep -q 'AlarmHigh.*triggered policy req changing the desired capacity from 1 to'; then
	e2e_pass put_policy_scales
	e2e_log "a policy put at run time took the group from 1 to $(desired)"
else
	e2e_fail put_policy_scales "desired $(desired)"
	grep -i 'alarm\|req' "$E2E_LOG" | tail -5 | e2e_indent
fi
wait "$load"
# the file's own policy deleted at run time: gone across a reload of the same file, back once
# the file changes that policy
e2e_ctl delete-policy --auto-scaling-group-name e2e-asg --policy-name cpu50 >/dev/null 2>&1
deleted=$(policies)
e2e_ctl reload >/dev/null 2>&1
kept=$(policies)
sed -i 's/"TargetValue": 50.0/"TargetValue": 55.0/' "$E2E_CONF"
e2e_ctl reload >/dev/null 2>&1
if [ "$deleted" = "req put-scaling-policy 2 " ] && [ "$kept" = "$deleted" ] &&
	[ "$(policies)" = "cpu50 file 2 req put-scaling-policy 2 " ]; then
	e2e_pass policy_change_until_file_changes
else
	e2e_fail policy_change_until_file_changes "deleted: $deleted; reloaded: $kept;" \
		"file changed: $(policies)"
fi

[ -n "${E2E_VERBOSE:-}" ] && e2e_indent <"$E2E_LOG"
e2e_summary

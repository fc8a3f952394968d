#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: replacing a group's instances and the group verbs. A reload that changes the
# UserData leaves the running instances alone; start-instance-refresh then replaces every one
# (launch first, MaxHealthyPercentage 200) while a request loop on the VIP loses nothing;
# enter-standby and exit-standby; suspend-processes Launch holds a scale-out until
# resume-processes; terminate-instance-in-auto-scaling-group with and without decrement;
# update-auto-scaling-group's refusals and a field kept until the file changes it.
# needs: netns
# parallel: yes
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DELAY=2 # deregistration delay, s

e2e_init
e2e_need "$XLBD" "$XLBCTL"
e2e_lab_up --clients 1 --backends 0

IPREFIX=${E2E_PREFIX}i-
BACKEND=$(readlink -f "$XLB_BACKEND")

write_conf() { # the UserData's version[, DefaultCooldown]
	cat >"$E2E_CONF" <<EOF
// written by test_refresh.sh
{
  "Xlb": { "InstanceAddressPool": "198.18.197.0/24" },
  "LoadBalancers": [{
    "Name": "rf-lb", "Type": "application", "XlbAddresses": ["$XLB_LAB_VIP4"],
    "Listeners": [{ "Port": 80, "Protocol": "HTTP",
      "DefaultActions": [{ "Type": "forward", "TargetGroupArn": "rf-tg" }] }]
  }],
  "TargetGroups": [{
    "TargetGroupName": "rf-tg", "Protocol": "HTTP", "Port": 80, "HealthCheckPath": "/health",
    "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2,
    "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2,
    "Attributes": [{ "Key": "deregistration_delay.timeout_seconds", "Value": "$DELAY" }]
  }],
  "LaunchConfigurations": [{
    "LaunchConfigurationName": "rf-lc", "InstanceType": "t3.micro",
    "UserData": "#!/bin/sh\\necho booting $1 \$XLB_INSTANCE_ID\\nexec $BACKEND --listen 80 --quiet\\n"
  }],
  "AutoScalingGroups": [{
    "AutoScalingGroupName": "rf-asg", "LaunchConfigurationName": "rf-lc",
    "MinSize": 1, "MaxSize": 6, "DesiredCapacity": 2,
    "HealthCheckType": "ELB", "HealthCheckGracePeriod": 30, "DefaultInstanceWarmup": 0,
    "DefaultCooldown": ${2:-300}, "TargetGroupARNs": ["rf-tg"]
  }]
}
EOF
}
write_conf v1

group() { # jq filter on the group
	e2e_ctl --json describe-auto-scaling-groups --auto-scaling-group-names rf-asg 2>/dev/null |
		jq -r ".AutoScalingGroups[0] | $1"
}

# rf-asg's instances, rf-tg's healthy targets, and exactly n of both, all InService
instances() { e2e_instances rf-asg; }
healthy_targets() { e2e_healthy_targets rf-tg; }
n_healthy() { e2e_n_healthy rf-asg rf-tg "$1"; }

n_live() { # n: Pending and InService instances
	[ "$(instances | awk '$2 == "Pending" || $2 == "InService"' | wc -l)" -eq "$1" ]
}

refresh_status() {
	e2e_ctl --json describe-instance-refreshes --auto-scaling-group-name rf-asg 2>/dev/null |
		jq -r '.InstanceRefreshes[0] | "\(.Status) \(.PercentageComplete) \(.InstancesToUpdate)"'
}

e2e_xlbd_check "$E2E_CONF"
e2e_xlbd_start "$IPREFIX" --metrics-address 127.0.0.1:9471
e2e_xlbd_wait_socket
if ! e2e_wait 25 n_healthy 2; then
	e2e_indent <"$E2E_LOG"
	e2e_abort setup "two healthy instances did not come: $(instances | tr '\n' ';')"
fi
old=$(instances | awk '{print $1}' | sort | tr '\n' ' ')
e2e_log "two healthy at $SECONDS s"

# 1. a reload that changes the UserData replaces nothing by itself
write_conf v2
e2e_ctl reload >/dev/null 2>&1
sleep 1.5
now=$(instances | awk '{print $1}' | sort | tr '\n' ' ')
if [ "$now" = "$old" ] && n_healthy 2; then
	e2e_pass reload_keeps_instances
else
	e2e_fail reload_keeps_instances "before '$old', after '$now'"
fi

# 2. the refresh replaces both, launch first, while requests keep coming: none fails
load() { # batches of 50 new connections until told to stop, at most 60 batches
	local k=0
	while [ ! -e "$E2E_TMP/stop" ] && [ "$k" -lt 60 ]; do
		e2e_http_batch c1 "http://$XLB_LAB_VIP4/whoami" 50 "$E2E_TMP/load.$k" \
			$((30000 + k * 50)) 50
		k=$((k + 1))
	done
}
load &
loader=$!
e2e_on_exit "touch '$E2E_TMP/stop'; kill $loader 2>/dev/null"
sleep 0.5
start=$SECONDS
rid=$(e2e_ctl start-instance-refresh --auto-scaling-group-name rf-asg \
	--preferences MinHealthyPercentage=100,MaxHealthyPercentage=200,InstanceWarmup=0 2>&1)
successful() { refresh_status | grep -q '^Successful 100 0$'; }
if [[ $rid =~ ^[0-9a-f-]{36}$ ]] && e2e_wait 35 successful; then
	e2e_pass refresh_successful
	e2e_log "refresh $rid done in $((SECONDS - start)) s"
else
	e2e_fail refresh_successful "'$rid': $(refresh_status); $(instances | tr '\n' ';')"
fi
touch "$E2E_TMP/stop"
wait "$loader"
cat "$E2E_TMP"/load.* >"$E2E_TMP/load.all"
total=$(wc -l <"$E2E_TMP/load.all")
failed=$(awk '$1 != 200' "$E2E_TMP/load.all" | wc -l)
if [ "$failed" -eq 0 ] && [ "$total" -ge 50 ]; then
	e2e_pass refresh_loses_nothing
	e2e_log "$total requests during the refresh, $failed failed"
else
	e2e_fail refresh_loses_nothing "$failed of $total requests failed"
fi
e2e_wait 5 n_healthy 2
new=$(instances | awk '{print $1}' | sort | tr '\n' ' ')
stale=0 v2=0
for id in $new; do
	case " $old " in *" $id "*) stale=$((stale + 1)) ;; esac
	e2e_ctl get-console-output --instance-id "$id" 2>/dev/null | grep -q "booting v2" && v2=$((v2 + 1))
done
if [ "$stale" -eq 0 ] && [ "$v2" -eq 2 ] && n_healthy 2; then
	e2e_pass refresh_replaced_all
else
	e2e_fail refresh_replaced_all "old '$old', now '$new', $v2 on v2"
fi
if e2e_ctl describe-scaling-activities --auto-scaling-group-name rf-asg 2>&1 |
	grep -q 'in response to an instance refresh'; then
	e2e_pass refresh_activity
else
	e2e_fail refresh_activity "no activity says so"
fi
if e2e_ctl cancel-instance-refresh --auto-scaling-group-name rf-asg 2>&1 |
	grep -q ActiveInstanceRefreshNotFound; then
	e2e_pass cancel_without_refresh_refused
else
	e2e_fail cancel_without_refresh_refused "no ActiveInstanceRefreshNotFound"
fi

# 3. standby: out of service with desired one lower, then back
sb=$(instances | awk 'NR == 1 { print $1 }')
sbip=$(group ".Instances[] | select(.InstanceId == \"$sb\") | .PrivateIpAddress")
e2e_ctl enter-standby --auto-scaling-group-name rf-asg --instance-ids "$sb" \
	--should-decrement-desired-capacity >/dev/null 2>&1
in_standby() {
	instances | grep -q "^$sb Standby" && [ "$(group .DesiredCapacity)" = 1 ] &&
		! healthy_targets | grep -qx "$sbip"
}
if e2e_wait 3 in_standby && n_live 1; then
	sleep 1
	if n_live 1; then e2e_pass enter_standby; else e2e_fail enter_standby "a launch came"; fi
else
	e2e_fail enter_standby "$(instances | tr '\n' ';') desired $(group .DesiredCapacity)"
fi
e2e_ctl exit-standby --auto-scaling-group-name rf-asg --instance-ids "$sb" >/dev/null 2>&1
back() { instances | grep -q "^$sb InService" && [ "$(group .DesiredCapacity)" = 2 ]; }
if e2e_wait 4 back && n_live 2; then
	e2e_pass exit_standby
else
	e2e_fail exit_standby "$(instances | tr '\n' ';') desired $(group .DesiredCapacity)"
fi

# 4. Launch suspended: a scale-out waits for resume-processes
e2e_ctl suspend-processes --auto-scaling-group-name rf-asg --scaling-processes Launch >/dev/null 2>&1
e2e_ctl set-desired-capacity --auto-scaling-group-name rf-asg --desired-capacity 3 >/dev/null 2>&1
sleep 2
if n_live 2 && [ "$(group '.SuspendedProcesses[0].ProcessName')" = Launch ]; then
	e2e_pass launch_suspended
else
	e2e_fail launch_suspended "$(instances | tr '\n' ';') $(group .SuspendedProcesses)"
fi
e2e_ctl resume-processes --auto-scaling-group-name rf-asg --scaling-processes Launch >/dev/null 2>&1
if e2e_wait 4 n_live 3 && [ "$(group '.SuspendedProcesses | length')" = 0 ]; then
	e2e_pass launch_resumed
else
	e2e_fail launch_resumed "$(instances | tr '\n' ';')"
fi

# 5. terminate-instance-in-auto-scaling-group, with and without decrement
t1=$(instances | awk '$2 == "InService" { print $1; exit }')
out=$(e2e_ctl --json terminate-instance-in-auto-scaling-group --instance-id "$t1" \
	--should-decrement-desired-capacity 2>&1)
gone1() { ! instances | grep -q "^$t1 \(Pending\|InService\)"; }
if grep -q "shrinking the capacity from 3 to 2" <<<"$out" && e2e_wait 3 gone1 &&
	[ "$(group .DesiredCapacity)" = 2 ] && sleep 1 && n_live 2; then
	e2e_pass terminate_decrement
else
	e2e_fail terminate_decrement "$out; $(instances | tr '\n' ';')"
fi
t2=$(instances | awk '$2 == "InService" { print $1; exit }')
before=$(instances | awk '{print $1}' | sort | tr '\n' ' ')
e2e_ctl terminate-instance-in-auto-scaling-group --instance-id "$t2" \
	--no-should-decrement-desired-capacity >/dev/null 2>&1
replaced() {
	local id
	for id in $(instances | awk '$2 == "Pending" || $2 == "InService" { print $1 }'); do
		case " $before " in *" $id "*) ;; *) return 0 ;; esac
	done
	return 1
}
if e2e_wait 4 replaced && [ "$(group .DesiredCapacity)" = 2 ] &&
	! instances | grep -q "^$t2 \(Pending\|InService\)"; then
	e2e_pass terminate_replaced
else
	e2e_fail terminate_replaced "$(instances | tr '\n' ';') desired $(group .DesiredCapacity)"
fi

# 6. update-auto-scaling-group: a field changed, AWS's range kept, the rest refused by name
e2e_ctl update-auto-scaling-group --auto-scaling-group-name rf-asg --default-cooldown 42 \
	--max-instance-lifetime 86400 >/dev/null 2>&1
bad1=$(e2e_ctl update-auto-scaling-group --auto-scaling-group-name rf-asg \
	--max-instance-lifetime 600 2>&1)
bad2=$(e2e_ctl update-auto-scaling-group --auto-scaling-group-name rf-asg \
	--vpc-zone-identifier subnet-1 2>&1)
if [ "$(group .DefaultCooldown)" = 42 ] && [ "$(group .MaxInstanceLifetime)" = 86400 ] &&
	grep -q "between 86400 and 31536000" <<<"$bad1" && grep -q "VPCZoneIdentifier" <<<"$bad2"; then
	e2e_pass update_group
else
	e2e_fail update_group "cooldown $(group .DefaultCooldown); '$bad1'; '$bad2'"
fi
# kept through a reload of the same file, replaced when the file changes that field
e2e_ctl reload >/dev/null 2>&1
kept=$(group .DefaultCooldown)
write_conf v2 77
e2e_ctl reload >/dev/null 2>&1
if [ "$kept" = 42 ] && [ "$(group .DefaultCooldown)" = 77 ] &&
	[ "$(group .MaxInstanceLifetime)" = 86400 ]; then
	e2e_pass update_kept_until_file_changes
else
	e2e_fail update_kept_until_file_changes "after reload $kept, after the file's 77: $(group .DefaultCooldown)"
fi

e2e_log "cases done at $SECONDS s"
e2e_stop "$E2E_XLBD_PID" 20
[ -n "${E2E_VERBOSE:-}" ] && e2e_indent <"$E2E_LOG"
e2e_summary

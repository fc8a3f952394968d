#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: runtime changes survive xlbd being killed (SIGKILL) and started again. A desired
# capacity, an instance in Standby (kept out of its target group), a suspended process, an
# update-auto-scaling-group setting, a policy put, a lifecycle hook put and a warm pool put
# hold after the restart and after a reload of the unchanged file, but for a field the file
# changed while xlbd was down (the file's value then); an instance refresh killed
# half-way carries on with the same id and replaces only the instances it had left; a garbled
# state file is reported and ignored (the file's values, a clean start); an instance a launch
# hook holds stays held across the restart until its CONTINUE. Target group attributes and
# health check settings set at run time survive too (and an edited target group state file is
# ignored whole); a reload that reorders, adds or removes hooks while an instance waits keeps
# its wait on the right hook, or ends it as DeleteLifecycleHook would, and so does a restart
# on a file whose hooks changed; an instance a termination hook holds stays held too.
# needs: netns
# parallel: yes
# timeout: 480
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

XLBD=${XLBD:-$E2E_BUILD/xlbd}
XLBCTL=${XLBCTL:-$E2E_BUILD/xlbctl}
WARMUP=8 # s, the refresh's InstanceWarmup: one replacement at a time, each this long

e2e_init
for t in "$XLBD" "$XLBCTL"; do
	[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
done
e2e_lab_up --clients 1 --backends 0

CONF=$E2E_CONF
LOG=$E2E_LOG
RUN=$E2E_RUN
IPREFIX=${E2E_PREFIX}i-
BACKEND=$(readlink -f "$XLB_BACKEND")

cat >"$CONF" <<EOF
// written by test_runtime_state.sh
{
  "Xlb": { "InstanceAddressPool": "198.18.201.0/24" },
  "LoadBalancers": [{
    "Name": "rs-lb", "Type": "application", "XlbAddresses": ["$XLB_LAB_VIP4"],
    "Listeners": [{ "Port": 80, "Protocol": "HTTP",
      "DefaultActions": [{ "Type": "forward", "TargetGroupArn": "rs-tg" }] }]
  }],
  "TargetGroups": [{
    "TargetGroupName": "rs-tg", "Protocol": "HTTP", "Port": 80, "HealthCheckPath": "/health",
    "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2,
    "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2,
    "Attributes": [{ "Key": "deregistration_delay.timeout_seconds", "Value": "1" }]
  }],
  "LaunchConfigurations": [{
    "LaunchConfigurationName": "rs-lc", "InstanceType": "t3.micro",
    "UserData": "#!/bin/sh\\nexec $BACKEND --listen 80 --quiet\\n"
  }],
  "AutoScalingGroups": [{
    "AutoScalingGroupName": "rs-asg", "LaunchConfigurationName": "rs-lc",
    "MinSize": 1, "MaxSize": 6, "DesiredCapacity": 2, "HealthCheckType": "EC2",
    "DefaultCooldown": 300, "TargetGroupARNs": ["rs-tg"]
  }]
}
EOF

ctl() { e2e_ctl "$@"; }
group() { # jq filter on the group
	ctl --json describe-auto-scaling-groups --auto-scaling-group-names rs-asg 2>/dev/null |
		jq -r ".AutoScalingGroups[0] | $1"
}
instances() { # "InstanceId LifecycleState" lines
	group '.Instances[] | "\(.InstanceId) \(.LifecycleState)"'
}
in_state() { # state: the ids in it, sorted
	instances | awk -v s="$1" '$2 == s { print $1 }' | sort
}
n_state() { # state, n
	[ "$(in_state "$1" | wc -l)" -eq "$2" ]
}
registered() { # instance id
	ctl --json describe-target-health --target-group-arn rs-tg 2>/dev/null |
		jq -e --arg id "$1" '[.TargetHealthDescriptions[] | select(.Target.Id == $id)] | length > 0' >/dev/null
}
answers() {
	ctl status >/dev/null 2>&1
}
refresh() { # "Id Status"
	ctl --json describe-instance-refreshes --auto-scaling-group-name rs-asg 2>/dev/null |
		jq -r '.InstanceRefreshes[0] | "\(.InstanceRefreshId) \(.Status)"'
}

start_xlbd() {
	e2e_xlbd_start "$IPREFIX" --metrics-address 127.0.0.1:9473
}
kill_xlbd() {
	kill -KILL "$E2E_XLBD_PID"
	wait "$E2E_XLBD_PID" 2>/dev/null
}
kill_and_start() {
	kill_xlbd
	echo "---- killed, started again" >>"$LOG"
	start_xlbd
	e2e_wait 15 answers
}

e2e_xlbd_check "$CONF"
start_xlbd
e2e_xlbd_wait_socket
if ! e2e_wait 20 n_state InService 2; then
	e2e_indent <"$LOG"
	e2e_abort setup "xlbd did not bring its group to two instances"
fi

# 1. runtime changes of every kind
ctl set-desired-capacity --auto-scaling-group-name rs-asg --desired-capacity 4 &&
	e2e_wait 20 n_state InService 4
sb=$(in_state InService | head -n 1)
ctl enter-standby --auto-scaling-group-name rs-asg --instance-ids "$sb" \
	--should-decrement-desired-capacity >/dev/null
ctl suspend-processes --auto-scaling-group-name rs-asg --scaling-processes AZRebalance
ctl update-auto-scaling-group --auto-scaling-group-name rs-asg --default-cooldown 123
ctl put-scaling-policy --auto-scaling-group-name rs-asg --policy-name rt-policy \
	--policy-type SimpleScaling --adjustment-type ChangeInCapacity --scaling-adjustment 1 >/dev/null
ctl put-lifecycle-hook --auto-scaling-group-name rs-asg --lifecycle-hook-name rt-hook \
	--lifecycle-transition autoscaling:EC2_INSTANCE_TERMINATING --heartbeat-timeout 120
# a pool of size 0 (MaxGroupPreparedCapacity is the desired capacity): nothing launched for it
ctl put-warm-pool --auto-scaling-group-name rs-asg --max-group-prepared-capacity 3 \
	--pool-state Running
before_ids=$(in_state InService | tr '\n' ' ')

# What must hold: desired 3, the standby instance in Standby and out of the target group, ...
held() {
	local why=
	[ "$(group .DesiredCapacity)" = 3 ] || why="$why desired $(group .DesiredCapacity);"
	n_state Standby 1 && [ "$(in_state Standby)" = "$sb" ] || why="$why standby '$(in_state Standby)';"
	! registered "$sb" || why="$why $sb registered;"
	group '[.SuspendedProcesses[].ProcessName] | join(",")' | grep -qx AZRebalance ||
		why="$why suspended '$(group '[.SuspendedProcesses[].ProcessName] | join(",")')';"
	[ "$(group .DefaultCooldown)" = 123 ] || why="$why cooldown $(group .DefaultCooldown);"
	ctl --json describe-policies --auto-scaling-group-name rs-asg |
		jq -e '[.ScalingPolicies[] | select(.PolicyName == "rt-policy")] | length == 1' >/dev/null ||
		why="$why no rt-policy;"
	ctl --json describe-lifecycle-hooks --auto-scaling-group-name rs-asg |
		jq -e '.LifecycleHooks | length == 1 and .[0].LifecycleHookName == "rt-hook" and .[0].HeartbeatTimeout == 120' >/dev/null ||
		why="$why hooks $(ctl --json describe-lifecycle-hooks --auto-scaling-group-name rs-asg | jq -c .LifecycleHooks);"
	ctl --json describe-warm-pool --auto-scaling-group-name rs-asg |
		jq -e '.WarmPoolConfiguration.MaxGroupPreparedCapacity == 3 and .WarmPoolConfiguration.PoolState == "Running"' >/dev/null ||
		why="$why warm pool $(ctl --json describe-warm-pool --auto-scaling-group-name rs-asg | jq -c .WarmPoolConfiguration);"
	[ "$(in_state InService | tr '\n' ' ')" = "$before_ids" ] ||
		why="$why in service '$(in_state InService | tr '\n' ' ')' (before '$before_ids');"
	echo "$why"
}
held_now() { [ -z "$(held)" ]; }
e2e_wait 10 n_state InService 3
# the standby instance leaves its target group after the deregistration delay (draining
# until then, which a loaded machine stretches)
e2e_wait 20 held_now
why=$(held)
if [ -z "$why" ]; then
	e2e_pass runtime_changes_made
else
	e2e_fail runtime_changes_made "$why"
fi

# 2. SIGKILL, started again: all of it holds, the same instances adopted
kill_and_start
sleep 3 # a few ticks of the new xlbd: a change it undid would show by now
why=$(held)
if [ -z "$why" ]; then
	e2e_pass restart_keeps_runtime_changes
else
	e2e_fail restart_keeps_runtime_changes "$why"
fi
ctl reload >/dev/null
why=$(held)
if [ -z "$why" ]; then
	e2e_pass reload_of_same_file_keeps_them
else
	e2e_fail reload_of_same_file_keeps_them "$why"
fi

# 2b. a field the file changed while xlbd was down: the file's value wins, the others hold
kill_xlbd
sed -i 's/"DefaultCooldown": 300/"DefaultCooldown": 200/' "$CONF"
echo "---- DefaultCooldown changed in the file, started again" >>"$LOG"
start_xlbd
e2e_wait 15 answers
why=$(held)
if [ "$why" = " cooldown 200;" ]; then
	e2e_pass file_change_wins_over_saved_field
else
	e2e_fail file_change_wins_over_saved_field "$why"
fi

# 3. a refresh killed half-way carries on with the same id, replacing what it had left
ctl delete-lifecycle-hook --auto-scaling-group-name rs-asg --lifecycle-hook-name rt-hook
ctl delete-warm-pool --auto-scaling-group-name rs-asg
old=$(in_state InService | tr '\n' ' ')
rid=$(ctl --json start-instance-refresh --auto-scaling-group-name rs-asg \
	--preferences "MinHealthyPercentage=100,MaxHealthyPercentage=150,InstanceWarmup=$WARMUP" |
	jq -r .InstanceRefreshId)
# the first replacement in service: the refresh is under way
e2e_wait 30 sh -c "[ \"\$(\"\$0\" --socket \"\$1\" --json describe-auto-scaling-groups --auto-scaling-group-names rs-asg | jq '[.AutoScalingGroups[0].Instances[] | select(.LifecycleState == \"InService\")] | length')\" -ge 4 ]" "$XLBCTL" "$E2E_SOCK"
mid=$(refresh)
kill_and_start
after_restart=$(refresh)
if e2e_wait $((WARMUP * 4 + 60)) sh -c "\"\$0\" --socket \"\$1\" --json describe-instance-refreshes --auto-scaling-group-name rs-asg | jq -e '.InstanceRefreshes[0].Status == \"Successful\"' >/dev/null" "$XLBCTL" "$E2E_SOCK" &&
	e2e_wait 20 n_state InService 3; then
	now=$(in_state InService | tr '\n' ' ')
	common=$(comm -12 <(tr ' ' '\n' <<<"$old" | sed '/^$/d') <(tr ' ' '\n' <<<"$now" | sed '/^$/d'))
	launched=$(grep -c 'auto-scaling group rs-asg: .* is InService, [0-9]* ms after its launch$' "$LOG")
	e2e_log "refresh $rid: '$mid' before the kill, '$after_restart' after; $launched launches in all"
	if [ "$mid" = "$rid InProgress" ] && [ "$after_restart" = "$rid InProgress" ] &&
		[ -z "$common" ] && grep -q "instance refresh $rid carries on after the restart" "$LOG"; then
		e2e_pass refresh_resumes_after_kill
	else
		e2e_fail refresh_resumes_after_kill "before '$mid', after '$after_restart', kept '$common'"
	fi
else
	e2e_fail refresh_resumes_after_kill "$(refresh); $(instances | tr '\n' ';')"
	tail -n 30 "$LOG" | e2e_indent
fi

# 4. a garbled state file: reported, ignored as a whole (the file's desired capacity and no
# hook put), never fatal
kill_xlbd
state=$RUN/groups/rs-asg
head -c 200 "$state" >"$state.cut" && mv "$state.cut" "$state"
echo "---- state file truncated, started again" >>"$LOG"
start_xlbd
if e2e_wait 15 answers && [ "$(group .DesiredCapacity)" = 2 ] &&
	[ "$(group .DefaultCooldown)" = 200 ] &&
	grep -qF "auto-scaling group rs-asg: state file $state ignored (truncated: no end line)" "$LOG"; then
	e2e_pass truncated_state_ignored
else
	e2e_fail truncated_state_ignored "desired $(group .DesiredCapacity), cooldown $(group .DefaultCooldown)"
fi
ctl set-desired-capacity --auto-scaling-group-name rs-asg --desired-capacity 3
kill_xlbd
sed -i 's/^desired=3$/desired=5/' "$state"
echo "---- state file changed by hand, started again" >>"$LOG"
start_xlbd
if e2e_wait 15 answers && [ "$(group .DesiredCapacity)" = 2 ] &&
	grep -qF "state file $state ignored (its checksum does not match)" "$LOG"; then
	e2e_pass garbled_state_ignored
else
	e2e_fail garbled_state_ignored "desired $(group .DesiredCapacity)"
fi

# 5. an instance a launch hook holds when xlbd is killed: held again after the restart (same
# instance, Pending:Wait, out of the target group), then CONTINUE puts it in service
ctl put-lifecycle-hook --auto-scaling-group-name rs-asg --lifecycle-hook-name hold-launch \
	--lifecycle-transition autoscaling:EC2_INSTANCE_LAUNCHING --heartbeat-timeout 600
ctl set-desired-capacity --auto-scaling-group-name rs-asg --desired-capacity 3
if e2e_wait 30 n_state Pending:Wait 1; then
	held_id=$(in_state Pending:Wait)
	kill_and_start
	sleep 3 # a few ticks of the new xlbd: an adoption as InService would show by now
	after=$(in_state Pending:Wait)
	was_registered=no
	registered "$held_id" && was_registered=yes
	ctl complete-lifecycle-action --auto-scaling-group-name rs-asg \
		--lifecycle-hook-name hold-launch --instance-id "$held_id" \
		--lifecycle-action-result CONTINUE
	if [ "$after" = "$held_id" ] && [ "$was_registered" = no ] &&
		e2e_wait 30 sh -c "\"\$0\" --socket \"\$1\" --json describe-auto-scaling-groups --auto-scaling-group-names rs-asg | jq -e --arg id \"\$2\" '.AutoScalingGroups[0].Instances[] | select(.InstanceId == \$id) | .LifecycleState == \"InService\"' >/dev/null" "$XLBCTL" "$E2E_SOCK" "$held_id" &&
		grep -q "$held_id was held by a launch hook before the restart" "$LOG"; then
		e2e_pass launch_wait_held_after_kill
	else
		e2e_fail launch_wait_held_after_kill "held '$held_id', after the restart '$after'" \
			"(registered: $was_registered); $(instances | tr '\n' ';')"
		grep -A 30 -- '---- killed, started again' "$LOG" | tail -n 60 | e2e_indent
	fi
else
	e2e_fail launch_wait_held_after_kill "no instance in Pending:Wait: $(instances | tr '\n' ';')"
fi

# 6. target group settings made at run time survive SIGKILL: an attribute
# (modify-target-group-attributes) and health check settings (modify-target-group), shown by
# the describes and in force: a matcher no target answers turns them unhealthy after the
# restart. Then an edited target group state file: reported, ignored whole.
tg_attr() { # key: its value
	ctl --json describe-target-group-attributes --target-group-arn rs-tg |
		jq -r --arg k "$1" '.Attributes[] | select(.Key == $k) | .Value'
}
tg_field() { # jq path in the target group
	ctl --json describe-target-groups --names rs-tg | jq -r ".TargetGroups[0]$1"
}
n_unhealthy() { # n
	[ "$(ctl --json describe-target-health --target-group-arn rs-tg |
		jq '[.TargetHealthDescriptions[] | select(.TargetHealth.State == "unhealthy")] | length')" -ge "$1" ]
}
tgs_state=$RUN/target-groups/rs-tg
ctl modify-target-group-attributes --target-group-arn rs-tg \
	--attributes Key=deregistration_delay.timeout_seconds,Value=7 >/dev/null
ctl modify-target-group --target-group-arn rs-tg --health-check-interval-seconds 6 \
	--matcher '{"HttpCode": "299"}' >/dev/null
kill_and_start
if [ "$(tg_attr deregistration_delay.timeout_seconds)" = 7 ] &&
	[ "$(tg_field .HealthCheckIntervalSeconds)" = 6 ] &&
	[ "$(tg_field .Matcher.HttpCode)" = 299 ] && e2e_wait 40 n_unhealthy 1 &&
	grep -q "target group rs-tg: HealthCheckIntervalSeconds 6, set at run time before the restart, kept" "$LOG"; then
	e2e_pass tg_settings_survive_kill
else
	e2e_fail tg_settings_survive_kill "deregistration delay $(tg_attr deregistration_delay.timeout_seconds)," \
		"interval $(tg_field .HealthCheckIntervalSeconds), matcher $(tg_field .Matcher.HttpCode);" \
		"$(ctl --json describe-target-health --target-group-arn rs-tg | jq -c '[.TargetHealthDescriptions[].TargetHealth.State]')"
fi
kill_xlbd
if [ -f "$tgs_state" ]; then
	sed -i 's/"Value":"7"/"Value":"9"/' "$tgs_state"
else
	e2e_log "no $tgs_state"
fi
echo "---- target group state file changed by hand, started again" >>"$LOG"
start_xlbd
if e2e_wait 15 answers && [ "$(tg_attr deregistration_delay.timeout_seconds)" = 1 ] &&
	[ "$(tg_field .HealthCheckIntervalSeconds)" = 5 ] &&
	grep -qF "target group rs-tg: state file $tgs_state ignored (its checksum does not match)" "$LOG"; then
	e2e_pass tg_garbled_state_ignored
else
	e2e_fail tg_garbled_state_ignored "deregistration delay $(tg_attr deregistration_delay.timeout_seconds)," \
		"interval $(tg_field .HealthCheckIntervalSeconds)"
fi

# 7. a reload that changes the hook list while an instance waits. Waits are kept by hook name:
# AWS's DeleteLifecycleHook: "If there are any outstanding lifecycle actions, they are
# completed first (ABANDON for launching instances, CONTINUE for terminating instances)", so
# a hook the file removes ends its waits so; a hook reordered keeps its waits; a hook added
# holds no instance already waiting.
write_hooks() { # hook names, each a launch hook of 600 s, into the file
	local list='' h
	for h in "$@"; do
		list="$list${list:+, }{ \"LifecycleHookName\": \"$h\", \"LifecycleTransition\": \"autoscaling:EC2_INSTANCE_LAUNCHING\", \"HeartbeatTimeout\": 600, \"DefaultResult\": \"CONTINUE\" }"
	done
	sed -i '/LifecycleHookSpecificationList/d' "$CONF"
	sed -i "s|\"TargetGroupARNs\": \[\"rs-tg\"\]\$|&\n    , \"LifecycleHookSpecificationList\": [$list]|" "$CONF"
}
set_hooks() { # hook names: written, the file reloaded
	write_hooks "$@"
	ctl reload >/dev/null
}
complete() { # hook, instance: 0 when the action was taken
	ctl complete-lifecycle-action --auto-scaling-group-name rs-asg --lifecycle-hook-name "$1" \
		--instance-id "$2" --lifecycle-action-result CONTINUE >/dev/null 2>&1
}
state_of() { # instance
	instances | awk -v i="$1" '$1 == i { print $2 }'
}
ctl delete-lifecycle-hook --auto-scaling-group-name rs-asg --lifecycle-hook-name hold-launch
set_hooks hook-a hook-b
n=$(( $(in_state InService | wc -l) + 1 ))
ctl set-desired-capacity --auto-scaling-group-name rs-asg --desired-capacity "$n"
if e2e_wait 30 n_state Pending:Wait 1; then
	w=$(in_state Pending:Wait)
	complete hook-a "$w" && a_done=yes || a_done=no
	set_hooks hook-b hook-c # hook-a gone (completed), hook-b moved first, hook-c added
	sleep 2
	st=$(state_of "$w")
	complete hook-c "$w" && c_took=yes || c_took=no
	complete hook-b "$w" && b_took=yes || b_took=no
	if [ "$a_done" = yes ] && [ "$st" = Pending:Wait ] && [ "$c_took" = no ] &&
		[ "$b_took" = yes ] && e2e_wait 30 sh -c "[ \"\$(\"\$0\" --socket \"\$1\" --json describe-auto-scaling-groups --auto-scaling-group-names rs-asg | jq -r --arg id \"\$2\" '.AutoScalingGroups[0].Instances[] | select(.InstanceId == \$id) | .LifecycleState')\" = InService ]" "$XLBCTL" "$E2E_SOCK" "$w"; then
		e2e_pass reload_reorders_hooks_waits_follow
	else
		e2e_fail reload_reorders_hooks_waits_follow "hook-a completed: $a_done; after the reload $st;" \
			"hook-c took: $c_took, hook-b took: $b_took; $(instances | tr '\n' ';')"
	fi
	# the hook it waits on removed: ABANDON, the instance leaves and another is launched
	ctl set-desired-capacity --auto-scaling-group-name rs-asg --desired-capacity $((n + 1))
	if e2e_wait 30 n_state Pending:Wait 1; then
		w2=$(in_state Pending:Wait)
		complete hook-c "$w2"
		set_hooks hook-c # hook-b, which it still waits on, removed
		if e2e_wait 30 sh -c "! \"\$0\" --socket \"\$1\" --json describe-auto-scaling-groups --auto-scaling-group-names rs-asg | jq -e --arg id \"\$2\" '.AutoScalingGroups[0].Instances[] | select(.InstanceId == \$id and (.LifecycleState | test(\"^Pending|InService\")))' >/dev/null" "$XLBCTL" "$E2E_SOCK" "$w2"; then
			e2e_pass reload_removing_hook_abandons_wait
		else
			e2e_fail reload_removing_hook_abandons_wait "$w2 is $(state_of "$w2")"
		fi
	else
		e2e_fail reload_removing_hook_abandons_wait "no instance in Pending:Wait: $(instances | tr '\n' ';')"
	fi
else
	e2e_fail reload_reorders_hooks_waits_follow "no instance in Pending:Wait: $(instances | tr '\n' ';')"
fi

# 8. the same across a restart: the file's hook list changed while xlbd was down (hook-d added
# before hook-c): the instance held on hook-c waits on hook-c only, as after a reload
e2e_wait 40 n_state Pending:Wait 1 # the replacement of the abandoned instance, held on hook-c
w3=$(in_state Pending:Wait | head -n 1)
if [ -n "$w3" ]; then
	kill_xlbd
	write_hooks hook-d hook-c
	echo "---- hook-d added to the file, started again" >>"$LOG"
	start_xlbd
	e2e_wait 15 answers
	e2e_wait 15 sh -c "[ \"\$(\"\$0\" --socket \"\$1\" --json describe-auto-scaling-groups --auto-scaling-group-names rs-asg | jq -r --arg id \"\$2\" '.AutoScalingGroups[0].Instances[] | select(.InstanceId == \$id) | .LifecycleState')\" = Pending:Wait ]" "$XLBCTL" "$E2E_SOCK" "$w3"
	st=$(state_of "$w3")
	complete hook-d "$w3" && d_took=yes || d_took=no
	complete hook-c "$w3" && c_took=yes || c_took=no
	if [ "$st" = Pending:Wait ] && [ "$d_took" = no ] && [ "$c_took" = yes ] &&
		e2e_wait 30 sh -c "[ \"\$(\"\$0\" --socket \"\$1\" --json describe-auto-scaling-groups --auto-scaling-group-names rs-asg | jq -r --arg id \"\$2\" '.AutoScalingGroups[0].Instances[] | select(.InstanceId == \$id) | .LifecycleState')\" = InService ]" "$XLBCTL" "$E2E_SOCK" "$w3"; then
		e2e_pass restart_wait_keeps_its_hooks
	else
		e2e_fail restart_wait_keeps_its_hooks "$w3 after the restart $st; hook-d took: $d_took," \
			"hook-c took: $c_took; $(instances | tr '\n' ';')"
	fi
else
	e2e_fail restart_wait_keeps_its_hooks "no instance in Pending:Wait: $(instances | tr '\n' ';')"
fi

# 9. an instance a termination hook holds when xlbd is killed: held again after the restart
# (Terminating:Wait, out of its target group), not adopted as InService; CONTINUE ends it
ctl put-lifecycle-hook --auto-scaling-group-name rs-asg --lifecycle-hook-name term-hook \
	--lifecycle-transition autoscaling:EC2_INSTANCE_TERMINATING --heartbeat-timeout 600
victim=$(in_state InService | head -n 1)
ctl terminate-instance-in-auto-scaling-group --instance-id "$victim" \
	--should-decrement-desired-capacity >/dev/null
if e2e_wait 40 sh -c "[ \"\$(\"\$0\" --socket \"\$1\" --json describe-auto-scaling-groups --auto-scaling-group-names rs-asg | jq -r --arg id \"\$2\" '.AutoScalingGroups[0].Instances[] | select(.InstanceId == \$id) | .LifecycleState')\" = Terminating:Wait ]" "$XLBCTL" "$E2E_SOCK" "$victim"; then
	kill_and_start
	sleep 3 # a few ticks of the new xlbd: an adoption as InService would show by now
	st=$(state_of "$victim")
	was_registered=no
	registered "$victim" && was_registered=yes
	complete term-hook "$victim" && t_took=yes || t_took=no
	if [ "$st" = Terminating:Wait ] && [ "$was_registered" = no ] && [ "$t_took" = yes ] &&
		e2e_wait 40 sh -c "! \"\$0\" --socket \"\$1\" --json describe-auto-scaling-groups --auto-scaling-group-names rs-asg | jq -e --arg id \"\$2\" '.AutoScalingGroups[0].Instances[] | select(.InstanceId == \$id)' >/dev/null" "$XLBCTL" "$E2E_SOCK" "$victim"; then
		e2e_pass termination_wait_held_after_kill
	else
		e2e_fail termination_wait_held_after_kill "$victim after the restart: $st," \
			"registered: $was_registered, CONTINUE took: $t_took; $(instances | tr '\n' ';')"
	fi
else
	e2e_fail termination_wait_held_after_kill "$victim is $(state_of "$victim")"
fi

[ -n "${E2E_VERBOSE:-}" ] && e2e_indent <"$LOG"
e2e_summary

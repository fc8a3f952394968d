#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: an auto-scaling group's instance lifecycle. A launch lifecycle hook holds a new
# instance in Pending:Wait, out of its target group, until complete-lifecycle-action CONTINUE;
# ABANDON replaces it; a heartbeat timeout applies the DefaultResult, later by the time a
# record-lifecycle-action-heartbeat adds. The instance reads its wait in /var/lib/xlb and its
# PropagateAtLaunch tags in XLB_TAG_* variables. A warm pool's instance, initialised and frozen
# (Warmed:Stopped), is taken on scale out and reaches InService sooner than a cold launch of
# the same UserData. put-lifecycle-hook, delete-lifecycle-hook, put-warm-pool and
# delete-warm-pool check AWS's bounds and keep their changes over a reload of the same file.
# Xlb.TimeScale 5: a 40 s heartbeat runs out in 8 s. An instance whose answers are hostile (a
# wrong word, a huge file, a symlink to a host file, a FIFO, a directory, binary bytes, terminal
# escapes, a hook that does not exist) has each ignored with one log line, no host file read and
# no hang, and its CONTINUE after them all still counts.
# needs: netns
# parallel: yes
# timeout: 180
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

SCALE=5
HEARTBEAT=40 # s, the file's; HEARTBEAT / SCALE (8 s) at run time
INIT=4       # s of initialisation in the warm group's UserData

e2e_init
e2e_need "$XLBD" "$XLBCTL"
e2e_lab_up --clients 1 --backends 0

IPREFIX=${E2E_PREFIX}i-

# The hook group's UserData: says what the instance sees, then idles.
cat >"$E2E_TMP/ud-hook" <<'EOF'
#!/bin/sh
env | grep '^XLB_TAG_' | sort
while [ ! -f /var/lib/xlb/lifecycle-action ]; do sleep 0.1; done
sed 's/^/action: /' /var/lib/xlb/lifecycle-action
echo "target: $(cat /var/lib/xlb/target-lifecycle-state)"
exec sleep 1000
EOF
# The warm group's UserData: INIT seconds of set-up, then it completes each launch action it
# is held for (entering the warm pool, and leaving it), as an EC2 user script would.
cat >"$E2E_TMP/ud-warm" <<EOF
#!/bin/sh
sleep $INIT
last=
while :; do
	t=\$(sed -n 's/^LifecycleActionToken=//p' /var/lib/xlb/lifecycle-action 2>/dev/null)
	if [ -n "\$t" ] && [ "\$t" != "\$last" ]; then
		echo CONTINUE >/var/lib/xlb/.done && mv /var/lib/xlb/.done /var/lib/xlb/complete-lifecycle-action
		last=\$t
	fi
	sleep 0.1
done
EOF

# The answers group's UserData: one hostile answer after another, each once xlbd has taken
# the one before (it removes what it takes or refuses), then a real CONTINUE.
cat >"$E2E_TMP/ud-answers" <<'EOF'
#!/bin/sh
d=/var/lib/xlb
a=$d/complete-lifecycle-action
while [ ! -f $d/lifecycle-action ]; do sleep 0.1; done
taken() { # the file gone (20 s at most)
	n=0
	while { [ -e "$1" ] || [ -L "$1" ]; } && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
}
put() { # text
	printf "$1" >$d/.t && mv $d/.t $a && taken $a
}
put 'MAYBE\n'
head -c 100000 /dev/zero | tr '\0' C >$d/.t && mv $d/.t $a && taken $a
ln -s /etc/shadow $a && taken $a
mkfifo $a && taken $a
mkdir $a && taken $a
put 'CONTINUE\000\001\002\n'
put '\033[31mCONTINUE\n'
put 'CONTINUE no-such-hook\n'
printf 'no-such-hook\n' >$d/.t && mv $d/.t $d/record-lifecycle-action-heartbeat &&
	taken $d/record-lifecycle-action-heartbeat
echo "hostile answers: all taken"
put 'CONTINUE\n'
exec sleep 1000
EOF

jq -n --rawfile hook "$E2E_TMP/ud-hook" --rawfile warm "$E2E_TMP/ud-warm" \
	--rawfile answers "$E2E_TMP/ud-answers" \
	--arg vip "$XLB_LAB_VIP4" --argjson scale $SCALE --argjson hb $HEARTBEAT '{
  Xlb: { InstanceAddressPool: "198.18.194.0/24", TimeScale: $scale },
  LoadBalancers: [{ Name: "lc-lb", Type: "application", XlbAddresses: [$vip],
    Listeners: [{ Port: 80, Protocol: "HTTP",
      DefaultActions: [{ Type: "forward", TargetGroupArn: "lc-tg" }] }] }],
  TargetGroups: [{ TargetGroupName: "lc-tg", Protocol: "HTTP", Port: 80 }],
  LaunchConfigurations: [
    { LaunchConfigurationName: "lc-hook", InstanceType: "t3.micro", UserData: $hook },
    { LaunchConfigurationName: "lc-warm", InstanceType: "t3.micro", UserData: $warm },
    { LaunchConfigurationName: "lc-answers", InstanceType: "t3.micro", UserData: $answers }],
  AutoScalingGroups: [{
    AutoScalingGroupName: "hooked", LaunchConfigurationName: "lc-hook",
    MinSize: 0, MaxSize: 3, DesiredCapacity: 1, TargetGroupARNs: ["lc-tg"],
    Tags: [{ Key: "Team", Value: "blue", PropagateAtLaunch: true },
           { Key: "cost-center", Value: "42", PropagateAtLaunch: true },
           { Key: "Secret", Value: "no", PropagateAtLaunch: false }],
    LifecycleHookSpecificationList: [{ LifecycleHookName: "hold-me",
      LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING", HeartbeatTimeout: $hb,
      DefaultResult: "ABANDON", NotificationMetadata: "from the e2e test" }]
  }, {
    AutoScalingGroupName: "warm", LaunchConfigurationName: "lc-warm",
    MinSize: 0, MaxSize: 2, DesiredCapacity: 1, TargetGroupARNs: ["lc-tg"],
    LifecycleHookSpecificationList: [{ LifecycleHookName: "init",
      LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING", HeartbeatTimeout: 300,
      DefaultResult: "ABANDON" }],
    WarmPoolConfiguration: { MinSize: 0, PoolState: "Stopped" }
  }, {
    AutoScalingGroupName: "answers", LaunchConfigurationName: "lc-answers",
    MinSize: 0, MaxSize: 1, DesiredCapacity: 1,
    LifecycleHookSpecificationList: [{ LifecycleHookName: "hold",
      LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING", HeartbeatTimeout: 600,
      DefaultResult: "ABANDON" }]
  }]
}' >"$E2E_CONF"

in_state() { # group, state: the ids in it
	e2e_instances "$1" | awk -v s="$2" '$2 == s { print $1 }'
}
held_besides() { # group, id: another instance of the group is in Pending:Wait
	in_state "$1" Pending:Wait | grep -qvxF "$2"
}
not_pending() { # group, id: the instance is in no Pending state
	! e2e_instances "$1" | grep -q "^$2 Pending"
}
in_service() { # group, id
	in_state "$1" InService | grep -qxF "$2"
}
has_state() { # group, state, n
	[ "$(in_state "$1" "$2" | wc -l)" -eq "$3" ]
}
registered() { # instance id
	e2e_ctl --json describe-target-health --target-group-arn lc-tg 2>/dev/null |
		jq -e --arg id "$1" '[.TargetHealthDescriptions[] | select(.Target.Id == $id)] | length > 0' >/dev/null
}
console_has() { # id, text
	e2e_ctl --json get-console-output --instance-id "$1" 2>/dev/null | jq -r '.Output' | grep -qF -- "$2"
}

beat() { # id: a heartbeat for the instance's launch wait (8 s more)
	e2e_ctl record-lifecycle-action-heartbeat --auto-scaling-group-name hooked \
		--lifecycle-hook-name hold-me --instance-id "$1" >/dev/null
}

e2e_xlbd_check "$E2E_CONF"
e2e_xlbd_start "$IPREFIX" --metrics-address 127.0.0.1:9471
e2e_xlbd_wait_socket

# 1. held in Pending:Wait, out of the target group; the instance reads its wait and its tags
if e2e_wait 10 has_state hooked Pending:Wait 1; then
	id=$(in_state hooked Pending:Wait)
	# the wait runs out in 8 s; on a loaded machine the checks below take a good part of that
	beat "$id"
	sleep 1.5 # a tick after the wait began: still out
	if has_state hooked Pending:Wait 1 && ! registered "$id" &&
		e2e_wait 5 console_has "$id" "action: LifecycleHookName=hold-me" &&
		console_has "$id" "action: NotificationMetadata=from the e2e test" &&
		console_has "$id" "target: InService" &&
		console_has "$id" "XLB_TAG_Team=blue" && console_has "$id" "XLB_TAG_cost_center=42" &&
		! console_has "$id" "XLB_TAG_Secret"; then
		e2e_pass launch_hook_holds
	else
		e2e_fail launch_hook_holds "$(e2e_instances hooked | tr '\n' ';')"
		e2e_ctl get-console-output --instance-id "$id" | e2e_indent
	fi
else
	e2e_fail launch_hook_holds "no Pending:Wait: $(e2e_instances hooked | tr '\n' ';')"
	id=
fi

# 2. CONTINUE: InService and registered
if [ -n "$id" ] && beat "$id" && e2e_ctl complete-lifecycle-action --auto-scaling-group-name hooked \
	--lifecycle-hook-name hold-me --lifecycle-action-result CONTINUE --instance-id "$id" &&
	e2e_wait 5 has_state hooked InService 1 && e2e_wait 3 registered "$id"; then
	e2e_pass continue_puts_in_service
else
	e2e_fail continue_puts_in_service "$(e2e_instances hooked | tr '\n' ';')"
fi

# 3. ABANDON: the instance goes, another is launched and held
e2e_ctl set-desired-capacity --auto-scaling-group-name hooked --desired-capacity 2
if e2e_wait 10 has_state hooked Pending:Wait 1; then
	ab=$(in_state hooked Pending:Wait)
	e2e_ctl complete-lifecycle-action --auto-scaling-group-name hooked \
		--lifecycle-hook-name hold-me --lifecycle-action-result ABANDON --instance-id "$ab"
	if e2e_wait 10 held_besides hooked "$ab" &&
		! e2e_instances hooked | grep -q "^$ab InService"; then
		e2e_pass abandon_replaces
	else
		e2e_fail abandon_replaces "$ab: $(e2e_instances hooked | tr '\n' ';')"
	fi
else
	e2e_fail abandon_replaces "no second Pending:Wait: $(e2e_instances hooked | tr '\n' ';')"
fi

# 4. the heartbeat timeout (40 s / 5 = 8 s) applies ABANDON; a heartbeat pushes it back
to=$(in_state hooked Pending:Wait | head -n 1)
t0=$(date +%s.%N)
sleep 4
e2e_ctl record-lifecycle-action-heartbeat --auto-scaling-group-name hooked \
	--lifecycle-hook-name hold-me --instance-id "$to"
sleep 6 # 10 s after t0: the first deadline passed, the heartbeat's not
held=$(e2e_instances hooked | awk -v i="$to" '$1 == i { print $2 }')
if [ "$held" = Pending:Wait ] && e2e_wait 8 not_pending hooked "$to" &&
	grep -q "$to: a lifecycle hook timed out, its DefaultResult applies: Pending:Proceed (ABANDON)" "$E2E_LOG"; then
	e2e_pass heartbeat_timeout_default_result
else
	e2e_fail heartbeat_timeout_default_result "$to was '$held' at $(echo "$(date +%s.%N) - $t0" | bc) s: $(e2e_instances hooked | tr '\n' ';')"
fi

# 4b. put-lifecycle-hook and delete-lifecycle-hook, put-warm-pool and delete-warm-pool: AWS's
# bounds with the field named, a hook changed in place, kept over a reload of the same file
hooks() {
	e2e_ctl --json describe-lifecycle-hooks --auto-scaling-group-name hooked 2>/dev/null |
		jq -r '.LifecycleHooks[] | "\(.LifecycleHookName) \(.LifecycleTransition) \(.HeartbeatTimeout) \(.DefaultResult)"' |
		tr '\n' ';'
}
want="hold-me autoscaling:EC2_INSTANCE_LAUNCHING 100 ABANDON;on-leave autoscaling:EC2_INSTANCE_TERMINATING 60 CONTINUE;"
bad=$(e2e_ctl put-lifecycle-hook --auto-scaling-group-name hooked --lifecycle-hook-name x \
	--lifecycle-transition autoscaling:EC2_INSTANCE_LAUNCHING --heartbeat-timeout 10 2>&1)
bad_rc=$?
if [ "$bad_rc" -ne 0 ] && grep -q 'put-lifecycle-hook:1:[0-9]*: \$.HeartbeatTimeout' <<<"$bad" &&
	e2e_ctl put-lifecycle-hook --auto-scaling-group-name hooked --lifecycle-hook-name on-leave \
		--lifecycle-transition autoscaling:EC2_INSTANCE_TERMINATING --heartbeat-timeout 60 \
		--default-result CONTINUE &&
	e2e_ctl put-lifecycle-hook --auto-scaling-group-name hooked --lifecycle-hook-name hold-me \
		--heartbeat-timeout 100 &&
	[ "$(hooks)" = "$want" ] && e2e_ctl reload >/dev/null && [ "$(hooks)" = "$want" ]; then
	e2e_pass put_lifecycle_hook
else
	e2e_fail put_lifecycle_hook "rc $bad_rc '$bad'; hooks '$(hooks)'"
fi
bad=$(e2e_ctl delete-lifecycle-hook --auto-scaling-group-name hooked --lifecycle-hook-name nope 2>&1)
bad_rc=$?
if [ "$bad_rc" -ne 0 ] && grep -q "No Lifecycle Hook named nope" <<<"$bad" &&
	e2e_ctl delete-lifecycle-hook --auto-scaling-group-name hooked --lifecycle-hook-name on-leave &&
	[ "$(hooks)" = "hold-me autoscaling:EC2_INSTANCE_LAUNCHING 100 ABANDON;" ]; then
	e2e_pass delete_lifecycle_hook
else
	e2e_fail delete_lifecycle_hook "rc $bad_rc '$bad'; hooks '$(hooks)'"
fi
wp() {
	e2e_ctl --json describe-warm-pool --auto-scaling-group-name hooked 2>/dev/null |
		jq -c '.WarmPoolConfiguration // "none"'
}
bad=$(e2e_ctl put-warm-pool --auto-scaling-group-name hooked --pool-state Frozen 2>&1)
bad_rc=$?
if [ "$bad_rc" -ne 0 ] && grep -q 'put-warm-pool:1:[0-9]*: \$.PoolState' <<<"$bad" &&
	e2e_ctl put-warm-pool --auto-scaling-group-name hooked --max-group-prepared-capacity 0 \
		--pool-state Running --instance-reuse-policy ReuseOnScaleIn=true &&
	wp | jq -e '.MaxGroupPreparedCapacity == 0 and .PoolState == "Running" and .InstanceReusePolicy.ReuseOnScaleIn' >/dev/null &&
	e2e_ctl delete-warm-pool --auto-scaling-group-name hooked && [ "$(wp)" = '"none"' ] &&
	! e2e_ctl delete-warm-pool --auto-scaling-group-name hooked 2>/dev/null; then
	e2e_pass put_delete_warm_pool
else
	e2e_fail put_delete_warm_pool "rc $bad_rc '$bad'; warm pool $(wp)"
fi

# 5. warm pool: one instance initialised and frozen; scale out takes it, faster than cold
frozen() { # id: its cgroup v2 group says frozen, or its processes are stopped (v1)
	local f
	f=$(find /sys/fs/cgroup -path "*${IPREFIX%-}/$1/cgroup.freeze" 2>/dev/null | head -n 1)
	[ -n "$f" ] && [ "$(cat "$f")" = 1 ]
}
warm_state() {
	e2e_ctl --json describe-warm-pool --auto-scaling-group-name warm 2>/dev/null |
		jq -r '.Instances[] | "\(.InstanceId) \(.LifecycleState)"'
}
warm_stopped() { warm_state | grep -q Warmed:Stopped; }
if e2e_wait 20 warm_stopped &&
	e2e_wait 10 has_state warm InService 1; then
	wid=$(warm_state | awk '$2 == "Warmed:Stopped" { print $1 }')
	if frozen "$wid"; then
		e2e_pass warm_pool_stopped_frozen
	else
		e2e_fail warm_pool_stopped_frozen "$wid's cgroup is not frozen"
	fi
	e2e_ctl set-desired-capacity --auto-scaling-group-name warm --desired-capacity 2
	if e2e_wait 10 in_service warm "$wid"; then
		cold=$(sed -n 's/.*auto-scaling group warm: .* is InService, \([0-9]*\) ms after its launch$/\1/p' "$E2E_LOG" | head -n 1)
		warm=$(sed -n "s/.*auto-scaling group warm: $wid .* is InService, \([0-9]*\) ms after its leaving the warm pool$/\1/p" "$E2E_LOG" | head -n 1)
		e2e_log "launch to InService: cold ${cold:-?} ms, from the warm pool ${warm:-?} ms"
		if [ -n "$cold" ] && [ -n "$warm" ] && [ "$warm" -lt "$cold" ] &&
			[ "$cold" -ge $((INIT * 1000)) ]; then
			e2e_pass warm_pool_faster
		else
			e2e_fail warm_pool_faster "cold ${cold:-?} ms, warm ${warm:-?} ms"
		fi
	else
		e2e_fail warm_pool_faster "$wid not InService: $(e2e_instances warm | tr '\n' ';')"
	fi
else
	e2e_fail warm_pool_stopped_frozen "$(warm_state | tr '\n' ';') / $(e2e_instances warm | tr '\n' ';')"
fi

# 6. hostile answers: each ignored with one line, then the real CONTINUE puts it InService
if e2e_wait 60 has_state answers InService 1; then
	aid=$(in_state answers InService)
	bad=
	for want in 'complete-lifecycle-action: expected CONTINUE or ABANDON, got "MAYBE"' \
		'complete-lifecycle-action ignored: too large for an answer' \
		'complete-lifecycle-action ignored: not a regular file' \
		'complete-lifecycle-action ignored: binary bytes' \
		'complete-lifecycle-action: expected CONTINUE or ABANDON, got "?\[31mCONTINUE"' \
		'complete-lifecycle-action: .*no-such-hook' \
		'record-lifecycle-action-heartbeat: .*no-such-hook'; do
		n=$(grep -c "instance $aid: $want" "$E2E_LOG")
		case $want in *"not a regular file") w=3 ;; *) w=1 ;; esac
		[ "$n" -eq "$w" ] || bad="$bad; $n lines (want $w) of '$want'"
	done
	if grep -q $'\033' "$E2E_LOG"; then
		bad="$bad; an escape byte reached the log"
	fi
	if grep -q '^root:' "$E2E_LOG"; then
		bad="$bad; a host file's content reached the log"
	fi
	if ! console_has "$aid" "hostile answers: all taken"; then
		bad="$bad; the instance's answers were not all taken"
	fi
	if [ -z "$bad" ]; then
		e2e_pass hostile_answers_ignored
	else
		e2e_fail hostile_answers_ignored "${bad#; }"
		grep "instance $aid" "$E2E_LOG" | tail -n 12 | e2e_indent
	fi
else
	e2e_fail hostile_answers_ignored "not InService after its answers: $(e2e_instances answers | tr '\n' ';')"
	grep "lifecycle" "$E2E_LOG" | tail -n 12 | e2e_indent
fi

[ -n "${E2E_VERBOSE:-}" ] && e2e_indent <"$E2E_LOG"
e2e_summary

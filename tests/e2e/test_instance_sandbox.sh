#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: an instance is a sandbox. An escape suite runs as an instance's UserData (the
# host's network namespace, /sys/fs/bpf, /etc, its cgroup, signals to the host, a fork bomb,
# a full /run, mounts, /proc/sysrq-trigger, the read-only binds: xlbd's own directory under
# /tmp and /proc/sys, written to, remounted read-write, unmounted), each attempt reported on its
# console; the host is checked afterwards. The seed's own UserData (apt-get, systemctl) through xlbd: warned at
# --check, its instances fail with their console in the log and back off in the activities,
# and the host's package database is untouched.
# needs: netns
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

XLBD=${XLBD:-$E2E_BUILD/xlbd}
XLBCTL=${XLBCTL:-$E2E_BUILD/xlbctl}
SEED=$E2E_REPO/examples/seed.json

e2e_init
for t in "$XLBD" "$XLBCTL"; do
	[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
done

# 1. the seed at --check: its UserData said not to work, where it says so
out=$("$XLBD" --check --config "$SEED" 2>&1)
if grep -q 'seed.json:37:71: $.LaunchConfigurations\[0\].UserData: line 3 of the script runs apt-get' <<<"$out" &&
	grep -q 'seed.json:37:116: .*line 5 of the script runs systemctl: an instance has no init system' <<<"$out"; then
	e2e_pass seed_check_warns
else
	e2e_fail seed_check_warns "$(grep UserData <<<"$out" | head -3)"
fi

e2e_lab_up --clients 1 --backends 0
IPREFIX=${E2E_PREFIX}i-
CG=${IPREFIX%-}
BACKEND=$(readlink -f "$XLB_BACKEND")
PROBE=/etc/xlb-escape-$E2E_PREFIX # the host's; the instance tries to overwrite it
DPKG=/var/lib/dpkg/status
dpkg_before=$(md5sum "$DPKG" 2>/dev/null)
nginx_before=$(dpkg-query -W -f '${Status} ${Version}' nginx 2>&1)

echo host >"$PROBE"
e2e_on_exit "rm -f '$PROBE'"
# xlbd run from a directory under /tmp, as from a clone there: the launcher binds that
# directory read-only into every instance (its fresh /tmp would hide it), so the suite has a
# read-only bind to attack; a copy of xlbd, since the bind follows /proc/self/exe
TOOLS=/tmp/xlb-tools.$E2E_PREFIX
rm -rf "$TOOLS"
# xlb-backend, which the instance execs, beside it: the clone's own tree is no instance's to
# see when it too lies under /tmp (a CI clone in /tmp/...), as the instance's /tmp is its own
if ! { mkdir -m 755 "$TOOLS" && cp "$XLBD" "$TOOLS/xlbd" && cp "$BACKEND" "$TOOLS/xlb-backend"; }; then
	e2e_abort setup "cannot copy xlbd and xlb-backend into $TOOLS"
fi
BACKEND=$TOOLS/xlb-backend
XLBD=$TOOLS/xlbd # what e2e_xlbd_start runs
e2e_on_exit "rm -rf '$TOOLS'"
tools_before=$(cd "$TOOLS" && stat -c '%n %s %Y %a' . xlbd && md5sum xlbd)
KNOB=/proc/sys/vm/swappiness # a host-wide setting under the read-only /proc/sys
knob_before=$(cat "$KNOB") || e2e_abort setup "no $KNOB to watch"

# The suite: one line per attempt, "ESCAPE name contained" or "ESCAPE name ESCAPED".
cat >"$E2E_TMP/suite.sh" <<SUITE
#!/bin/bash
t() { if eval "\$2" >/dev/null 2>&1; then echo "ESCAPE \$1 contained"; else echo "ESCAPE \$1 ESCAPED"; fi; }
t host_netns '! nsenter --net=/proc/1/ns/net true && ! nsenter -t 1 -a true && [ -z "\$(ls -A /run/netns)" ] && [ "\$(ip -o link | wc -l)" -eq 2 ]'
t bpffs '[ -z "\$(ls -A /sys/fs/bpf)" ] && ! mount -t bpf bpf /mnt'
t etc_write 'echo instance >$PROBE && [ "\$(cat $PROBE)" = instance ]'
t leave_cgroup '! echo \$\$ >/sys/fs/cgroup/cgroup.procs && ! mount -t cgroup2 none /mnt && ! mount -t cgroup -o pids none /mnt && ! grep -qv ":/\$" /proc/self/cgroup'
t signal_host '! kill -0 $$ && ! kill -TERM $$ && kill -TERM 1; sleep 0.2; [ -d /proc/1 ]'
t mounts '! mount -t tmpfs x /mnt && ! unshare -m true && ! mount -o remount,rw /sys'
t sysrq '! echo h >/proc/sysrq-trigger'
t tools_bound '[ -x $TOOLS/xlbd ] && grep -q " $TOOLS ro," /proc/self/mountinfo'
t tools_ro_bind '! touch $TOOLS/x && ! echo x >>$TOOLS/xlbd && ! rm -f $TOOLS/xlbd && ! mount -o remount,rw,bind $TOOLS && ! mount -o remount,rw $TOOLS && ! mount --bind /tmp $TOOLS && ! umount $TOOLS && ! umount -l $TOOLS && grep -q " $TOOLS ro," /proc/self/mountinfo && ! touch $TOOLS/x && [ -x $TOOLS/xlbd ]'
# (the value written is the one there: nothing changes on the host should a write get through)
t proc_sys_ro_bind 'v=\$(cat $KNOB) && ! echo \$v >$KNOB && ! mount -o remount,rw /proc/sys && ! mount -o remount,rw,bind /proc/sys && ! umount /proc/sys && ! umount -l /proc/sys && ! echo \$v >$KNOB'
t xlbd_run_dir '[ ! -e $E2E_RUN ] && [ ! -e $E2E_SOCK ]'
t capabilities 'e=\$((16#\$(awk "/^CapEff/ {print \\\$2}" /proc/self/status))); [ \$(((e >> 21) & 1)) = 0 ] && [ \$(((e >> 12) & 1)) = 0 ] && grep -q "^NoNewPrivs:.*1" /proc/self/status'
t hostname '[ "\$(hostname)" = "ip-\${XLB_INSTANCE_IP//./-}" ]'
# forks until refused (perl: fork returns undef at once, where bash would retry for long)
s0=\$SECONDS
n=\$(perl -e 'my @k; while (@k < 5000) { my \$p = fork; last unless defined \$p; if (!\$p) { sleep 60; exit 0 } push @k, \$p } kill 9, @k; waitpid(\$_, 0) for @k; print scalar(@k)')
echo "fork bomb: \$n processes, refused after \$((SECONDS - s0)) s"
t fork_bomb '[ "\$n" -gt 0 ] && [ "\$n" -lt 5000 ]'
dd if=/dev/zero of=/run/fill bs=1M count=64 2>/dev/null
echo "filled /run with \$(du -m /run/fill | cut -f1) MiB"
t fill_run '[ "\$(du -m /run/fill | cut -f1)" -le 16 ]'
rm -f /run/fill
echo ESCAPE-DONE
exec $BACKEND --listen 80 --quiet
SUITE
seed_ud=$(sed -n 's/^ *"UserData": \(".*"\)$/\1/p' "$SEED")
[ -n "$seed_ud" ] || e2e_abort setup "no UserData found in $SEED"

cat >"$E2E_CONF" <<EOF2
{
  "Xlb": { "InstanceAddressPool": "198.18.194.0/24" },
  "LoadBalancers": [{
    "Name": "e2e-lb", "Type": "application", "XlbAddresses": ["$XLB_LAB_VIP4"],
    "Listeners": [{ "Port": 80, "Protocol": "HTTP",
      "DefaultActions": [{ "Type": "forward", "TargetGroupArn": "esc-tg" }] }]
  }],
  "TargetGroups": [{
    "TargetGroupName": "esc-tg", "Protocol": "HTTP", "Port": 80, "HealthCheckPath": "/health",
    "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2,
    "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2
  }],
  "LaunchConfigurations": [
    { "LaunchConfigurationName": "esc-lc", "InstanceType": "t3.micro",
      "UserData": "$(base64 -w0 "$E2E_TMP/suite.sh")" },
    { "LaunchConfigurationName": "seed-lc", "InstanceType": "t3.2xlarge", "UserData": $seed_ud }
  ],
  "AutoScalingGroups": [
    { "AutoScalingGroupName": "esc-asg", "LaunchConfigurationName": "esc-lc",
      "MinSize": 1, "MaxSize": 1, "DesiredCapacity": 1, "TargetGroupARNs": ["esc-tg"] },
    { "AutoScalingGroupName": "seed-asg", "LaunchConfigurationName": "seed-lc",
      "MinSize": 1, "MaxSize": 1, "DesiredCapacity": 1 }
  ]
}
EOF2

group_instances() { # group: its instance ids
	e2e_ctl --json describe-auto-scaling-groups --auto-scaling-group-names "$1" 2>/dev/null |
		jq -r '.AutoScalingGroups[0].Instances[].InstanceId'
}

e2e_xlbd_start "$IPREFIX" --metrics-address 127.0.0.1:9470
e2e_xlbd_wait_socket

# 2. the escape suite, on the console of the escape group's instance
esc=
suite_done() {
	esc=$(group_instances esc-asg | head -1)
	[ -n "$esc" ] && e2e_ctl get-console-output --instance-id "$esc" 2>/dev/null | grep -q ESCAPE-DONE
}
if ! e2e_wait 60 suite_done; then
	e2e_ctl get-console-output --instance-id "$esc" 2>&1 | tail -20 | e2e_indent
	e2e_abort escape_suite "the suite did not finish in 60 s (instance '$esc')"
fi
console=$(e2e_ctl get-console-output --instance-id "$esc")
grep -E '^(fork bomb|filled)' <<<"$console" | while read -r l; do e2e_log "$l"; done
for name in host_netns bpffs etc_write leave_cgroup signal_host mounts sysrq tools_bound \
	tools_ro_bind proc_sys_ro_bind xlbd_run_dir capabilities hostname fork_bomb fill_run; do
	if grep -qx "ESCAPE $name contained" <<<"$console"; then
		e2e_pass "escape_$name"
	else
		e2e_fail "escape_$name" "$(grep "ESCAPE $name" <<<"$console" || echo 'not reported')"
	fi
done

# 3. the host afterwards
init=$(sed -n 's/^pid=//p' "$E2E_RUN/instances/$esc/instance")
if [ "$(cat "$PROBE")" = host ] && [ "$(cat "/proc/$init/root$PROBE" 2>/dev/null)" = instance ]; then
	e2e_pass host_etc_unchanged
else
	e2e_fail host_etc_unchanged "host: $(cat "$PROBE"), instance: $(cat "/proc/$init/root$PROBE" 2>&1)"
	echo host >"$PROBE"
fi
[ ! -e /run/fill ] || rm -f /run/fill
# the read-only binds: the host's directory as it was (and still writable from the host, no
# mount of the instance's left on it), the /proc/sys setting as it was
tools_after=$(cd "$TOOLS" && stat -c '%n %s %Y %a' . xlbd && md5sum xlbd)
if [ "$tools_after" = "$tools_before" ] && ! findmnt -n "$TOOLS" >/dev/null &&
	touch "$TOOLS/host-write" && rm -f "$TOOLS/host-write" &&
	[ "$(cat "$KNOB")" = "$knob_before" ]; then
	e2e_pass host_ro_binds_unchanged
else
	e2e_fail host_ro_binds_unchanged "$(diff <(echo "$tools_before") <(echo "$tools_after") | head -4); $(findmnt -n "$TOOLS"); $KNOB $knob_before -> $(cat "$KNOB")"
fi
pidsdir=
for d in /sys/fs/cgroup/pids/"$CG"/"$esc" /sys/fs/cgroup/unified/"$CG"/"$esc" /sys/fs/cgroup/"$CG"/"$esc"; do
	[ -f "$d/pids.max" ] && pidsdir=$d && break
done
if [ -n "$pidsdir" ]; then
	if [ "$(cat "$pidsdir/pids.max")" = 512 ] && grep -q '^max [1-9]' "$pidsdir/pids.events"; then
		e2e_pass pids_max_stopped_fork_bomb
	else
		e2e_fail pids_max_stopped_fork_bomb "pids.max $(cat "$pidsdir/pids.max"), $(cat "$pidsdir/pids.events")"
	fi
else
	e2e_skip pids_max_stopped_fork_bomb "no pids controller on this host"
fi
# every process of the instance's PID namespace is in its cgroup
ns=$(readlink "/proc/$init/ns/pid")
outside=0
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
	grep -q "/$CG/$esc\$" "$p/cgroup" 2>/dev/null || outside=$((outside + 1))
done
if [ "$outside" -eq 0 ] && kill -0 "$E2E_XLBD_PID"; then
	e2e_pass host_cgroup_and_xlbd
else
	e2e_fail host_cgroup_and_xlbd "$outside processes outside the cgroup; xlbd $(kill -0 "$E2E_XLBD_PID" 2>&1 && echo alive)"
fi
healthy() {
	e2e_ctl --json describe-target-health --target-group-arn esc-tg 2>/dev/null |
		jq -e '.TargetHealthDescriptions[] | select(.TargetHealth.State == "healthy")' >/dev/null
}
if e2e_wait 20 healthy; then
	e2e_pass sandboxed_instance_serves
else
	e2e_fail sandboxed_instance_serves "$(e2e_ctl describe-target-health --target-group-arn esc-tg 2>&1 | tail -2)"
	grep -i 'esc-asg\|instance i-' "$E2E_LOG" | tail -n 25 | e2e_indent
fi

# 4. the seed's instances: failing visibly, backing off, the host untouched
backoff() {
	e2e_ctl --json describe-scaling-activities --auto-scaling-group-name seed-asg 2>/dev/null |
		jq -r '.Activities[] | .Cause' | grep -q 'held back [0-9]* s (backoff)'
}
if e2e_wait 60 backoff; then
	e2e_pass seed_backs_off
	e2e_ctl --json describe-scaling-activities --auto-scaling-group-name seed-asg |
		jq -r '.Activities[] | .Cause' | grep -o 'The launch was held back.*' | head -2 |
		while read -r l; do e2e_log "$l"; done
else
	e2e_fail seed_backs_off "$(e2e_ctl describe-scaling-activities --auto-scaling-group-name seed-asg 2>&1 | head -6)"
fi
if grep -q 'console: .*\(apt\|E: \|systemd\|System has not been booted\)' "$E2E_LOG"; then
	e2e_pass seed_console_in_log
	grep 'console: ' "$E2E_LOG" | grep -v ESCAPE | tail -3 | e2e_indent
else
	e2e_fail seed_console_in_log "no console lines in the log"
	tail -20 "$E2E_LOG" | e2e_indent
fi
# (another run's apt may change the status file meanwhile: then nginx's entry must be as it was)
if [ "$(md5sum "$DPKG" 2>/dev/null)" = "$dpkg_before" ] ||
	[ "$(dpkg-query -W -f '${Status} ${Version}' nginx 2>&1)" = "$nginx_before" ]; then
	e2e_pass seed_host_untouched
else
	e2e_fail seed_host_untouched "nginx in the host's package database: $(dpkg-query -W -f '${Status} ${Version}' nginx 2>&1)"
fi

# 5. SIGTERM: the instances and their upper layers go
e2e_stop "$E2E_XLBD_PID" 20
if [ ! -e "/proc/$init" ] && ! ip netns list | grep -q "^$IPREFIX" &&
	[ "$(cat "$PROBE")" = host ]; then
	e2e_pass terminated_without_trace
else
	e2e_fail terminated_without_trace "init $init $(test -e "/proc/$init" && echo alive); $(ip netns list | grep -c "^$IPREFIX") namespaces"
fi
e2e_summary

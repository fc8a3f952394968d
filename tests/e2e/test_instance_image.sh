#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: an ImageId mapped in Xlb.Images to a directory image. The image is made here, as
# small as it goes (sh, xlb-backend and the libraries ldd names for them, a marker): --check's
# plan names it, and warns once for an ImageId that is not mapped; the group's instance boots
# from it (sees its marker, not the host's files), serves through the load balancer from it,
# and what it writes stays out of the image's directory.
# needs: netns
# parallel: yes
# timeout: 120
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
for t in "$XLBD" "$XLBCTL" "$XLB_BACKEND"; do
	[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
done

# the image: programs copied with their libraries (busybox is not everywhere)
IMG=$E2E_TMP/image
MARKER="image-$E2E_PREFIX-$RANDOM"
mkdir -p "$IMG/etc" "$IMG/usr/local/bin" || e2e_abort setup "cannot make $IMG"
image_add() { # program, path in the image
	local lib
	install -D -m 755 "$1" "$IMG$2" || return 1
	for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
		[ -e "$IMG$lib" ] || install -D -m 755 "$lib" "$IMG$lib" || return 1
	done
}
if ! image_add "$(readlink -f /bin/sh)" /bin/sh ||
	! image_add "$(readlink -f "$XLB_BACKEND")" /usr/local/bin/xlb-backend; then
	e2e_abort setup "cannot copy programs into the image"
fi
echo "$MARKER" >"$IMG/xlb-image-marker"
image_before=$(cd "$IMG" && find . -printf '%p %s %T@\n' | sort)
e2e_log "image: $(du -sh "$IMG" | cut -f1) in $(find "$IMG" -type f | wc -l) files"

e2e_lab_up --clients 1 --backends 0
IPREFIX=${E2E_PREFIX}i-
# shellcheck disable=SC2016 # the script's own variables, expanded in the instance
UD=$(printf '%s\n' '#!/bin/sh' \
	'read m </xlb-image-marker; echo "marker: $m"' \
	'if [ -e /etc/passwd ]; then echo host-visible; else echo host-hidden; fi' \
	'echo instance >/xlb-image-marker && echo instance >/etc/xlb-written && echo wrote' \
	'exec /usr/local/bin/xlb-backend --listen 80 --quiet' | base64 -w0)

cat >"$E2E_CONF" <<EOF2
{
  "Xlb": { "InstanceAddressPool": "198.18.195.0/24",
    "Images": { "ami-0000000000000e2e1": "$IMG" } },
  "LoadBalancers": [{
    "Name": "img-lb", "Type": "application", "XlbAddresses": ["$XLB_LAB_VIP4"],
    "Listeners": [{ "Port": 80, "Protocol": "HTTP",
      "DefaultActions": [{ "Type": "forward", "TargetGroupArn": "img-tg" }] }]
  }],
  "TargetGroups": [{
    "TargetGroupName": "img-tg", "Protocol": "HTTP", "Port": 80, "HealthCheckPath": "/health",
    "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2,
    "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2
  }],
  "LaunchConfigurations": [
    { "LaunchConfigurationName": "img-lc", "InstanceType": "t3.micro",
      "ImageId": "ami-0000000000000e2e1", "UserData": "$UD" },
    { "LaunchConfigurationName": "host-lc", "InstanceType": "t3.micro",
      "ImageId": "ami-00000000000000bad", "UserData": "$UD" }
  ],
  "AutoScalingGroups": [
    { "AutoScalingGroupName": "img-asg", "LaunchConfigurationName": "img-lc",
      "MinSize": 1, "MaxSize": 1, "DesiredCapacity": 1, "TargetGroupARNs": ["img-tg"] }
  ]
}
EOF2

# 1. --check: the plan names the image; the unmapped id is said once, where it is
out=$("$XLBD" --check --config "$E2E_CONF" 2>&1)
if grep -q "launch configuration img-lc: .*, image ami-0000000000000e2e1 ($IMG)" <<<"$out" &&
	[ "$(sed 's/^xlbd: warn: //; s/^ *//' <<<"$out" | sort -u |
		grep -c 'ami-00000000000000bad is not in Xlb.Images')" = 1 ] &&
	grep -q 'xlb.json:18:[0-9]*: $.LaunchConfigurations\[1\].ImageId: ami-00000000000000bad is not in Xlb.Images' <<<"$out"; then
	e2e_pass check_names_images
else
	e2e_fail check_names_images "$(grep -i 'image' <<<"$out" | head -4)"
fi
bad=$E2E_TMP/bad.json
sed "s|\"$IMG\"|\"$E2E_TMP\"|" "$E2E_CONF" >"$bad"
if ! out=$("$XLBD" --check --config "$bad" 2>&1) &&
	grep -q "bad.json:3:[0-9]*: \$.Xlb.Images\[\"ami-0000000000000e2e1\"\]: expected a root filesystem" <<<"$out"; then
	e2e_pass check_refuses_non_root
else
	e2e_fail check_refuses_non_root "$(head -3 <<<"$out")"
fi

e2e_xlbd_start "$IPREFIX" --metrics-address 127.0.0.1:9471
e2e_xlbd_wait_socket

# 2. the instance: booted from the image, serving from it
inst=
booted() {
	inst=$(e2e_ctl --json describe-auto-scaling-groups --auto-scaling-group-names img-asg 2>/dev/null |
		jq -r '.AutoScalingGroups[0].Instances[0].InstanceId // empty')
	[ -n "$inst" ] && e2e_ctl get-console-output --instance-id "$inst" 2>/dev/null | grep -q '^wrote'
}
if ! e2e_wait 30 booted; then
	e2e_ctl get-console-output --instance-id "$inst" 2>&1 | tail -5 | e2e_indent
	tail -5 "$E2E_LOG" | e2e_indent
	e2e_abort instance_boots "no instance booted from the image in 30 s ('$inst')"
fi
console=$(e2e_ctl get-console-output --instance-id "$inst")
if grep -qx "marker: $MARKER" <<<"$console" && grep -qx host-hidden <<<"$console"; then
	e2e_pass instance_sees_image
else
	e2e_fail instance_sees_image "$(head -3 <<<"$console")"
fi
healthy() {
	e2e_ctl --json describe-target-health --target-group-arn img-tg 2>/dev/null |
		jq -e '.TargetHealthDescriptions[] | select(.TargetHealth.State == "healthy")' >/dev/null
}
reply=
if e2e_wait 30 healthy; then
	reply=$(e2e_in c1 curl -s --max-time 5 "http://$XLB_LAB_VIP4/")
fi
if grep -q "$inst" <<<"$reply"; then
	e2e_pass serves_from_image
else
	e2e_fail serves_from_image "reply '$reply'; $(e2e_ctl describe-target-health --target-group-arn img-tg 2>&1 | tail -1)"
fi

# 3. its writes: in its root, not in the image's directory
init=$(sed -n 's/^pid=//p' "$E2E_TMP/run/instances/$inst/instance")
if [ "$(cat "/proc/$init/root/xlb-image-marker" 2>&1)" = instance ] &&
	[ "$(cat "/proc/$init/root/etc/xlb-written" 2>&1)" = instance ] &&
	[ "$(cd "$IMG" && find . -printf '%p %s %T@\n' | sort)" = "$image_before" ]; then
	e2e_pass writes_stay_out_of_image
else
	e2e_fail writes_stay_out_of_image "instance's marker: $(cat "/proc/$init/root/xlb-image-marker" 2>&1); image: $(cat "$IMG/xlb-image-marker")"
fi
e2e_stop "$E2E_XLBD_PID" 20
if [ "$(cat "$IMG/xlb-image-marker")" = "$MARKER" ] && [ ! -e "$IMG/etc/xlb-written" ]; then
	e2e_pass image_unchanged_after
else
	e2e_fail image_unchanged_after "$(find "$IMG" -maxdepth 2 -newer "$IMG/bin/sh" | head -4)"
fi
e2e_summary

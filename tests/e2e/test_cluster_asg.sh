#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: an auto-scaling group shared by two cluster nodes (Xlb.Cluster.SharedDir). Node 1's
# file has the group; node 2's has only its target group. Node 1 writes its InService
# instances into the shared directory, node 2 registers them, checks them itself and forwards
# to them (nat: the instances' replies come back through node 1, which translates them without
# the flow); scaled in on node 1, node 2 deregisters the instance that left; a file that is
# not JSON changes nothing; the group gone, node 2 takes every shared target out.
# needs: netns
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

BACKEND=${XLB_BACKEND:-$E2E_BUILD/xlb-backend}
VIP=198.18.100.7
POOL=198.18.144.0/20 # node 1's instances: clear of the lab's own 198.18.20x.0/24 links
NODES=2

e2e_init
e2e_need "$XLBD" "$XLBCTL" "$BACKEND"
command -v bird >/dev/null || e2e_abort setup "bird is missing (bird2: make deps)"
e2e_lab_up --clients 1 --backends 1 --balancers "$NODES"
SHARED=$E2E_TMP/shared
IPREFIX=${E2E_PREFIX}n1-
e2e_instances_cleanup "$IPREFIX"

write_config() { # node index, with the group (0 or 1)
	local k=$1 asg=$2
	jq -n --arg vip "$VIP" --arg node "node$k" --argjson asn "$XLB_LAB_ASN_NODE" \
		--argjson pasn "$XLB_LAB_ASN_ROUTER" --arg router "${XLB_LAB_LB_PEER4[k - 1]}" \
		--arg sock "${XLB_LAB_LB_BIRD_SOCK[k - 1]}" --arg inc "${XLB_LAB_LB_BIRD_INCLUDE[k - 1]}" \
		--arg shared "$SHARED" --arg pool "$POOL" --argjson asg "$asg" \
		--arg ud "#!/bin/sh
exec $BACKEND --listen 80 --quiet
" '{
	  LoadBalancers: [{ Name: "web", Type: "network", XlbAddresses: [$vip],
	    Listeners: [{ Port: 80, Protocol: "TCP", XlbForwardingMode: "nat",
	      DefaultActions: [{ Type: "forward", TargetGroupArn: "fleet" }] }] }],
	  TargetGroups: [{ TargetGroupName: "fleet", Protocol: "TCP", Port: 80, TargetType: "ip",
	    HealthCheckProtocol: "HTTP", HealthCheckPath: "/health",
	    HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2,
	    HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
	    Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "2" }] }],
	  Xlb: { InstanceAddressPool: $pool, Cluster: { NodeName: $node, Asn: $asn, PeerAsn: $pasn,
	    RouterAddress: $router, BfdIntervalMs: 100, WithdrawDelayMs: 100,
	    HashSecret: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", BirdSocket: $sock, BirdInclude: $inc,
	    SharedDir: $shared } }
	} + if $asg == 1 then {
	  LaunchConfigurations: [{ LaunchConfigurationName: "lc", ImageId: "ami-xlb",
	    InstanceType: "t3.micro", UserData: $ud }],
	  AutoScalingGroups: [{ AutoScalingGroupName: "shared", LaunchConfigurationName: "lc",
	    MinSize: 0, MaxSize: 4, DesiredCapacity: 2, HealthCheckType: "ELB",
	    HealthCheckGracePeriod: 30, DefaultInstanceWarmup: 0, TargetGroupARNs: ["fleet"] }]
	} else {} end' >"$E2E_TMP/node$k.json" || e2e_abort setup "writing node $k's file"
	e2e_xlbd_check "$E2E_TMP/node$k.json" "node $k's configuration"
}

# The healthy targets a node has in the shared target group, sorted.
healthy() { # node
	e2e_node_ctl "$1" --json describe-target-health --target-group-arn fleet 2>/dev/null |
		jq -r '.TargetHealthDescriptions[] | select(.TargetHealth.State == "healthy")
			| .Target.Id' | sort
}

# Node 1's InService instances' addresses, sorted.
in_service() {
	e2e_node_ctl 1 --json describe-auto-scaling-groups 2>/dev/null |
		jq -r '.AutoScalingGroups[0].Instances[] | select(.LifecycleState == "InService")
			| .PrivateIpAddress' | sort
}

# count InService on node 1, as many healthy there (its targets are named by instance id), and
# the same addresses healthy on node 2
same_on_both() { # count
	local a
	a=$(in_service)
	[ "$(echo "$a" | grep -c .)" = "$1" ] && [ "$(healthy 2)" = "$a" ] &&
		[ "$(healthy 1 | grep -c .)" = "$1" ]
}

write_config 1 1
write_config 2 0
# node 2 reaches node 1's instances through node 1's address on the backends' segment (across
# hosts: the owner announces its pool, or the nodes share a routed network)
ip -n "${XLB_LAB_LB_NS_ALL[1]}" route add "$POOL" via 198.19.0.11 ||
	e2e_abort setup "a route to node 1's pool on node 2"
for ((k = 1; k <= NODES; k++)); do
	e2e_node_start "$k"
done

# 1. node 1's two instances, healthy on both nodes: node 2 learnt them from the shared file
if e2e_wait 60 same_on_both 2; then
	e2e_pass shared_instances_healthy_on_both
	e2e_log "instances: $(in_service | tr '\n' ' ')"
else
	e2e_fail shared_instances_healthy_on_both "node1 InService: $(in_service | tr '\n' ' ');\
 healthy on node1: $(healthy 1 | tr '\n' ' '), node2: $(healthy 2 | tr '\n' ' ')"
	tail -20 "$E2E_TMP/xlbd2.log" | e2e_indent
fi
if [ "$(jq -r .Node "$SHARED/fleet.json" 2>/dev/null)" = node1 ] &&
	[ "$(e2e_node_ctl 2 --json status | jq -r '.SharedTargets.TargetGroups[0] |
		"\(.Role) \(.Owner) \(.Imported | length)"')" = "reader node1 2" ]; then
	e2e_pass status_shows_sharing
else
	e2e_fail status_shows_sharing "$(head -c 300 "$SHARED/fleet.json" 2>&1);\
 $(e2e_node_ctl 2 --json status | jq -c .SharedTargets)"
fi

# 2. requests through the router reach the instances by both nodes (ECMP spreads them)
routed_twice() {
	[ "$(ip -n "$XLB_LAB_ROUTER_NS" -j route show "$VIP/32" 2>/dev/null |
		jq '[.[] | if .nexthops then (.nexthops | length) else 1 end] | add // 0')" = 2 ]
}
e2e_wait 30 routed_twice || e2e_log "the VIP has not two paths at the router"
new_flows() { # node
	nsenter --net="/run/netns/${XLB_LAB_LB_NS_ALL[$1 - 1]}" "$XLB_DP" --pin-dir "$E2E_PIN_DIR-$1" \
		stats --json 2>/dev/null |
		jq --arg a "$VIP" '[.services[] | select(.address == $a) | .new_flows] | add // 0'
}
b1=$(new_flows 1) b2=$(new_flows 2)
e2e_http_batch c1 "http://$VIP/whoami" 40 "$E2E_TMP/spread.out" 31000
ok=$(awk '$1 == 200' "$E2E_TMP/spread.out" | wc -l)
n1=$(($(new_flows 1) - b1)) n2=$(($(new_flows 2) - b2))
if [ "$ok" = 40 ] && [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]; then
	e2e_pass requests_through_both_nodes
	e2e_log "40 of 40 answered: node1 $n1 new flows, node2 $n2; $(e2e_spread "$E2E_TMP/spread.out")"
else
	e2e_fail requests_through_both_nodes "$ok of 40 answered; new flows node1 $n1, node2 $n2"
fi

# 3. a file that is not JSON: node 2 keeps what it has
cp "$SHARED/fleet.json" "$E2E_TMP/fleet.good"
echo '{"Node": "node1", "Targets": [' >"$SHARED/fleet.json.bad" && mv "$SHARED/fleet.json.bad" "$SHARED/fleet.json"
sleep 3
if [ "$(healthy 2 | grep -c .)" = 2 ]; then
	e2e_pass broken_file_changes_nothing
else
	e2e_fail broken_file_changes_nothing "node2 healthy: $(healthy 2 | tr '\n' ' ')"
fi

# 4. scaled in on node 1: node 2 deregisters the instance that left (node 1 rewrites its file
# when its InService set changes, the broken one included)
e2e_node_ctl 1 set-desired-capacity --auto-scaling-group-name shared --desired-capacity 1 >/dev/null 2>&1
if e2e_wait 40 same_on_both 1; then
	e2e_pass scale_in_reaches_node2
	grep 'shared targets: .*deregistered' "$E2E_TMP/xlbd2.log" | tail -1 | e2e_indent
else
	e2e_fail scale_in_reaches_node2 "node1 InService: $(in_service | tr '\n' ' ');\
 healthy on node1: $(healthy 1 | tr '\n' ' '), node2: $(healthy 2 | tr '\n' ' ')"
fi

# 5. the group gone from node 1's file: its instances end, node 2 takes every shared target out
write_config 1 0
e2e_node_ctl 1 reload >/dev/null 2>&1
none_left() {
	[ "$(e2e_node_ctl 2 --json describe-target-health --target-group-arn fleet 2>/dev/null |
		jq '.TargetHealthDescriptions | length')" = 0 ]
}
if e2e_wait 40 none_left; then
	e2e_pass group_gone_targets_gone
else
	e2e_fail group_gone_targets_gone "$(e2e_node_ctl 2 describe-target-health --target-group-arn fleet 2>&1 |
		head -5)"
fi

if [ "$e2e_nfail" -gt 0 ]; then
	for ((k = 1; k <= NODES; k++)); do
		e2e_log "xlbd$k's log:"
		tail -30 "$E2E_TMP/xlbd$k.log" | e2e_indent
	done
fi
e2e_summary

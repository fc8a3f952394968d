// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Advice passes over a loaded model: UserData that cannot work in an instance, listeners whose
 * address family no target can take, and the other warnings that need the whole file.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "../bpf/xlb_shared.h"
#include "asg.h"
#include "cfg_internal.h"
#include "launcher.h"

/* The file offset of byte `at` of a JSON string's decoded text, the string starting (its quote)
 * at off. \uXXXX counts as the bytes of its UTF-8 (a surrogate pair as one code point).
 */
static size_t cfg_str_offset(const char *t, size_t n, size_t off, size_t at)
{
	size_t i = off + 1, d = 0;

	while (i < n && t[i] != '"' && d < at) {
		if (t[i] != '\\') {
			i++;
			d++;
		} else if (i + 1 < n && t[i + 1] == 'u' && i + 5 < n) {
			unsigned long cp = strtoul(
				(char[5]){ t[i + 2], t[i + 3], t[i + 4], t[i + 5], 0 }, NULL, 16);

			d += cp < 0x80 ? 1 : cp < 0x800 ? 2 : (cp >= 0xd800 && cp < 0xdc00) ? 4 : 3;
			i += (cp >= 0xd800 && cp < 0xdc00) ? 12 : 6;
		} else {
			i += 2;
			d++;
		}
	}
	return i < n ? i : off;
}

/* Commands that cannot work in an instance, and what does. */
static const char *const cfg_pkg_cmds[] = { "apt",    "apt-get", "aptitude", "yum",  "dnf",
					    "zypper", "apk",	 "pacman",   "snap", NULL };
static const char *const cfg_svc_cmds[] = { "systemctl", "service",	"rc-service", "initctl",
					    "chkconfig", "update-rc.d", "rc-update",  NULL };

static bool cfg_word_in(const char *w, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == len && !strncmp(w, *list, len))
			return true;
	return false;
}

/* UserData that installs packages or starts services through an init system: said with the
 * line and column (in the file where the script is a plain string, else at the UserData with
 * the script's line), and what works instead. Only words in a command's place count: the
 * first of a line or after ; & | ( `, past sudo, env, exec, nohup and VAR=value.
 */
void cfg_user_data_advice(struct cfg *c, const char *s, size_t len, bool base64)
{
	struct cfg_loc loc;
	char path[256], msg[CONFIG_MSG_LEN];
	size_t i = 0, line = 1, nwarn = 0;
	bool cmd_pos = true, comment = false;

	cfg_in(c, "UserData");
	loc = cfg_locate(c->text, c->len, c->path, c->depth, false);
	cfg_path_format(c->path, c->depth, path, sizeof(path));
	while (i < len && nwarn < 4) {
		char ch = s[i];
		size_t w, wl;
		const char *base;

		if (ch == '\n') {
			line++;
			cmd_pos = true;
			comment = false;
			i++;
			continue;
		}
		if (comment || ch == ' ' || ch == '\t') {
			i++;
			continue;
		}
		if (ch == '#' && cmd_pos) {
			comment = true;
			continue;
		}
		if (strchr(";&|(`", ch)) {
			cmd_pos = true;
			i++;
			continue;
		}
		for (w = i; i < len && s[i] && !strchr(" \t\r\n;&|()`", s[i]); i++)
			;
		wl = i - w;
		if (!wl) {
			i++; /* a ')' or a NUL: nothing starts here */
			continue;
		}
		if (!cmd_pos)
			continue;
		/* a word in a command's place: the command, or a prefix before it */
		if ((wl == 4 && !strncmp(s + w, "sudo", 4)) ||
		    (wl == 3 && !strncmp(s + w, "env", 3)) ||
		    (wl == 4 && !strncmp(s + w, "exec", 4)) ||
		    (wl == 5 && !strncmp(s + w, "nohup", 5)) ||
		    (wl == 4 && !strncmp(s + w, "then", 4)) ||
		    (wl == 2 && !strncmp(s + w, "do", 2)) || memchr(s + w, '=', wl))
			continue;
		cmd_pos = false;
		for (base = s + i; base > s + w && base[-1] != '/'; base--)
			;
		wl = (size_t)(s + i - base);
		if (cfg_word_in(base, wl, cfg_pkg_cmds))
			snprintf(
				msg, sizeof(msg),
				"line %zu of the script runs %.*s: packages cannot be installed in an "
				"instance (it reaches only the load balancer, and what it writes goes "
				"with it); use an image that already holds the server (ImageId mapped "
				"in Xlb.Images, or the host's own files) and start it from UserData",
				line, (int)wl, base);
		else if (cfg_word_in(base, wl, cfg_svc_cmds))
			snprintf(
				msg, sizeof(msg),
				"line %zu of the script runs %.*s: an instance has no init system, so "
				"no service starts through it; start the server from UserData itself, "
				"in the foreground as its last command (exec nginx -g 'daemon off;')",
				line, (int)wl, base);
		else
			continue;
		nwarn++;
		cfg_emit_at(c, false,
			    base64 || !loc.exact ?
				    loc.off :
				    cfg_str_offset(c->text, c->len, loc.off, (size_t)(base - s)),
			    path, msg);
	}
	cfg_out(c);
}

/* Where a path this file wrote ("$.LoadBalancers[0].Listeners[1]") starts in the text. */
static size_t cfg_where_off(struct cfg *c, const char *where)
{
	struct cfg_comp p[CFG_DEPTH];
	char keys[CFG_DEPTH][64];
	const char *s = where;
	char *end;
	int d = 0;

	if (*s == '$')
		s++;
	while (*s && d < CFG_DEPTH) {
		if (*s == '.') {
			size_t n = strcspn(++s, ".[");

			cfg_cpy(keys[d], n + 1 < sizeof(keys[d]) ? n + 1 : sizeof(keys[d]), s);
			p[d].key = keys[d];
			s += n;
		} else if (*s == '[') {
			p[d].key = NULL;
			p[d].idx = strtoul(s + 1, &end, 10);
			s = end + (*end == ']');
		} else {
			break;
		}
		d++;
	}
	return cfg_locate(c->text, c->len, p, d, false).off;
}

/* The datapath rewrites addresses in place and translates no family into the other: an address
 * of a listener whose target groups hold targets of the other family only has no backend.
 * Target groups that take a group's instances are cfg_advise_group_families' to judge.
 */
static void cfg_advise_families(struct cfg *c, const struct model_lb *lb)
{
	char addr[64], msg[CONFIG_MSG_LEN];
	size_t i, j, k, f;

	for (i = 0; i < lb->nlisteners; i++) {
		const struct model_listener *l = &lb->listeners[i];

		for (j = 0; j < lb->naddrs; j++) {
			int fam = lb->addrs[j].family;
			bool found = false, other = false, group = false;

			for (f = 0; f < l->nfwd; f++) {
				const struct model_tg *tg = l->fwd[f].tg;

				for (k = 0; k < tg->ntargets; k++) {
					found |= tg->targets[k].addr.family == fam;
					other |= tg->targets[k].addr.family != fam;
				}
				group |= model_tg_group(c->m, tg) != NULL;
			}
			if (found || group || !other)
				continue;
			cfg_addr_str(&lb->addrs[j], addr, sizeof(addr));
			snprintf(
				msg, sizeof(msg),
				"%s gets no backend on port %u: the target groups of this listener have no %s target, and the datapath does not translate between IPv4 and IPv6",
				addr, l->port, fam == AF_INET ? "IPv4" : "IPv6");
			cfg_emit_at(c, false, cfg_where_off(c, l->where), l->where, msg);
		}
	}
}

/* A group holds ASG_INSTANCES_MAX instances and the host LAUNCHER_SLOTS_MAX in all (one
 * address block each): DesiredCapacity or MaxSize past them are not reached.
 */
static void cfg_advise_capacity(struct cfg *c)
{
	struct model *m = c->m;
	uint32_t all_max = 0, all_desired = 0;
	bool said_max = false, said_desired = false;
	size_t i;

	for (i = 0; i < m->nasgs; i++) {
		const struct model_asg *a = &m->asgs[i];

		if (!a->name)
			continue;
		/* what can run: each group stops at ASG_INSTANCES_MAX anyway */
		all_max += a->max_size < ASG_INSTANCES_MAX ? a->max_size : ASG_INSTANCES_MAX;
		all_desired += a->desired < ASG_INSTANCES_MAX ? a->desired : ASG_INSTANCES_MAX;
		cfg_in(c, "AutoScalingGroups");
		cfg_at(c, i);
		if (a->desired > ASG_INSTANCES_MAX) {
			cfg_in(c, a->desired_given ? "DesiredCapacity" : "MinSize");
			cfg_warn(
				c,
				"%s %u is more than a group holds here: %d instances (ASG_INSTANCES_MAX); group %s stops at %d",
				a->desired_given ? "DesiredCapacity" : "MinSize", a->desired,
				ASG_INSTANCES_MAX, a->name, ASG_INSTANCES_MAX);
			cfg_out(c);
		}
		if (a->max_size > ASG_INSTANCES_MAX) {
			cfg_in(c, "MaxSize");
			cfg_warn(
				c,
				"MaxSize %u is more than a group holds here: %d instances (ASG_INSTANCES_MAX); scaling stops at %d",
				a->max_size, ASG_INSTANCES_MAX, ASG_INSTANCES_MAX);
			cfg_out(c);
		}
		if (!said_desired && all_desired > LAUNCHER_SLOTS_MAX) {
			said_desired = true;
			cfg_in(c, a->desired_given ? "DesiredCapacity" : "MinSize");
			cfg_warn(
				c,
				"the groups' desired capacities add up to %u here (each at most %d), more than the %d instances this host runs at once (LAUNCHER_SLOTS_MAX): the launches past it fail",
				all_desired, ASG_INSTANCES_MAX, LAUNCHER_SLOTS_MAX);
			cfg_out(c);
		} else if (!said_max && all_max > LAUNCHER_SLOTS_MAX) {
			said_max = true;
			cfg_in(c, "MaxSize");
			cfg_warn(
				c,
				"the groups' MaxSize add up to %u here (each at most %d), more than the %d instances this host runs at once (LAUNCHER_SLOTS_MAX): scaling out past it fails",
				all_max, ASG_INSTANCES_MAX, LAUNCHER_SLOTS_MAX);
			cfg_out(c);
		}
		cfg_out(c);
		cfg_out(c);
	}
}

/* Whether one of the listener's forward actions sends to tg. */
static bool cfg_forwards_to(const struct model_listener *l, const struct model_tg *tg)
{
	size_t f;

	for (f = 0; f < l->nfwd; f++)
		if (l->fwd[f].tg == tg)
			return true;
	return false;
}

/* Groups whose instances get no traffic, are not replaced when unhealthy, or run nothing. */
static void cfg_advise_groups(struct cfg *c)
{
	struct model *m = c->m;
	size_t i;

	for (i = 0; i < m->nasgs; i++) {
		const struct model_asg *a = &m->asgs[i];

		if (!a->name)
			continue;
		cfg_in(c, "AutoScalingGroups");
		cfg_at(c, i);
		if (!a->ntgs)
			cfg_warn(
				c,
				"group %s is attached to no target group: it launches instances that get no traffic. Attach it with TargetGroupARNs, an Attachments entry or xlbctl attach-load-balancer-target-groups",
				a->name);
		else if (a->hc_type == MODEL_ASG_HC_EC2)
			cfg_warn(
				c,
				"HealthCheckType is EC2: an instance that fails the target group's health checks gets no traffic but is not replaced; set \"HealthCheckType\": \"ELB\" to replace it");
		if (a->launch && !a->launch->user_data_len)
			cfg_warn(
				c,
				"the instances of group %s have no UserData: nothing starts in them, so nothing answers",
				a->name);
		cfg_out(c);
		cfg_out(c);
	}
}

/* Target groups that no listener forwards to, or that have nothing to forward to. */
static void cfg_advise_target_groups(struct cfg *c)
{
	struct model *m = c->m;
	size_t i, j, k;

	for (i = 0; i < m->ntgs; i++) {
		const struct model_tg *tg = &m->tgs[i];
		const struct model_asg *feeder = model_tg_group(m, tg);
		const char *group = feeder ? feeder->name : NULL;
		bool used = false;

		if (!tg->name)
			continue;
		for (j = 0; j < m->nlbs; j++)
			for (k = 0; k < m->lbs[j].nlisteners; k++)
				used |= cfg_forwards_to(&m->lbs[j].listeners[k], tg);
		cfg_in(c, "TargetGroups");
		cfg_at(c, i);
		if (!used && group)
			cfg_warn(
				c,
				"no listener forwards to target group %s: the instances of group %s get no traffic",
				tg->name, group);
		else if (!used)
			cfg_warn(
				c,
				"no listener forwards to target group %s: its targets get no traffic",
				tg->name);
		else if (!group && !tg->ntargets && !m->settings.cluster.shared_dir[0])
			cfg_warn(
				c,
				"target group %s has no targets: list Targets or attach an auto-scaling group, else its listeners have nowhere to send traffic",
				tg->name);
		cfg_out(c);
		cfg_out(c);
	}
}

/* A backend's (address, port) lists its nat services in one xlb_nat_src entry of
 * XLB_NAT_SRC_VIPS: count a target group's (listener x address) of each family.
 */
static void cfg_advise_nat_sources(struct cfg *c)
{
	struct model *m = c->m;
	size_t i;

	for (i = 0; i < m->ntgs; i++) {
		size_t n4 = 0, n6 = 0;

		for (size_t j = 0; j < m->nlbs; j++)
			for (size_t k = 0; k < m->lbs[j].nlisteners; k++) {
				const struct model_listener *l = &m->lbs[j].listeners[k];

				if (!cfg_forwards_to(l, &m->tgs[i]) || l->mode != MODEL_MODE_NAT)
					continue;
				for (size_t a = 0; a < m->lbs[j].naddrs; a++) {
					n4 += m->lbs[j].addrs[a].family == AF_INET;
					n6 += m->lbs[j].addrs[a].family == AF_INET6;
				}
			}
		if (n4 <= XLB_NAT_SRC_VIPS && n6 <= XLB_NAT_SRC_VIPS)
			continue;
		cfg_in(c, "TargetGroups");
		cfg_at(c, i);
		cfg_error(
			c,
			"expected at most %d nat services (listener x address, per family) forwarding to target group %s, got %zu: the datapath keeps %d for each backend port",
			XLB_NAT_SRC_VIPS, m->tgs[i].name, n4 > n6 ? n4 : n6, XLB_NAT_SRC_VIPS);
		cfg_out(c);
		cfg_out(c);
	}
}

/* Load balancers with listeners but no address. */
static void cfg_advise_addresses(struct cfg *c)
{
	struct model *m = c->m;
	size_t i;

	for (i = 0; i < m->nlbs; i++) {
		const struct model_lb *lb = &m->lbs[i];

		if (!lb->name || !lb->nlisteners || lb->naddrs)
			continue;
		if (lb->implicit) {
			cfg_in(c, "Listeners");
			cfg_warn(
				c,
				"these listeners belong to load balancer \"%s\" (the file has none), which has no address: they receive nothing until a LoadBalancers entry gives XlbAddresses",
				lb->name);
		} else {
			cfg_in(c, "LoadBalancers");
			cfg_at(c, i);
			cfg_warn(
				c,
				"load balancer %s has no address: its listeners receive nothing until XlbAddresses is set",
				lb->name);
			cfg_out(c);
		}
		cfg_out(c);
	}
}

/* Fields the loader keeps (cfg_*.c's kept lists) that change nothing here, and why: each one
 * present in the file is warned about. Identity and read-back fields (ARNs, names, Tags of a
 * target group or a load balancer, CreatedTime, Status...) are not: they ask for no behaviour.
 * Neither are the fields being built (LifecycleHookSpecificationList, WarmPoolConfiguration,
 * slow start, stickiness by source_ip, the two algorithms, connection termination).
 */
struct cfg_kept_rule {
	const char *key, *why;
};

#define CFG_NO_HOST "an instance is a sandboxed process on this host, not a virtual machine"
#define CFG_NO_ZONES "one host: there are no availability zones or subnets here"
#define CFG_NO_TLS "xlb balances at layer 4 and terminates no TLS"

/* Both launch configurations and launch templates' LaunchTemplateData keep these. */
static const struct cfg_kept_rule cfg_kept_launch[] = {
	{ "KeyName", "there is no SSH key pair to install (" CFG_NO_HOST ")" },
	{ "SecurityGroups",
	  "there are no security groups: an instance's namespace reaches only the load balancer" },
	{ "IamInstanceProfile", "there is no IAM: instances get no role credentials" },
	{ "EbsOptimized", "there is no EBS (" CFG_NO_HOST ")" },
	{ "BlockDeviceMappings",
	  "there are no block devices: an instance's root is its image, an overlay of a directory (" CFG_NO_HOST
	  ")" },
	{ "MetadataOptions", "there is no instance metadata service here" },
	{ "KernelId", "instances run on the host's kernel" },
	{ "RamdiskId", "instances run on the host's kernel" },
	{ NULL, NULL },
};

static const struct cfg_kept_rule cfg_kept_lc[] = {
	{ "ClassicLinkVPCId", "there is no EC2-Classic or VPC here" },
	{ "ClassicLinkVPCSecurityGroups", "there is no EC2-Classic or VPC here" },
	{ "InstanceMonitoring",
	  "xlb measures every instance each MetricsIntervalSeconds whatever this says" },
	{ "SpotPrice", "there is no Spot market: instances are never interrupted" },
	{ "AssociatePublicIpAddress", "instances get addresses from Xlb.InstanceAddressPool only" },
	{ "PlacementTenancy", "every instance shares this host" },
	{ NULL, NULL },
};

static const struct cfg_kept_rule cfg_kept_ltd[] = {
	{ "SecurityGroupIds",
	  "there are no security groups: an instance's namespace reaches only the load balancer" },
	{ "NetworkInterfaces",
	  "an instance gets one interface, addressed from Xlb.InstanceAddressPool" },
	{ "TagSpecifications", "instances carry only the group's tags (PropagateAtLaunch)" },
	{ "Monitoring",
	  "xlb measures every instance each MetricsIntervalSeconds whatever this says" },
	{ "InstanceMarketOptions", "there is no Spot market: instances are never interrupted" },
	{ "Placement", "every instance shares this host" },
	{ "CreditSpecification",
	  "CPU credits are not modelled: a burstable type gets its baseline share" },
	{ "CpuOptions", "an instance's CPU quota comes from InstanceType alone" },
	{ "DisableApiTermination", "xlbctl and the group terminate any instance" },
	{ "DisableApiStop", "instances have no stopped state here" },
	{ "InstanceInitiatedShutdownBehavior", "instances have no stopped state here" },
	{ "PrivateDnsNameOptions", "instances get no DNS names" },
	{ "MaintenanceOptions", "there is no host maintenance to recover from" },
	{ "CapacityReservationSpecification", "there are no capacity reservations" },
	{ "HibernationOptions", "instances have no stopped state here" },
	{ "EnclaveOptions", "there are no Nitro enclaves" },
	{ "LicenseSpecifications", "there is no License Manager" },
	{ "ElasticGpuSpecifications", "there are no accelerators (" CFG_NO_HOST ")" },
	{ "ElasticInferenceAccelerators", "there are no accelerators (" CFG_NO_HOST ")" },
	{ "InstanceRequirements", "the instance type is InstanceType alone" },
	{ "NetworkPerformanceOptions", "an instance's link is a veth with no bandwidth class" },
	{ NULL, NULL },
};

static const struct cfg_kept_rule cfg_kept_asg[] = {
	{ "AvailabilityZones", CFG_NO_ZONES },
	{ "VPCZoneIdentifier", CFG_NO_ZONES },
	{ "AvailabilityZoneDistribution", CFG_NO_ZONES },
	{ "AvailabilityZoneImpairmentPolicy", CFG_NO_ZONES },
	{ "SkipZonalShiftValidation", CFG_NO_ZONES },
	{ "LoadBalancerNames",
	  "there are no Classic Load Balancers: attach target groups (TargetGroupARNs)" },
	{ "TrafficSources",
	  "traffic sources are not read: attach target groups with TargetGroupARNs" },
	{ "PlacementGroup", "every instance shares this host" },
	{ "ServiceLinkedRoleARN", "there is no IAM" },
	{ "CapacityRebalance", "there are no Spot instances to rebalance" },
	{ "DesiredCapacityType", "capacity is counted in instances only" },
	{ "InstanceMaintenancePolicy", "replacements follow no healthy-percentage bounds here" },
	{ "SuspendedProcesses", "read back only: no process is suspended by the file" },
	{ "EnabledMetrics",
	  "the group's metrics are always measured (xlbctl get-metric-statistics)" },
	{ "CapacityReservationSpecification", "there are no capacity reservations" },
	{ NULL, NULL },
};

static const struct cfg_kept_rule cfg_kept_tg[] = {
	{ "ProtocolVersion",
	  "xlb forwards connections at layer 4, whatever HTTP version they carry" },
	{ "IpAddressType",
	  "a target group takes targets of either family; the VIP's family chooses" },
	{ NULL, NULL },
};

static const struct cfg_kept_rule cfg_kept_lb[] = {
	{ "Subnets", CFG_NO_ZONES ": the addresses are XlbAddresses" },
	{ "AvailabilityZones", CFG_NO_ZONES ": the addresses are XlbAddresses" },
	{ "SecurityGroups",
	  "there are no security groups: XlbInterfaces say where clients come from" },
	{ "Scheme",
	  "internet-facing or internal depends on where XlbAddresses are reachable from" },
	{ "IpAddressType", "the families are those of XlbAddresses" },
	{ "CustomerOwnedIpv4Pool", "there are no Outposts: the addresses are XlbAddresses" },
	{ "LoadBalancerAttributes",
	  "no load balancer attribute is read (idle timeouts, access logs, cross-zone, deletion protection...)" },
	{ "EnablePrefixForIpv6SourceNat",
	  "nat rewrites the destination only: there is no source nat" },
	{ NULL, NULL },
};

static const struct cfg_kept_rule cfg_kept_subnet[] = {
	{ "AllocationId",
	  "there are no Elastic IPs: the address is PrivateIPv4Address or IPv6Address" },
	{ "SourceNatIpv6Prefix", "nat rewrites the destination only: there is no source nat" },
	{ NULL, NULL },
};

static const struct cfg_kept_rule cfg_kept_listener[] = {
	{ "Certificates", CFG_NO_TLS },
	{ "SslPolicy", CFG_NO_TLS },
	{ "AlpnPolicy", CFG_NO_TLS },
	{ "MutualAuthentication", CFG_NO_TLS },
	{ NULL, NULL },
};

static const struct cfg_kept_rule cfg_kept_forward[] = {
	{ "TargetGroupStickinessConfig",
	  "a flow stays on its target for its life; nothing keeps a client on one target group across flows" },
	{ NULL, NULL },
};

static const struct cfg_kept_rule cfg_kept_alarm[] = {
	{ "OKActions",
	  "only AlarmActions that name scaling policies run; there are no notifications" },
	{ "InsufficientDataActions",
	  "only AlarmActions that name scaling policies run; there are no notifications" },
	{ "Unit", "each metric has one unit here (see the plan), whatever this says" },
	{ "EvaluateLowSampleCountPercentile",
	  "percentiles are not supported, so this never applies" },
	{ NULL, NULL },
};

static const struct {
	const char *pattern; /* a path from the top, "[]" for each element of an array */
	const struct cfg_kept_rule *rules, *more;
} cfg_kept_places[] = {
	{ "LaunchConfigurations[]", cfg_kept_launch, cfg_kept_lc },
	{ "LaunchTemplates[].LaunchTemplateData", cfg_kept_launch, cfg_kept_ltd },
	{ "TargetGroups[]", cfg_kept_tg },
	{ "LoadBalancers[]", cfg_kept_lb },
	{ "LoadBalancers[].SubnetMappings[]", cfg_kept_subnet },
	{ "LoadBalancers[].Listeners[]", cfg_kept_listener },
	{ "LoadBalancers[].Listeners[].DefaultActions[].ForwardConfig", cfg_kept_forward },
	{ "Listeners[]", cfg_kept_listener },
	{ "Listeners[].DefaultActions[].ForwardConfig", cfg_kept_forward },
	{ "AutoScalingGroups[]", cfg_kept_asg },
	{ "MetricAlarms[]", cfg_kept_alarm },
};

/* A target group attribute that changes nothing here, and why; NULL when it works (or is being
 * built: slow start, stickiness by source_ip, the two algorithms, connection termination).
 */
static const char *cfg_attr_no_effect(const char *k, const char *v)
{
	static const struct cfg_kept_rule prefixes[] = {
		{ "stickiness.lb_cookie.", "cookies mean nothing to a layer-4 balancer" },
		{ "stickiness.app_cookie.", "cookies mean nothing to a layer-4 balancer" },
		{ "load_balancing.cross_zone.", CFG_NO_ZONES },
		{ "load_balancing.algorithm.anomaly_mitigation", "there is no anomaly mitigation" },
		{ "proxy_protocol_v2.", "the datapath adds no PROXY protocol header" },
		{ "preserve_client_ip.", "the datapath never rewrites the client's address" },
		{ "target_group_health.",
		  "there is no DNS failover or unhealthy-target threshold" },
		{ "target_health_state.", "connections to an unhealthy target are not closed" },
		{ "lambda.", "there are no Lambda targets" },
		{ "target_failover.", "target failover is for gateway load balancers" },
		{ NULL, NULL },
	};
	size_t i;

	if (!strcmp(k, "stickiness.type"))
		return v && strcmp(v, "source_ip") ?
			       "only source_ip stickiness exists here: cookies mean nothing to a layer-4 balancer" :
			       NULL;
	if (!strcmp(k, "load_balancing.algorithm.type"))
		return v && strcmp(v, "round_robin") && strcmp(v, "least_outstanding_requests") ?
			       "the algorithms here are round_robin and least_outstanding_requests" :
			       NULL;
	for (i = 0; prefixes[i].key; i++)
		if (!strncmp(k, prefixes[i].key, strlen(prefixes[i].key)))
			return v && !strcmp(v, "false") ? NULL : prefixes[i].why;
	return NULL;
}

static void cfg_kept_attrs(struct cfg *c, struct json_object *arr)
{
	size_t i;

	if (!json_object_is_type(arr, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *a = json_object_array_get_idx(arr, i), *k, *v;
		const char *why;

		if (!json_object_is_type(a, json_type_object) ||
		    !json_object_object_get_ex(a, "Key", &k) ||
		    !json_object_is_type(k, json_type_string))
			continue;
		v = NULL;
		json_object_object_get_ex(a, "Value", &v);
		why = cfg_attr_no_effect(json_object_get_string(k),
					 v ? json_object_get_string(v) : NULL);
		if (!why)
			continue;
		cfg_at(c, i);
		cfg_in(c, "Key");
		cfg_warn(c, "%s: accepted, has no effect here: %s", json_object_get_string(k), why);
		cfg_out(c);
		cfg_out(c);
	}
}

/* The objects at pattern under o, each checked against rules. */
static void cfg_kept_walk(struct cfg *c, struct json_object *o, const char *pattern,
			  const struct cfg_kept_rule *rules, const struct cfg_kept_rule *more)
{
	char key[64];
	struct json_object *v;
	size_t n = strcspn(pattern, ".["), i;
	bool each = pattern[n] == '[';
	const char *rest = pattern + n + (each ? 2 : 0);

	if (!*pattern) {
		if (!json_object_is_type(o, json_type_object))
			return;
		json_object_object_foreach(o, k, val)
		{
			(void)val;
			const struct cfg_kept_rule *r = NULL;

			for (i = 0; rules[i].key && !r; i++)
				r = strcmp(rules[i].key, k) ? NULL : &rules[i];
			for (i = 0; more && more[i].key && !r; i++)
				r = strcmp(more[i].key, k) ? NULL : &more[i];
			if (!r)
				continue;
			cfg_in(c, k);
			cfg_warn_key(c, "accepted, has no effect here: %s", r->why);
			cfg_out(c);
		}
		return;
	}
	if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
		return;
	memcpy(key, pattern, n);
	key[n] = '\0';
	if (*rest == '.')
		rest++;
	if (!json_object_object_get_ex(o, key, &v))
		return;
	cfg_in(c, key);
	if (!each) {
		cfg_kept_walk(c, v, rest, rules, more);
	} else if (json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v); i++) {
			cfg_at(c, i);
			cfg_kept_walk(c, json_object_array_get_idx(v, i), rest, rules, more);
			cfg_out(c);
		}
	}
	cfg_out(c);
}

/* Kept fields present in the file that have no effect here: one warning each, at its key. */
static void cfg_advise_kept(struct cfg *c)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *top, *tgs, *v;
	size_t bom = c->len >= 3 && !memcmp(c->text, "\xef\xbb\xbf", 3) ? 3 : 0, i, k;

	if (!tok)
		return;
	top = json_tokener_parse_ex(tok, c->text + bom, (int)(c->len - bom) + 1);
	json_tokener_free(tok);
	if (!top)
		return;
	for (i = 0; i < sizeof(cfg_kept_places) / sizeof(cfg_kept_places[0]); i++)
		cfg_kept_walk(c, top, cfg_kept_places[i].pattern, cfg_kept_places[i].rules,
			      cfg_kept_places[i].more);
	if (json_object_object_get_ex(top, "TargetGroups", &tgs) &&
	    json_object_is_type(tgs, json_type_array)) {
		cfg_in(c, "TargetGroups");
		for (i = 0; i < json_object_array_length(tgs); i++) {
			static const char *const keys[] = { "Attributes", "TargetGroupAttributes" };

			cfg_at(c, i);
			for (k = 0; k < 2; k++) {
				if (!json_object_object_get_ex(json_object_array_get_idx(tgs, i),
							       keys[k], &v))
					continue;
				cfg_in(c, keys[k]);
				cfg_kept_attrs(c, v);
				cfg_out(c);
			}
			cfg_out(c);
		}
		cfg_out(c);
	}
	json_object_put(top);
}

/* The name of the group whose instances target group tg takes, NULL when none does. */
static const char *cfg_tg_group(const struct model *m, const struct model_tg *tg)
{
	const struct model_asg *g = model_tg_group(m, tg);

	return g ? g->name : NULL;
}

/* A group's instances are registered in a target group by one address, of the family its
 * IpAddressType says (ipv4 unless ipv6); the datapath translates no family into the other. So
 * a listener address that none of its target groups has a target of its family for (static,
 * or a group's) gets nothing, and an ipv6 target group needs instances with an IPv6 address
 * (Xlb.InstanceAddressPool6).
 */
static void cfg_advise_group_families(struct cfg *c)
{
	const struct model *m = c->m;
	char addr[64], msg[CONFIG_MSG_LEN];
	size_t i, j, k, f, t;

	for (i = 0; i < m->nlbs; i++) {
		const struct model_lb *lb = &m->lbs[i];

		for (j = 0; j < lb->nlisteners; j++) {
			const struct model_listener *l = &lb->listeners[j];

			for (k = 0; k < lb->naddrs; k++) {
				const struct model_tg *dyn = NULL;
				const char *group = NULL;
				bool found = false;

				for (f = 0; f < l->nfwd; f++) {
					const struct model_tg *tg = l->fwd[f].tg;
					const char *g = cfg_tg_group(m, tg);

					for (t = 0; t < tg->ntargets; t++)
						found |= tg->targets[t].addr.family ==
							 lb->addrs[k].family;
					if (g &&
					    (tg->ipv6 ? AF_INET6 : AF_INET) == lb->addrs[k].family)
						found = true;
					if (g && !dyn) {
						dyn = tg;
						group = g;
					}
				}
				if (found || !dyn)
					continue;
				snprintf(
					msg, sizeof(msg),
					"%s gets no instance of group %s on port %u: target group %s registers instances by their %s address (IpAddressType %s) and the datapath does not translate between IPv4 and IPv6; forward this address to a target group with IpAddressType %s",
					cfg_addr_str(&lb->addrs[k], addr, sizeof(addr)), group,
					l->port, dyn->name, dyn->ipv6 ? "IPv6" : "IPv4",
					dyn->ipv6 ? "ipv6" : "ipv4", dyn->ipv6 ? "ipv4" : "ipv6");
				cfg_emit_at(c, false, cfg_where_off(c, l->where), l->where, msg);
			}
		}
	}
	for (i = 0; i < m->ntgs && !m->settings.has_pool6; i++) {
		const char *group = cfg_tg_group(m, &m->tgs[i]);

		if (!m->tgs[i].ipv6 || !group)
			continue;
		cfg_in(c, "TargetGroups");
		cfg_at(c, i);
		cfg_warn(
			c,
			"target group %s (IpAddressType ipv6) takes the instances of group %s, which get no IPv6 address without Xlb.InstanceAddressPool6: they are registered by their IPv4 address and its IPv6 listeners get none",
			m->tgs[i].name, group);
		cfg_out(c);
		cfg_out(c);
	}
}

/* Warnings about a file that is valid but probably not what its author wants. */
void cfg_advise(struct cfg *c)
{
	size_t i;

	cfg_advise_groups(c);
	cfg_advise_target_groups(c);
	for (i = 0; i < c->m->nlbs; i++)
		cfg_advise_families(c, &c->m->lbs[i]);
	cfg_advise_nat_sources(c);
	cfg_advise_addresses(c);
	cfg_advise_capacity(c);
	cfg_advise_kept(c);
	cfg_advise_group_families(c);
}

/* Warnings on the text itself: what json-c accepts but AWS's tools and strict JSON do not. */
void cfg_lint(struct cfg *c)
{
	const char *t = c->text;
	size_t n = c->len, i = 0, last = SIZE_MAX;
	bool quote_warned = false;
	char path[256];

	while (i < n) {
		size_t j = cfg_scan_ws(t, n, i);

		if (j != i) {
			i = j;
			continue;
		}
		if ((t[i] == ']' || t[i] == '}') && last != SIZE_MAX && t[last] == ',') {
			cfg_path_at(t, n, last, path, sizeof(path));
			cfg_emit_at(c, false, last, path,
				    "trailing comma, accepted (AWS's tools reject it)");
		}
		last = i;
		if (t[i] == '"' || t[i] == '\'') {
			if (t[i] == '\'' && !quote_warned) {
				cfg_path_at(t, n, i, path, sizeof(path));
				cfg_emit_at(
					c, false, i, path,
					"single-quoted string, accepted (JSON and AWS's tools want double quotes)");
				quote_warned = true;
			}
			i = cfg_scan_string(t, n, i);
		} else {
			i++;
		}
	}
}

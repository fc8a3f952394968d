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
#include "cfg_internal.h"

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

/* The datapath rewrites addresses in place and translates no family into the other: an IPv6
 * address of a listener whose target groups hold only IPv4 targets has no backend.
 */
static void cfg_advise_families(struct cfg *c, const struct model_lb *lb)
{
	char addr[64], msg[CONFIG_MSG_LEN];
	size_t i, j, k, f;

	for (i = 0; i < lb->nlisteners; i++) {
		const struct model_listener *l = &lb->listeners[i];

		for (j = 0; j < lb->naddrs; j++) {
			bool found = false, other = false, dynamic = false;

			for (f = 0; f < l->nfwd; f++) {
				const struct model_tg *tg = l->fwd[f].tg;

				for (k = 0; k < tg->ntargets; k++) {
					found |= tg->targets[k].addr.family == lb->addrs[j].family;
					other |= tg->targets[k].addr.family != lb->addrs[j].family;
				}
				for (k = 0; k < c->m->nasgs; k++)
					for (size_t t = 0; t < c->m->asgs[k].ntgs; t++)
						dynamic |= c->m->asgs[k].tgs[t] == tg;
			}
			if (found || dynamic || !other)
				continue;
			snprintf(
				msg, sizeof(msg),
				"%s gets no backend on port %u: the target groups of this listener have no %s target, and the datapath does not translate between IPv4 and IPv6",
				cfg_addr_str(&lb->addrs[j], addr, sizeof(addr)), l->port,
				lb->addrs[j].family == AF_INET ? "IPv4" : "IPv6");
			cfg_emit_at(c, false, cfg_where_off(c, l->where), l->where, msg);
		}
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
		const char *group = NULL;
		bool used = false;

		if (!tg->name)
			continue;
		for (j = 0; j < m->nlbs; j++)
			for (k = 0; k < m->lbs[j].nlisteners; k++)
				used |= cfg_forwards_to(&m->lbs[j].listeners[k], tg);
		for (j = 0; j < m->nasgs && !group; j++)
			for (k = 0; k < m->asgs[j].ntgs; k++)
				if (m->asgs[j].tgs[k] == tg)
					group = m->asgs[j].name;
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
		else if (!group && !tg->ntargets)
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

/* The group whose instances target group tg takes, NULL when none does. */
static const char *cfg_tg_group(const struct model *m, const struct model_tg *tg)
{
	size_t g, t;

	for (g = 0; g < m->nasgs; g++)
		for (t = 0; t < m->asgs[g].ntgs; t++)
			if (m->asgs[g].tgs[t] == tg)
				return m->asgs[g].name;
	return NULL;
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

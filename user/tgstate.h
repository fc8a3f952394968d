/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Target group attributes and health check settings changed at run time
 * (modify-target-group-attributes, modify-target-group), kept across a restart of xlbd in
 * RUN_DIR/target-groups/NAME, one file a target group: a target group is one object however
 * many listeners and auto-scaling groups share it, so its name is the key. The file is a
 * statefile (statefile.h): each setting beside what the configuration file said of it when it
 * was set, so that a restarted xlbd keeps only those whose file value has not changed since,
 * as a reload does.
 */
#ifndef XLB_TGSTATE_H
#define XLB_TGSTATE_H

struct ctl;
struct model;

/* Writes the runtime settings of target group tg, or removes its file when it has none. */
void tgstate_save(const char *run_dir, struct ctl *ctl, const char *tg);
/* tgstate_save for every target group of m (after a reload, which may have dropped some). */
void tgstate_save_all(const char *run_dir, struct ctl *ctl, const struct model *m);
/* At start, after the first ctl_apply: each target group of m gets back what its file holds.
 * A file that is not whole, or one setting of which does not read, is reported and ignored
 * whole.
 */
void tgstate_restore(const char *run_dir, struct ctl *ctl, const struct model *m);

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* `xlbctl doctor`: looks at this machine and the interfaces xlb is to run on, and says for each
 * trap (LAB-NOTES) what it found and the fix: kernel, BTF, bpffs, per interface the XDP modes
 * and what stands in native mode's way, sysctls, cgroup controllers. --fix applies the fixes
 * that change nothing but what xlb needs. Works in the namespace it runs in.
 */
#ifndef XLB_DOCTOR_H
#define XLB_DOCTOR_H

/* The whole verb: argv as xlbctl got it ("doctor" and global options among the words).
 * Returns the exit code: 0 nothing failed, 1 a check failed, 2 usage.
 */
int doctor_main(int argc, char **argv);

#endif /* XLB_DOCTOR_H */

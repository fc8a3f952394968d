/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xlbd's state files: runtime changes kept across a restart (an auto-scaling group's in
 * RUN_DIR/groups/NAME, a target group's in RUN_DIR/target-groups/NAME). One format for all:
 * a first line naming the format, KEY=value lines, and a last line "end=" with the FNV-1a 64
 * checksum of everything before it. A file is written whole to NAME.tmp, synced and renamed, so
 * a reader finds the old file or the new one; one that is truncated, edited or garbled is
 * reported once and ignored whole.
 */
#ifndef XLB_STATEFILE_H
#define XLB_STATEFILE_H

#include <stddef.h>
#include <stdint.h>

#define STATEFILE_FNV_INIT 0xcbf29ce484222325ULL

/* FNV-1a, 64 bits, of n bytes at p, continuing h (STATEFILE_FNV_INIT to start). */
uint64_t statefile_fnv(uint64_t h, const void *p, size_t n);

/* Writes text (len bytes, its first line the format's, every line ending in '\n') and its
 * end line to path, through path.tmp. what names the owner in the warning a failure logs
 * ("auto-scaling group web"). 0 or a negative errno.
 */
int statefile_save(const char *path, const char *text, size_t len, const char *what);

/* The text of the file at path without its end line, NUL-terminated, for the caller to free:
 * NULL when there is no file, or when it is not whole or its first line is not magic (then a
 * warning naming what, the path and why is logged: the file is ignored whole).
 */
char *statefile_load(const char *path, const char *magic, const char *what);

/* The next "KEY=value" line of a text from statefile_load, cut in place: *key and *value point
 * into it and *cursor moves past it (start with *cursor at the text). 1 for a line, 0 at the
 * end, -EINVAL for a line without '='.
 */
int statefile_next(char **cursor, char **key, char **value);

#endif

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The state files (statefile.h): a file written is read back as written; one truncated at any
 * byte, edited in one byte, or of another format is refused whole; the lines split as the
 * readers expect. Files in a fresh directory under TMPDIR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "statefile.h"

#define MAGIC "xlb-test-state 1"

static char dir[256];

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = malloc(4096);

	*len = f && buf ? fread(buf, 1, 4095, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

static bool spill(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "we");
	bool ok = f && fwrite(buf, 1, len, f) == len;

	if (f)
		ok = !fclose(f) && ok;
	return ok;
}

/* Saved, then loaded: the same text without the end line; no .tmp left behind. */
static bool round_trip(void)
{
	static const char text[] = MAGIC "\nmin=1\nset={\"Key\":\"a=b\"}\n";
	char path[300], tmp[310], *got = NULL;
	bool ok = false;

	path_of(path, sizeof(path), "rt");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ENSURE_INT(statefile_save(path, text, strlen(text), "test"), ==, 0);
	ENSURE(access(tmp, F_OK) != 0, "%s left behind", tmp);
	got = statefile_load(path, MAGIC, "test");
	ENSURE(got != NULL);
	ENSURE_STR(got, text);
	ok = true;
out:
	free(got);
	return ok;
}

/* Every truncation of a good file, and every single-byte edit of its body, is refused. */
static bool truncated_or_edited(void)
{
	static const char text[] = MAGIC "\nmin=1\nmax=3\n";
	char path[300], *file = NULL, *got;
	size_t len = 0, cut, tried = 0;
	bool ok = false;

	path_of(path, sizeof(path), "cut");
	ENSURE_INT(statefile_save(path, text, strlen(text), "test"), ==, 0);
	file = slurp(path, &len);
	ENSURE_INT(len, ==, strlen(text) + 21);
	for (cut = 0; cut < len; cut++) {
		ENSURE(spill(path, file, cut));
		got = statefile_load(path, MAGIC, "test");
		ENSURE(got == NULL, "a file cut at %zu of %zu bytes was read", cut, len);
		tried++;
	}
	for (cut = strlen(MAGIC) + 1; cut < strlen(text); cut++) {
		file[cut] ^= 0x01;
		ENSURE(spill(path, file, len));
		got = statefile_load(path, MAGIC, "test");
		file[cut] ^= 0x01;
		ENSURE(got == NULL, "a file with byte %zu changed was read", cut);
		tried++;
	}
	/* and the whole file still reads: the refusals were for the damage */
	ENSURE(spill(path, file, len));
	got = statefile_load(path, MAGIC, "test");
	ENSURE(got != NULL);
	free(got);
	ENSURE_INT(tried, >, 40);
	ok = true;
out:
	free(file);
	return ok;
}

/* Another format's first line, and no file at all: NULL. */
static bool other_magic_or_none(void)
{
	static const char text[] = "xlb-test-state 2\nmin=1\n";
	char path[300];

	path_of(path, sizeof(path), "magic");
	CHECK_INT(statefile_save(path, text, strlen(text), "test"), ==, 0);
	CHECK(statefile_load(path, MAGIC, "test") == NULL);
	/* a magic that is only a prefix of the first line is another format too */
	CHECK(statefile_load(path, "xlb-test-state", "test") == NULL);
	path_of(path, sizeof(path), "none");
	CHECK(statefile_load(path, MAGIC, "test") == NULL);
	return true;
}

/* KEY=value lines, the value keeping any '=' after the first; a line without '=' is an error. */
static bool lines(void)
{
	char text[] = "a=1\nb=x=y\nc=\n", bad[] = "a=1\nnothing\n";
	char *cur = text, *k, *v;

	CHECK_INT(statefile_next(&cur, &k, &v), ==, 1);
	CHECK_STR(k, "a");
	CHECK_STR(v, "1");
	CHECK_INT(statefile_next(&cur, &k, &v), ==, 1);
	CHECK_STR(k, "b");
	CHECK_STR(v, "x=y");
	CHECK_INT(statefile_next(&cur, &k, &v), ==, 1);
	CHECK_STR(k, "c");
	CHECK_STR(v, "");
	CHECK_INT(statefile_next(&cur, &k, &v), ==, 0);
	cur = bad;
	CHECK_INT(statefile_next(&cur, &k, &v), ==, 1);
	CHECK_INT(statefile_next(&cur, &k, &v), ==, -EINVAL);
	return true;
}

int main(void)
{
	const char *t = getenv("TMPDIR");
	char cmd[300];
	int rc;

	snprintf(dir, sizeof(dir), "%s/xlb-statefile-XXXXXX", t && t[0] ? t : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(round_trip);
	RUN(truncated_or_edited);
	RUN(other_magic_or_none);
	RUN(lines);
	rc = check_summary();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return rc;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The checksummed state files (statefile.h): written whole and renamed, read back only when
 * whole. The fleet's group state and the target groups' runtime attributes both use them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "statefile.h"

/* the end line: "end=" and 16 hex digits and '\n' */
#define STATEFILE_END_LEN 21

uint64_t statefile_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int statefile_save(const char *path, const char *text, size_t len, const char *what)
{
	char tmp[4200];
	FILE *file;
	bool ok;
	int err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	file = fopen(tmp, "we");
	if (!file) {
		err = -errno;
		log_warn("%s: cannot save its state in %s: %s", what, tmp, strerror(-err));
		return err;
	}
	fwrite(text, 1, len, file);
	fprintf(file, "end=%016" PRIx64 "\n", statefile_fnv(STATEFILE_FNV_INIT, text, len));
	ok = fflush(file) == 0 && fsync(fileno(file)) == 0;
	if (!ok)
		err = -errno;
	if (fclose(file) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		log_warn("%s: cannot save its state in %s: %s", what, path, strerror(-err));
		unlink(tmp);
	}
	return err;
}

char *statefile_load(const char *path, const char *magic, const char *what)
{
	size_t mlen = strlen(magic), got = 0;
	char *text = NULL, *end;
	const char *why = NULL;
	struct stat st;
	uint64_t want;
	FILE *file;

	file = fopen(path, "re");
	if (!file)
		return NULL;
	if (fstat(fileno(file), &st) || st.st_size > (1 << 24)) {
		why = "too large";
		goto bad;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		goto bad;
	got = fread(text, 1, (size_t)st.st_size, file);
	text[got] = '\0';
	if (strncmp(text, magic, mlen) || text[mlen] != '\n') {
		why = "not a state file of this xlbd (its first line)";
		goto bad;
	}
	end = got >= STATEFILE_END_LEN ? text + got - STATEFILE_END_LEN : NULL;
	if (!end || end <= text + mlen || end[-1] != '\n' || strncmp(end, "end=", 4) ||
	    text[got - 1] != '\n') {
		why = "truncated: no end line";
		goto bad;
	}
	want = strtoull(end + 4, NULL, 16);
	if (want != statefile_fnv(STATEFILE_FNV_INIT, text, (size_t)(end - text))) {
		why = "its checksum does not match";
		goto bad;
	}
	*end = '\0';
	fclose(file);
	return text;
bad:
	log_warn("%s: state file %s ignored (%s): the configuration's values are used", what, path,
		 why ? why : strerror(errno));
	free(text);
	fclose(file);
	return NULL;
}

int statefile_next(char **cursor, char **key, char **value)
{
	char *line = *cursor, *next, *eq;

	if (!line || !*line)
		return 0;
	next = strchr(line, '\n');
	if (next)
		*next++ = '\0';
	*cursor = next;
	eq = strchr(line, '=');
	if (!eq)
		return -EINVAL;
	*eq = '\0';
	*key = line;
	*value = eq + 1;
	return 1;
}

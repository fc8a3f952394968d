// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* libFuzzer target for the configuration loader: any bytes go through config_load_buffer (the
 * json-c parse, the position finder, every check) and, when they load, through the plan printer.
 * Seeds: the JSON files of tests/unit/config and examples; `make fuzz` builds it (see Makefile).
 */
#include <stdint.h>
#include <stdio.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct config_error err;
	struct model *m = NULL;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (config_load_buffer("fuzz.json", (const char *)data, size, &m, &err) == 0) {
		if (sink)
			config_plan_print(m, sink);
		model_free(m);
	}
	return 0;
}

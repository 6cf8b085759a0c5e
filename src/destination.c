/*
 * destination.c — what every destination driver may use from destination.h.
 */
#include "destination.h"

#include <string.h>

const char *sl_dest_setting_get(const sl_dest_options *options, const char *key)
{
	for (size_t i = 0; options && i < options->nsettings; i++)
		if (strcmp(options->settings[i].key, key) == 0)
			return options->settings[i].value;
	return NULL;
}

/* The proplet's credentials and options from Zephyr settings (NVS), CONTRACT.md §2.2. */
#ifndef PROPLET_CREDENTIALS_H
#define PROPLET_CREDENTIALS_H

#include "core/proplet_settings.h"

/* Loads every `proplet/<key>` stored in flash into `out` (defaults for absent options). */
int credentials_load(proplet_settings *out);

#endif

#include "wasm_rules.h"

#include <string.h>

#define WASM_HEADER_BYTES 8
#define SECTION_START 8

/* Unsigned LEB128 of at most 32 bits at *pos; false when it runs past `len` or is too long. */
static bool read_u32(const uint8_t *wasm, size_t len, size_t *pos, uint32_t *out)
{
	uint32_t value = 0;

	for (unsigned shift = 0; shift < 35; shift += 7) {
		if (*pos >= len) {
			return false;
		}
		uint8_t byte = wasm[(*pos)++];

		value |= (uint32_t)(byte & 0x7f) << shift;
		if ((byte & 0x80) == 0) {
			*out = value;
			return true;
		}
	}
	return false;
}

bool wasm_has_start_section(const uint8_t *wasm, size_t len)
{
	size_t pos = WASM_HEADER_BYTES;

	if (wasm == NULL || len < WASM_HEADER_BYTES) {
		return false;
	}
	while (pos < len) {
		uint8_t id = wasm[pos++];
		uint32_t size;

		if (!read_u32(wasm, len, &pos, &size) || size > len - pos) {
			return false;
		}
		if (id == SECTION_START) {
			return true;
		}
		pos += size;
	}
	return false;
}

bool wasm_import_accepted(wasm_rules_import_kind kind, bool linked, const char *module_name,
			  const char *name)
{
	switch (kind) {
	case WASM_RULES_IMPORT_FUNC:
		return linked;
	case WASM_RULES_IMPORT_MEMORY:
		return module_name != NULL && name != NULL && strcmp(module_name, "env") == 0 &&
		       strcmp(name, "memory") == 0;
	default:
		return false;
	}
}

#include "check.h"
#include "wasm_rules.h"

#define HEADER 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

int main(void)
{
	/* (module (func $s) (start $s)): type, function, start (id 8), code. */
	static const uint8_t with_start[] = {HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
					     0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00,
					     0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
	/* The same without its start section. */
	static const uint8_t without_start[] = {HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
						0x03, 0x02, 0x01, 0x00, 0x0a, 0x04, 0x01,
						0x02, 0x00, 0x0b};
	/* A custom section whose bytes hold 0x08 must not be taken for a start section. */
	static const uint8_t custom_eight[] = {HEADER, 0x00, 0x03, 0x01, 0x78, 0x08};
	/* A section size that runs past the end: not walked any further. */
	static const uint8_t cut[] = {HEADER, 0x01, 0x7f, 0x01, 0x08, 0x01, 0x00};

	CHECK(wasm_has_start_section(with_start, sizeof(with_start)));
	CHECK(!wasm_has_start_section(without_start, sizeof(without_start)));
	CHECK(!wasm_has_start_section(custom_eight, sizeof(custom_eight)));
	CHECK(!wasm_has_start_section(cut, sizeof(cut)));
	CHECK(!wasm_has_start_section(with_start, 4));
	CHECK(!wasm_has_start_section(NULL, 0));
	/* Cut after the start section's id (no size), then inside its body, then just after it. */
	CHECK(!wasm_has_start_section(with_start, 19));
	CHECK(!wasm_has_start_section(with_start, 20));
	CHECK(wasm_has_start_section(with_start, 21));

	CHECK(wasm_import_accepted(WASM_RULES_IMPORT_FUNC, true, "env", "proplet_log"));
	CHECK(!wasm_import_accepted(WASM_RULES_IMPORT_FUNC, false, "env", "no_such_function"));
	CHECK(wasm_import_accepted(WASM_RULES_IMPORT_MEMORY, false, "env", "memory"));
	CHECK(!wasm_import_accepted(WASM_RULES_IMPORT_MEMORY, false, "env", "mem"));
	CHECK(!wasm_import_accepted(WASM_RULES_IMPORT_MEMORY, false, "wasi", "memory"));
	CHECK(!wasm_import_accepted(WASM_RULES_IMPORT_TABLE, true, "env", "table"));
	CHECK(!wasm_import_accepted(WASM_RULES_IMPORT_GLOBAL, true, "env", "g"));
	CHECK_DONE();
}

/*
 * What the firmware accepts of a module beyond what WAMR checks (CONTRACT.md §4.1): no start
 * function, and imports that are either a registered host function or `env.memory`.
 */
#ifndef PROPLET_CORE_WASM_RULES_H
#define PROPLET_CORE_WASM_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kinds of an import, as the WebAssembly binary numbers them. */
typedef enum {
	WASM_RULES_IMPORT_FUNC = 0,
	WASM_RULES_IMPORT_TABLE = 1,
	WASM_RULES_IMPORT_MEMORY = 2,
	WASM_RULES_IMPORT_GLOBAL = 3,
} wasm_rules_import_kind;

/*
 * True when the module has a start section. WAMR runs a start function inside
 * wasm_runtime_instantiate, before the firmware holds the instance, so neither a stop nor the
 * watchdog could end one that never returns: such modules are refused. Reads only section
 * headers; a module too short or malformed to walk counts as having none (WAMR's loader
 * reports it).
 */
bool wasm_has_start_section(const uint8_t *wasm, size_t len);

/*
 * True when the import may stay: a function WAMR linked to a host function, or the memory
 * `env.memory`, which WAMR makes itself from the declared limits. Anything else is an unknown
 * import.
 */
bool wasm_import_accepted(wasm_rules_import_kind kind, bool linked, const char *module_name,
			  const char *name);

#endif

/*
 * Error texts of CONTRACT.md §4.2 that the proplet composes itself. WAMR's own texts
 * (`WASM module load failed: …`, `WASM module instantiate failed: …`, `Exception: …`) are
 * passed through unchanged.
 */
#ifndef PROPLET_CORE_TASK_ERRORS_H
#define PROPLET_CORE_TASK_ERRORS_H

#define ERR_MAIN_NOT_FOUND "WASM function main not found"
#define ERR_MAIN_ARITY "WASM function main expects %u inputs, got %u"
#define ERR_UNKNOWN_IMPORT "WASM module instantiate failed: unknown import %s.%s"
/* WAMR would run it inside instantiation, where no stop or watchdog reaches it (§4.1). */
#define ERR_START_FUNCTION "WASM module instantiate failed: start function not supported"
/* wasm_runtime_create_exec_env returned NULL: the pool, or THREAD_MGR refusing an aux stack
 * under 1280 bytes. */
#define ERR_EXEC_ENV "WASM module instantiate failed: allocate memory failed"
#define ERR_MAIN_RESULT_TYPE "WASM function main returns a non-i32 result"
#define ERR_MAIN_RESULTS_MAX "WASM function main returns more than 16 values"
#define ERR_THREAD_ENV "WASM runtime thread environment init failed"
#define ERR_ID_RUNNING "invalid task: id %s is running"
#define ERR_NO_SLOT "invalid task: no free task slot"
#define ERR_BAD_MODULE_DATA "invalid task: bad base64 in file"
/* Message of the trap raised by proplet_input; WAMR prefixes `Exception: `. */
#define ERR_INPUT_RANGE "input index out of range"

#endif

#include "wasm_handler.h"

#include <stdio.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>

#include <wasm_export.h>

#include "core/events.h"
#include "core/limits.h"
#include "core/messages.h"
#include "core/outbox.h"
#include "core/task_codec.h"
#include "core/task_errors.h"
#include "core/task_table.h"
#include "core/topics.h"
#include "core/wasm_rules.h"
#include "mqtt_client.h"
#include "task_log.h"

LOG_MODULE_REGISTER(wasm, LOG_LEVEL_INF);

#if defined(WASM_GLOBAL_HEAP_SIZE) && WASM_GLOBAL_HEAP_SIZE != HEAP_POOL_BYTES
#error "WAMR_BUILD_GLOBAL_HEAP_SIZE must equal HEAP_POOL_BYTES (CONTRACT.md §1)"
#endif

/* Native stack of a task thread: WAMR's interpreter recurses on it per WASM call level and
 * reports `native stack overflow` before it runs out. */
#define TASK_THREAD_STACK_BYTES 8192
/* Below the MQTT thread (main, priority 0), so a busy task never starves the connection. */
#define TASK_THREAD_PRIORITY 5
#define MAX_MAIN_RESULTS 16
#define WAMR_ERROR_BYTES 128

/* Every WASM allocation (module, instance, stacks, linear memory, app heap) comes from here. */
static char global_heap_buf[HEAP_POOL_BYTES] __aligned(8);

/* What one slot's thread works on. `inst` is shared with the MQTT thread (stop, watchdog)
 * under `inst_lock`; everything else belongs to the thread while it runs. Host functions find
 * their task by the thread they run on, which is known before WAMR runs any of the module's
 * code (custom data could only be set once wasm_runtime_instantiate had returned). */
struct slot_runtime {
	/* AOT modules must be 4-byte aligned; WAMR may also patch the buffer while loaded. */
	uint8_t wasm[MAX_WASM_BYTES] __aligned(4);
	size_t wasm_len;
	char id[MAX_ID_BYTES + 1];
	int32_t inputs[MAX_INPUTS];
	uint32_t n_inputs;
	uint32_t stack_bytes;
	uint32_t heap_bytes;
	wasm_module_inst_t inst;
	bool results_set;
	char results[MAX_RESULTS_TEXT_BYTES + 1];
	bool failed;
	char error[MAX_ERROR_TEXT_BYTES + 1];
	struct k_thread thread;
};

static struct slot_runtime runtime[TASK_SLOTS];
K_THREAD_STACK_ARRAY_DEFINE(task_stacks, TASK_SLOTS, TASK_THREAD_STACK_BYTES);
K_MSGQ_DEFINE(done_queue, sizeof(int), TASK_SLOTS, 4);
/* A mutex, not a spinlock: wasm_runtime_terminate takes WAMR's own locks. */
K_MUTEX_DEFINE(inst_lock);

static task_table table;
static uint32_t task_timeout_ms = TASK_TIMEOUT_MS;

/* Start messages waiting for the registry's module, keyed by image_url. */
static struct {
	bool used;
	task_start task;
} fetches[TASK_SLOTS];

/* Decoded modules land here first; the slot is known only after every check passed. */
static uint8_t decode_buf[MAX_WASM_BYTES];

/* used + free is the pool's usable size, WAMR's `total_size`: the pool less the allocator's
 * own header (40744 of 40960 bytes on a 32-bit build), as CONTRACT.md §4.5 defines it. */
static void log_heap(void)
{
	mem_alloc_info_t info;

	if (wasm_runtime_get_mem_alloc_info(&info)) {
		LOG_INF(EVT_HEAP, info.total_size - info.total_free_size, info.total_free_size,
			info.highmark_size);
	}
}

static void publish_result(const char *id, const char *results, const char *error)
{
	char payload[OUTBOX_PAYLOAD_BYTES];

	if (msg_result(payload, sizeof(payload), id, results, error)) {
		mqtt_client_enqueue(OUT_RESULTS, payload, strlen(payload));
	}
}

static void reject(const task_rejection *rej)
{
	LOG_ERR(EVT_TASK_REJECTED, rej->id_known ? rej->id : EVT_NO_ID, rej->reason);
	if (rej->id_known && rej->error[0] != '\0') {
		publish_result(rej->id, "", rej->error);
	}
}

static struct slot_runtime *runtime_of(wasm_exec_env_t exec_env)
{
	k_tid_t self = k_current_get();

	ARG_UNUSED(exec_env);
	for (size_t i = 0; i < TASK_SLOTS; i++) {
		if (&runtime[i].thread == self) {
			return &runtime[i];
		}
	}
	/* WASM runs only on task threads. */
	__ASSERT(false, "host function called outside a task thread");
	return &runtime[0];
}

/* Host functions of CONTRACT.md §4.1, imported from module `env`. The `*~` signatures make
 * WAMR check that [ptr, ptr+len) lies in the instance's memory before we see it. */
static void host_proplet_log(wasm_exec_env_t exec_env, const char *text, uint32_t len)
{
	struct slot_runtime *rt = runtime_of(exec_env);
	char line[MAX_LOG_TEXT_BYTES + 1];
	size_t n = len < MAX_LOG_TEXT_BYTES ? len : MAX_LOG_TEXT_BYTES;

	memcpy(line, text, n);
	line[n] = '\0';
	/* One task.log event is one console line. */
	for (size_t i = 0; i < n; i++) {
		if (line[i] == '\r' || line[i] == '\n') {
			line[i] = ' ';
		}
	}
	task_log_emit(rt->id, line);
}

static int32_t host_proplet_input_count(wasm_exec_env_t exec_env)
{
	return (int32_t)runtime_of(exec_env)->n_inputs;
}

static int32_t host_proplet_input(wasm_exec_env_t exec_env, int32_t index)
{
	struct slot_runtime *rt = runtime_of(exec_env);

	if (index < 0 || (uint32_t)index >= rt->n_inputs) {
		wasm_runtime_set_exception(wasm_runtime_get_module_inst(exec_env), ERR_INPUT_RANGE);
		return 0;
	}
	return rt->inputs[index];
}

static void host_publish_results(wasm_exec_env_t exec_env, const char *text, uint32_t len)
{
	struct slot_runtime *rt = runtime_of(exec_env);
	size_t n = len < MAX_RESULTS_TEXT_BYTES ? len : MAX_RESULTS_TEXT_BYTES;

	memcpy(rt->results, text, n);
	rt->results[n] = '\0';
	rt->results_set = true;
}

static NativeSymbol host_symbols[] = {
	{"proplet_log", host_proplet_log, "(*~)", NULL},
	{"proplet_input_count", host_proplet_input_count, "()i", NULL},
	{"proplet_input", host_proplet_input, "(i)i", NULL},
	{"publish_results", host_publish_results, "(*~)", NULL},
};

static void fail(struct slot_runtime *rt, const char *error)
{
	rt->failed = true;
	snprintf(rt->error, sizeof(rt->error), "%s", error);
}

/* WAMR links imports lazily and would only trap when one is called; the contract wants an
 * unresolved import to fail the instantiation, naming it. `env.memory` WAMR makes itself. */
static bool imports_resolved(wasm_module_t module, struct slot_runtime *rt)
{
	int32_t count = wasm_runtime_get_import_count(module);

	for (int32_t i = 0; i < count; i++) {
		wasm_import_t import;
		wasm_rules_import_kind kind = WASM_RULES_IMPORT_GLOBAL;

		wasm_runtime_get_import_type(module, i, &import);
		switch (import.kind) {
		case WASM_IMPORT_EXPORT_KIND_FUNC:
			kind = WASM_RULES_IMPORT_FUNC;
			break;
		case WASM_IMPORT_EXPORT_KIND_TABLE:
			kind = WASM_RULES_IMPORT_TABLE;
			break;
		case WASM_IMPORT_EXPORT_KIND_MEMORY:
			kind = WASM_RULES_IMPORT_MEMORY;
			break;
		default:
			break;
		}
		if (!wasm_import_accepted(kind, import.linked, import.module_name, import.name)) {
			char error[MAX_ERROR_TEXT_BYTES + 1];

			snprintf(error, sizeof(error), ERR_UNKNOWN_IMPORT, import.module_name,
				 import.name);
			fail(rt, error);
			return false;
		}
	}
	return true;
}

static void call_main(struct slot_runtime *rt, wasm_module_inst_t inst, wasm_exec_env_t env)
{
	wasm_function_inst_t main_fn = wasm_runtime_lookup_function(inst, "main");

	if (main_fn == NULL) {
		fail(rt, ERR_MAIN_NOT_FOUND);
		return;
	}
	uint32_t n_params = wasm_func_get_param_count(main_fn, inst);
	uint32_t n_results = wasm_func_get_result_count(main_fn, inst);
	wasm_valkind_t param_kinds[MAX_INPUTS];
	wasm_valkind_t result_kinds[MAX_MAIN_RESULTS];
	bool all_i32 = n_params <= MAX_INPUTS;

	if (all_i32) {
		wasm_func_get_param_types(main_fn, inst, param_kinds);
		for (uint32_t i = 0; i < n_params; i++) {
			all_i32 = all_i32 && param_kinds[i] == WASM_I32;
		}
	}
	if (!all_i32 || (n_params != 0 && n_params != rt->n_inputs)) {
		char error[MAX_ERROR_TEXT_BYTES + 1];

		snprintf(error, sizeof(error), ERR_MAIN_ARITY, (unsigned)n_params,
			 (unsigned)rt->n_inputs);
		fail(rt, error);
		return;
	}
	if (n_results > MAX_MAIN_RESULTS) {
		fail(rt, ERR_MAIN_RESULTS_MAX);
		return;
	}
	wasm_func_get_result_types(main_fn, inst, result_kinds);
	for (uint32_t i = 0; i < n_results; i++) {
		/* Results are i32 text (§4.1); dropping the others would hide them. */
		if (result_kinds[i] != WASM_I32) {
			fail(rt, ERR_MAIN_RESULT_TYPE);
			return;
		}
	}

	wasm_val_t args[MAX_INPUTS];
	wasm_val_t results[MAX_MAIN_RESULTS];

	for (uint32_t i = 0; i < n_params; i++) {
		args[i].kind = WASM_I32;
		args[i].of.i32 = rt->inputs[i];
	}
	if (!wasm_runtime_call_wasm_a(env, main_fn, n_results, results, n_params, args)) {
		const char *exception = wasm_runtime_get_exception(inst);

		fail(rt, exception != NULL ? exception : "Exception: unknown");
		return;
	}
	if (!rt->results_set) {
		int32_t values[MAX_MAIN_RESULTS];

		for (uint32_t i = 0; i < n_results; i++) {
			values[i] = results[i].of.i32;
		}
		format_results_csv(values, n_results, rt->results, sizeof(rt->results));
	}
}

/* Load, instantiate, run, free: everything of one task, in its own thread. */
static void task_main(void *p1, void *p2, void *p3)
{
	ARG_UNUSED(p2);
	ARG_UNUSED(p3);
	int slot = (int)(intptr_t)p1;
	struct slot_runtime *rt = &runtime[slot];
	char error[WAMR_ERROR_BYTES];
	wasm_module_t module = NULL;
	wasm_module_inst_t inst = NULL;
	wasm_exec_env_t env = NULL;

	if (!wasm_runtime_init_thread_env()) {
		fail(rt, ERR_THREAD_ENV);
		k_msgq_put(&done_queue, &slot, K_FOREVER);
		return;
	}
	/* Read before loading: the loader may rewrite the buffer it was given. */
	bool has_start = wasm_has_start_section(rt->wasm, rt->wasm_len);

	module = wasm_runtime_load(rt->wasm, rt->wasm_len, error, sizeof(error));
	if (module == NULL) {
		fail(rt, error);
		goto done;
	}
	if (!imports_resolved(module, rt)) {
		goto done;
	}
	if (has_start) {
		fail(rt, ERR_START_FUNCTION);
		goto done;
	}
	inst = wasm_runtime_instantiate(module, rt->stack_bytes, rt->heap_bytes, error,
					sizeof(error));
	if (inst == NULL) {
		fail(rt, error);
		goto done;
	}
	env = wasm_runtime_create_exec_env(inst, rt->stack_bytes);
	if (env == NULL) {
		fail(rt, ERR_EXEC_ENV);
		goto done;
	}

	k_mutex_lock(&inst_lock, K_FOREVER);
	bool stop_early = table.slot[slot].stop_requested;

	rt->inst = inst;
	k_mutex_unlock(&inst_lock);
	if (stop_early) {
		fail(rt, "Exception: terminated by user");
	} else {
		call_main(rt, inst, env);
	}

	k_mutex_lock(&inst_lock, K_FOREVER);
	rt->inst = NULL;
	k_mutex_unlock(&inst_lock);
done:
	if (env != NULL) {
		wasm_runtime_destroy_exec_env(env);
	}
	if (inst != NULL) {
		wasm_runtime_deinstantiate(inst);
	}
	if (module != NULL) {
		wasm_runtime_unload(module);
	}
	wasm_runtime_destroy_thread_env();
	k_msgq_put(&done_queue, &slot, K_FOREVER);
}

static void terminate_slot(int slot)
{
	k_mutex_lock(&inst_lock, K_FOREVER);
	table.slot[slot].stop_requested = true;
	if (runtime[slot].inst != NULL) {
		wasm_runtime_terminate(runtime[slot].inst);
	}
	k_mutex_unlock(&inst_lock);
}

/* Takes a slot for a task whose module is in `wasm` and starts its thread. */
static void run_task(const task_start *task, const uint8_t *wasm)
{
	char error[REJECT_REASON_BYTES];
	int slot = task_table_claim(&table, task->id, k_uptime_get_32(), error, sizeof(error));

	if (slot < 0) {
		task_rejection rej = {.id_known = true};

		snprintf(rej.id, sizeof(rej.id), "%s", task->id);
		snprintf(rej.reason, sizeof(rej.reason), "%s", error);
		snprintf(rej.error, sizeof(rej.error), "%s", error);
		reject(&rej);
		return;
	}
	struct slot_runtime *rt = &runtime[slot];

	memcpy(rt->wasm, wasm, task->wasm_len);
	rt->wasm_len = task->wasm_len;
	memcpy(rt->id, task->id, sizeof(rt->id));
	memcpy(rt->inputs, task->inputs, sizeof(rt->inputs));
	rt->n_inputs = task->n_inputs;
	rt->stack_bytes = task->stack_bytes;
	rt->heap_bytes = task->heap_bytes;
	rt->inst = NULL;
	rt->results_set = false;
	rt->results[0] = '\0';
	rt->failed = false;
	rt->error[0] = '\0';

	LOG_INF(EVT_TASK_STARTED, task->id, (unsigned)slot);
	k_thread_create(&rt->thread, task_stacks[slot], K_THREAD_STACK_SIZEOF(task_stacks[slot]),
			task_main, (void *)(intptr_t)slot, NULL, NULL, TASK_THREAD_PRIORITY, 0,
			K_NO_WAIT);
	k_thread_name_set(&rt->thread, "wasm_task");
}

int wasm_handler_init(void)
{
	RuntimeInitArgs args;

	memset(&args, 0, sizeof(args));
	args.mem_alloc_type = Alloc_With_Pool;
	args.mem_alloc_option.pool.heap_buf = global_heap_buf;
	args.mem_alloc_option.pool.heap_size = sizeof(global_heap_buf);
	args.native_module_name = "env";
	args.native_symbols = host_symbols;
	args.n_native_symbols = ARRAY_SIZE(host_symbols);
	if (!wasm_runtime_full_init(&args)) {
		return -ENOMEM;
	}
	task_table_init(&table);
	LOG_INF(EVT_WASM_READY, (unsigned)HEAP_POOL_BYTES, (unsigned)TASK_SLOTS);
	log_heap();
	return 0;
}

void wasm_handler_set_timeout(uint32_t timeout_ms)
{
	task_timeout_ms = timeout_ms;
}

void wasm_handler_on_start(const char *payload, size_t len)
{
	task_start task;
	task_rejection rej;

	if (!task_decode_start(payload, len, decode_buf, sizeof(decode_buf), &task, &rej)) {
		reject(&rej);
		return;
	}
	LOG_INF(EVT_TASK_RECEIVED, task.id, task.name, (unsigned)task.wasm_len,
		(unsigned)task.n_inputs);
	if (!task.fetch) {
		run_task(&task, decode_buf);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fetches); i++) {
		if (!fetches[i].used) {
			char request[OUTBOX_PAYLOAD_BYTES];

			fetches[i].used = true;
			fetches[i].task = task;
			if (msg_fetch(request, sizeof(request), task.image_url)) {
				mqtt_client_enqueue(OUT_FETCH, request, strlen(request));
			}
			return;
		}
	}
	task_rejection busy = {.id_known = true};

	snprintf(busy.id, sizeof(busy.id), "%s", task.id);
	snprintf(busy.reason, sizeof(busy.reason), "%s", ERR_NO_SLOT);
	snprintf(busy.error, sizeof(busy.error), "%s", ERR_NO_SLOT);
	reject(&busy);
}

bool wasm_handler_on_registry(const char *payload, size_t len)
{
	registry_answer answer;

	if (!task_decode_registry(payload, len, decode_buf, sizeof(decode_buf), &answer)) {
		return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fetches); i++) {
		if (fetches[i].used && strcmp(fetches[i].task.image_url, answer.app_name) == 0) {
			fetches[i].used = false;
			fetches[i].task.wasm_len = answer.wasm_len;
			run_task(&fetches[i].task, decode_buf);
			return true;
		}
	}
	return false;
}

void wasm_handler_on_stop(const char *payload, size_t len)
{
	char id[MAX_ID_BYTES + 1];
	task_rejection rej;

	if (!task_decode_stop(payload, len, id, &rej)) {
		reject(&rej);
		return;
	}
	int slot = task_table_find(&table, id);

	if (slot < 0) {
		task_rejection unknown = {.id_known = true};

		snprintf(unknown.id, sizeof(unknown.id), "%s", id);
		snprintf(unknown.reason, sizeof(unknown.reason), "unknown task");
		reject(&unknown);
		return;
	}
	LOG_INF(EVT_TASK_STOPPED, id);
	terminate_slot(slot);
}

void wasm_handler_on_oversize(size_t len)
{
	task_rejection rej;

	task_reject_oversize(len, &rej);
	reject(&rej);
}

void wasm_handler_poll(void)
{
	int slot;

	while (k_msgq_get(&done_queue, &slot, K_NO_WAIT) == 0) {
		struct slot_runtime *rt = &runtime[slot];

		k_thread_join(&rt->thread, K_FOREVER);
		if (rt->failed) {
			LOG_ERR(EVT_TASK_FAILED, rt->id, rt->error);
			publish_result(rt->id, "", rt->error);
		} else {
			LOG_INF(EVT_TASK_FINISHED, rt->id, rt->results);
			publish_result(rt->id, rt->results, NULL);
		}
		mqtt_client_task_ended(rt->id, k_uptime_get_32() - table.slot[slot].started_ms);
		task_table_release(&table, slot, !rt->failed);
		log_heap();
	}

	slot = task_table_overdue(&table, k_uptime_get_32(), task_timeout_ms);
	if (slot >= 0) {
		table.slot[slot].watchdog_fired = true;
		LOG_ERR(EVT_TASK_WATCHDOG, table.slot[slot].id, (unsigned)task_timeout_ms);
		terminate_slot(slot);
	}
}

void wasm_handler_metrics(metrics_info *out)
{
	mem_alloc_info_t info = {0};

	wasm_runtime_get_mem_alloc_info(&info);
	out->used = info.total_size - info.total_free_size;
	out->free = info.total_free_size;
	out->high = info.highmark_size;
	out->total = info.total_size;
	out->running = task_table_busy(&table);
	out->finished = table.finished;
	out->failed = table.failed;
}

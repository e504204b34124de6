/*
 * The task table: TASK_SLOTS slots, each holding one task from its start message until its
 * result is out. Ids are unique among occupied slots. The WAMR objects of a slot live in
 * wasm_handler.c, indexed by the same slot number; this part holds the bookkeeping that can
 * be tested on the host. Not thread-safe: the caller serialises access.
 */
#ifndef PROPLET_CORE_TASK_TABLE_H
#define PROPLET_CORE_TASK_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

typedef enum {
	SLOT_FREE,
	SLOT_RUNNING,
} slot_state;

typedef struct {
	slot_state state;
	char id[MAX_ID_BYTES + 1];
	uint32_t started_ms;
	bool watchdog_fired;
	bool stop_requested;
} task_slot;

typedef struct {
	task_slot slot[TASK_SLOTS];
	uint32_t finished;
	uint32_t failed;
} task_table;

void task_table_init(task_table *t);

/*
 * Takes a free slot for `id`. Returns the slot number, or -1 with the contract's error
 * text in `err` (`invalid task: id <id> is running`, `invalid task: no free task slot`).
 */
int task_table_claim(task_table *t, const char *id, uint32_t now_ms, char *err, size_t err_cap);

/* The occupied slot holding `id`, or -1. */
int task_table_find(const task_table *t, const char *id);

/* A slot running for `timeout_ms` or longer whose watchdog has not fired yet. */
int task_table_overdue(const task_table *t, uint32_t now_ms, uint32_t timeout_ms);

/* Frees a slot and counts the task as finished or failed. */
void task_table_release(task_table *t, int slot, bool succeeded);

uint32_t task_table_busy(const task_table *t);

#endif

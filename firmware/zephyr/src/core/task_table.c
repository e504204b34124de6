#include "task_table.h"

#include <stdio.h>
#include <string.h>

#include "task_errors.h"

void task_table_init(task_table *t)
{
	memset(t, 0, sizeof(*t));
}

int task_table_find(const task_table *t, const char *id)
{
	for (int i = 0; i < TASK_SLOTS; i++) {
		if (t->slot[i].state != SLOT_FREE && strcmp(t->slot[i].id, id) == 0) {
			return i;
		}
	}
	return -1;
}

int task_table_claim(task_table *t, const char *id, uint32_t now_ms, char *err, size_t err_cap)
{
	if (task_table_find(t, id) >= 0) {
		snprintf(err, err_cap, ERR_ID_RUNNING, id);
		return -1;
	}
	for (int i = 0; i < TASK_SLOTS; i++) {
		task_slot *s = &t->slot[i];

		if (s->state == SLOT_FREE) {
			memset(s, 0, sizeof(*s));
			s->state = SLOT_RUNNING;
			snprintf(s->id, sizeof(s->id), "%s", id);
			s->started_ms = now_ms;
			return i;
		}
	}
	snprintf(err, err_cap, "%s", ERR_NO_SLOT);
	return -1;
}

int task_table_overdue(const task_table *t, uint32_t now_ms, uint32_t timeout_ms)
{
	for (int i = 0; i < TASK_SLOTS; i++) {
		const task_slot *s = &t->slot[i];

		/* Unsigned subtraction stays right across the 32-bit uptime wrap. */
		if (s->state != SLOT_FREE && !s->watchdog_fired &&
		    (uint32_t)(now_ms - s->started_ms) >= timeout_ms) {
			return i;
		}
	}
	return -1;
}

void task_table_release(task_table *t, int slot, bool succeeded)
{
	if (slot < 0 || slot >= TASK_SLOTS || t->slot[slot].state == SLOT_FREE) {
		return;
	}
	memset(&t->slot[slot], 0, sizeof(t->slot[slot]));
	if (succeeded) {
		t->finished++;
	} else {
		t->failed++;
	}
}

uint32_t task_table_busy(const task_table *t)
{
	uint32_t n = 0;

	for (int i = 0; i < TASK_SLOTS; i++) {
		n += t->slot[i].state != SLOT_FREE;
	}
	return n;
}

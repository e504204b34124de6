#include "check.h"
#include "task_table.h"

int main(void)
{
	task_table t;
	char err[128];

	task_table_init(&t);
	CHECK_INT(0, task_table_busy(&t));
	CHECK_INT(0, task_table_claim(&t, "a", 100, err, sizeof(err)));
	CHECK_INT(1, task_table_claim(&t, "b", 100, err, sizeof(err)));

	/* Ids are unique among occupied slots. */
	CHECK_INT(-1, task_table_claim(&t, "a", 100, err, sizeof(err)));
	CHECK_STR("invalid task: id a is running", err);

	CHECK_INT(2, task_table_claim(&t, "c", 100, err, sizeof(err)));
	CHECK_INT(3, task_table_claim(&t, "d", 100, err, sizeof(err)));
	CHECK_INT(-1, task_table_claim(&t, "e", 100, err, sizeof(err)));
	CHECK_STR("invalid task: no free task slot", err);
	CHECK_INT(TASK_SLOTS, task_table_busy(&t));

	CHECK_INT(2, task_table_find(&t, "c"));
	CHECK_INT(-1, task_table_find(&t, "e"));

	/* Releasing frees the slot and the id, and counts the outcome. */
	task_table_release(&t, 1, true);
	task_table_release(&t, 2, false);
	task_table_release(&t, 2, false);
	CHECK_INT(1, t.finished);
	CHECK_INT(1, t.failed);
	CHECK_INT(-1, task_table_find(&t, "b"));
	CHECK_INT(1, task_table_claim(&t, "b", 5000, err, sizeof(err)));

	/* Watchdog: slots 0 and 3 started at 100, slot 1 at 5000. */
	CHECK_INT(-1, task_table_overdue(&t, 10099, 10000));
	CHECK_INT(0, task_table_overdue(&t, 10100, 10000));
	t.slot[0].watchdog_fired = true;
	CHECK_INT(3, task_table_overdue(&t, 10100, 10000));
	t.slot[3].watchdog_fired = true;
	CHECK_INT(-1, task_table_overdue(&t, 14999, 10000));
	CHECK_INT(1, task_table_overdue(&t, 15000, 10000));

	/* Uptime wrapping past 2^32 ms does not fire the watchdog early. */
	task_table_init(&t);
	CHECK_INT(0, task_table_claim(&t, "w", 0xFFFFFF00u, err, sizeof(err)));
	CHECK_INT(-1, task_table_overdue(&t, 0x00000100u, 10000));
	CHECK_INT(0, task_table_overdue(&t, 0xFFFFFF00u + 10000u, 10000));
	CHECK_DONE();
}

#include "check.h"
#include "limits.h"
#include "messages.h"

int main(void)
{
	char buf[1024];
	int32_t vals[] = {5, -1, 2147483647, (int32_t)0x80000000u};

	CHECK(format_results_csv(vals, 1, buf, sizeof(buf)));
	CHECK_STR("5", buf);
	CHECK(format_results_csv(vals, 4, buf, sizeof(buf)));
	CHECK_STR("5,-1,2147483647,-2147483648", buf);
	CHECK(format_results_csv(vals, 0, buf, sizeof(buf)));
	CHECK_STR("", buf);
	CHECK(!format_results_csv(vals, 4, buf, 6));

	CHECK(msg_result(buf, sizeof(buf), "t1", "5", NULL));
	CHECK_STR("{\"task_id\":\"t1\",\"results\":\"5\"}", buf);
	CHECK(msg_result(buf, sizeof(buf), "t\"2", "ignored", "Exception: unreachable"));
	CHECK_STR("{\"task_id\":\"t\\\"2\",\"results\":\"\",\"error\":\"Exception: unreachable\"}",
		  buf);
	CHECK(!msg_result(buf, 10, "t1", "5", NULL));

	CHECK(msg_alive(buf, sizeof(buf), "p1", true));
	CHECK_STR("{\"status\":\"alive\",\"proplet_id\":\"p1\",\"namespace\":\"embedded\"}", buf);
	CHECK(msg_alive(buf, sizeof(buf), "p1", false));
	CHECK_STR("{\"status\":\"offline\",\"proplet_id\":\"p1\",\"namespace\":\"embedded\"}", buf);

	const uint8_t mac[6] = {0x24, 0x0a, 0xc4, 0xA1, 0x0b, 0xFF};
	discovery_info d = {"p1", "192.168.1.20", mac, "1.0.0"};

	CHECK(msg_discovery(buf, sizeof(buf), &d));
	CHECK_STR("{\"proplet_id\":\"p1\",\"namespace\":\"embedded\",\"metadata\":{"
		  "\"description\":\"Propeller embedded proplet\","
		  "\"tags\":[\"esp32s3\",\"zephyr\",\"wamr\"],\"location\":\"\","
		  "\"ip\":\"192.168.1.20\",\"environment\":\"embedded\",\"os\":\"zephyr\","
		  "\"hostname\":\"proplet-a10bff\",\"cpu_arch\":\"xtensa\","
		  "\"total_memory_bytes\":40960,\"proplet_version\":\"1.0.0\","
		  "\"wasm_runtime\":\"wamr\"}}",
		  buf);

	metrics_info m = {1000, 39960, 30000, HEAP_POOL_BYTES, 1, 7, 2};

	/* The shape the real manager stores; the board's pool maps onto memory_metrics. */
	CHECK(msg_metrics(buf, sizeof(buf), "p1", NULL, &m));
	CHECK_STR("{\"proplet_id\":\"p1\",\"namespace\":\"embedded\",\"cpu_metrics\":{},"
		  "\"memory_metrics\":{\"rss_bytes\":1000,\"heap_alloc_bytes\":1000,"
		  "\"heap_sys_bytes\":40960,\"heap_inuse_bytes\":1000,\"heap_free_bytes\":39960,"
		  "\"heap_high_bytes\":30000},"
		  "\"tasks\":{\"running\":1,\"finished\":7,\"failed\":2}}",
		  buf);
	CHECK(msg_metrics(buf, sizeof(buf), "p1", "2026-12-01T19:30:00Z", &m));
	CHECK(strstr(buf, ",\"timestamp\":\"2026-12-01T19:30:00Z\",\"cpu_metrics\"") != NULL);
	/* Too small a buffer is refused rather than cut. */
	CHECK(!msg_metrics(buf, 64, "p1", NULL, &m));

	task_metrics_info t = {2500};

	CHECK(msg_task_metrics(buf, sizeof(buf), "t1", "p1", NULL, &t));
	CHECK_STR("{\"task_id\":\"t1\",\"proplet_id\":\"p1\","
		  "\"metrics\":{\"uptime_seconds\":2,\"thread_count\":1}}",
		  buf);

	CHECK(msg_fetch(buf, sizeof(buf), "docker.io/x:1"));
	CHECK_STR("{\"app_name\":\"docker.io/x:1\"}", buf);
	CHECK_DONE();
}

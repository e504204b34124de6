#include "check.h"
#include "task_codec.h"

static uint8_t wasm[MAX_WASM_BYTES];

static bool start(const char *payload, task_start *t, task_rejection *r)
{
	return task_decode_start(payload, strlen(payload), wasm, sizeof(wasm), t, r);
}

static void check_rejected(const char *payload, const char *reason, const char *error,
			   const char *id)
{
	task_start t;
	task_rejection r;

	CHECK(!start(payload, &t, &r));
	CHECK_STR(reason, r.reason);
	CHECK_STR(error, r.error);
	CHECK_INT(id != NULL, r.id_known);
	if (id != NULL) {
		CHECK_STR(id, r.id);
	}
}

static void test_valid_start(void)
{
	task_start t;
	task_rejection r;

	CHECK(start("{\"id\":\"t1\",\"name\":\"add\",\"file\":\"AGFzbQEAAAA=\","
		    "\"inputs\":[2,3,4294967295,-5]}",
		    &t, &r));
	CHECK_STR("t1", t.id);
	CHECK_STR("add", t.name);
	CHECK_INT(8, t.wasm_len);
	CHECK(memcmp(wasm, "\0asm\1\0\0\0", 8) == 0);
	CHECK(!t.fetch);
	CHECK_INT(4, t.n_inputs);
	CHECK_INT(2, t.inputs[0]);
	CHECK_INT(3, t.inputs[1]);
	CHECK_INT(-1, t.inputs[2]);
	CHECK_INT(-5, t.inputs[3]);
	CHECK_INT(STACK_BYTES, t.stack_bytes);
	CHECK_INT(APP_HEAP_BYTES, t.heap_bytes);

	/* No inputs at all, a fetch by image_url, and the per-task sizes from env. */
	CHECK(start("{\"id\":\"t2\",\"name\":\"n\",\"image_url\":\"docker.io/x:1\","
		    "\"env\":{\"PROPLET_STACK_SIZE\":\"2048\",\"PROPLET_HEAP_SIZE\":\"0\"}}",
		    &t, &r));
	CHECK(t.fetch);
	CHECK_STR("docker.io/x:1", t.image_url);
	CHECK_INT(0, t.wasm_len);
	CHECK_INT(0, t.n_inputs);
	CHECK_INT(2048, t.stack_bytes);
	CHECK_INT(0, t.heap_bytes);

	/* Out-of-range overrides keep the defaults. */
	CHECK(start("{\"id\":\"t3\",\"name\":\"n\",\"file\":\"AGFzbQEAAAA=\",\"inputs\":[],"
		    "\"env\":{\"PROPLET_STACK_SIZE\":\"512\",\"PROPLET_HEAP_SIZE\":\"16385\"}}",
		    &t, &r));
	CHECK_INT(STACK_BYTES, t.stack_bytes);
	CHECK_INT(APP_HEAP_BYTES, t.heap_bytes);

	/* Exactly 16 inputs and a 64-byte id and name are fine. */
	CHECK(start("{\"id\":\"0123456789012345678901234567890123456789012345678901234567890123\","
		    "\"name\":\"0123456789012345678901234567890123456789012345678901234567890123\","
		    "\"file\":\"AGFzbQEAAAA=\",\"inputs\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}",
		    &t, &r));
	CHECK_INT(16, t.n_inputs);
	CHECK_INT(16, t.inputs[15]);
}

static void test_rejections(void)
{
	check_rejected("{\"id\":", "invalid JSON", "", NULL);
	check_rejected("not json", "invalid JSON", "", NULL);
	check_rejected("[1,2]", "missing id", "", NULL);
	check_rejected("{\"name\":\"n\",\"file\":\"AGFzbQEAAAA=\"}", "missing id", "", NULL);
	check_rejected("{\"id\":7,\"name\":\"n\",\"file\":\"AGFzbQEAAAA=\"}", "missing id", "", NULL);
	check_rejected("{\"id\":\"01234567890123456789012345678901234567890123456789012345678901234\","
		       "\"name\":\"n\",\"file\":\"AGFzbQEAAAA=\"}",
		       "id too long", "", NULL);
	check_rejected("{\"id\":\"t\",\"name\":"
		       "\"01234567890123456789012345678901234567890123456789012345678901234\","
		       "\"file\":\"AGFzbQEAAAA=\"}",
		       "name too long", "invalid task: name too long", "t");
	check_rejected("{\"id\":\"t\",\"file\":\"AGFzbQEAAAA=\"}", "invalid task: missing name",
		       "invalid task: missing name", "t");
	check_rejected("{\"id\":\"t\",\"name\":\"n\"}", "invalid task: missing file or image_url",
		       "invalid task: missing file or image_url", "t");
	check_rejected("{\"id\":\"t\",\"name\":\"n\",\"image_url\":\"\"}",
		       "invalid task: missing file or image_url",
		       "invalid task: missing file or image_url", "t");
	/* Order: inputs are checked before the module's base64. */
	check_rejected("{\"id\":\"t\",\"name\":\"n\",\"file\":\"!!\",\"inputs\":[\"x\"]}",
		       "invalid task: input 0 is not a 32-bit integer",
		       "invalid task: input 0 is not a 32-bit integer", "t");
	check_rejected("{\"id\":\"t\",\"name\":\"n\",\"file\":\"not base64!\"}",
		       "invalid task: bad base64 in file", "invalid task: bad base64 in file", "t");
	check_rejected("{\"id\":\"t\",\"name\":\"n\",\"file\":\"AGFzbQEAAAA=\","
		       "\"inputs\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}",
		       "invalid task: more than 16 inputs", "invalid task: more than 16 inputs",
		       "t");
	check_rejected("{\"id\":\"t\",\"name\":\"n\",\"file\":\"AGFzbQEAAAA=\",\"inputs\":[1,2.5]}",
		       "invalid task: input 1 is not a 32-bit integer",
		       "invalid task: input 1 is not a 32-bit integer", "t");
	check_rejected("{\"id\":\"t\",\"name\":\"n\",\"file\":\"AGFzbQEAAAA=\",\"inputs\":\"1\"}",
		       "invalid task: inputs must be a list", "invalid task: inputs must be a list",
		       "t");
	/* Inputs, as strings or numbers, that are not decimal 32-bit integers. */
	static const char *const bad_inputs[] = {
		"\"\"",	  "\" 1\"",	  "\"1 \"",	  "\"+1\"",	"\"0x10\"",
		"\"1.0\"",	  "\"1e3\"",	  "\"-\"",	  "\"--1\"",	"\"4294967296\"",
		"\"-2147483649\"", "4294967296", "-2147483649", "1e3",	"true",
		"null",	  "[1]",	  "{}",		  "\"99999999999\"",
	};
	for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		char payload[160];

		snprintf(payload, sizeof(payload),
			 "{\"id\":\"t\",\"name\":\"n\",\"file\":\"AGFzbQEAAAA=\",\"inputs\":[7,%s]}",
			 bad_inputs[i]);
		check_rejected(payload, "invalid task: input 1 is not a 32-bit integer",
			       "invalid task: input 1 is not a 32-bit integer", "t");
	}
}

/* The start message exactly as the real manager (v0.5.0, `startPayload`) marshals it. */
static void test_manager_start(void)
{
	task_start t;
	task_rejection r;

	CHECK(start("{\"id\":\"6f1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c\",\"name\":\"add\",\"state\":0,"
		    "\"file\":\"AGFzbQEAAAA=\",\"inputs\":[\"2\",\"3\"],\"cli_args\":null,"
		    "\"broadcast\":false,\"daemon\":false,\"encrypted\":false,"
		    "\"proplet_id\":\"p1\"}",
		    &t, &r));
	CHECK_STR("6f1c2a9e-4b7d-4e0a-9c1f-2d3e4f5a6b7c", t.id);
	CHECK_INT(2, t.n_inputs);
	CHECK_INT(2, t.inputs[0]);
	CHECK_INT(3, t.inputs[1]);

	/* Every field it can send, known or not, with signed and unsigned 32-bit strings. */
	CHECK(start("{\"id\":\"t\",\"name\":\"n\",\"state\":1,\"image_url\":\"\",\"file\":\"AGFzbQEAAAA=\","
		    "\"inputs\":[\"-7\",\"3\",\"4294967295\",\"-2147483648\",\"2147483647\",\"007\",5],"
		    "\"cli_args\":[\"--x\"],\"broadcast\":true,\"daemon\":true,"
		    "\"env\":{\"K\":\"v\"},\"encrypted\":false,\"kbs_resource_path\":\"a/b\","
		    "\"monitoring_profile\":{\"enabled\":true,\"interval\":10},"
		    "\"hal_storage_path\":\"/data\",\"parent_results\":{\"t0\":[1,2]},"
		    "\"some_future_field\":[{}]}",
		    &t, &r));
	CHECK_INT(7, t.n_inputs);
	CHECK_INT(-7, t.inputs[0]);
	CHECK_INT(3, t.inputs[1]);
	CHECK_INT(-1, t.inputs[2]);
	CHECK_INT(INT32_MIN, t.inputs[3]);
	CHECK_INT(INT32_MAX, t.inputs[4]);
	CHECK_INT(7, t.inputs[5]);
	CHECK_INT(5, t.inputs[6]);
}

static void test_addressing(void)
{
	task_address a;
	const char *mine = "{\"id\":\"t1\",\"name\":\"n\",\"proplet_id\":\"p1\"}";
	const char *other = "{\"id\":\"t1\",\"broadcast\":false,\"proplet_id\":\"p2\"}";
	const char *broadcast = "{\"id\":\"t1\",\"broadcast\":true}";
	const char *empty = "{\"id\":\"t1\",\"proplet_id\":\"\"}";
	const char *no_id = "{\"proplet_id\":\"p2\"}";

	CHECK(!task_for_other_proplet(mine, strlen(mine), "p1", &a));
	CHECK(task_for_other_proplet(other, strlen(other), "p1", &a));
	CHECK_STR("t1", a.task_id);
	CHECK_STR("p2", a.proplet_id);
	CHECK(!task_for_other_proplet(broadcast, strlen(broadcast), "p1", &a));
	CHECK(!task_for_other_proplet(empty, strlen(empty), "p1", &a));
	CHECK(task_for_other_proplet(no_id, strlen(no_id), "p1", &a));
	CHECK_STR("-", a.task_id);
	/* A prefix of our id is another proplet; so is one longer than any id, cut for the log. */
	const char *prefix = "{\"id\":\"t\",\"proplet_id\":\"p\"}";

	CHECK(task_for_other_proplet(prefix, strlen(prefix), "p1", &a));
	char longer[200];

	snprintf(longer, sizeof(longer), "{\"id\":\"t\",\"proplet_id\":\"%0100d\"}", 1);
	CHECK(task_for_other_proplet(longer, strlen(longer), "p1", &a));
	CHECK_INT(MAX_ID_BYTES, strlen(a.proplet_id));
	/* Not for the addressing check to judge: the decoders reject these. */
	CHECK(!task_for_other_proplet("{x", 2, "p1", &a));
	CHECK(!task_for_other_proplet("[1]", 3, "p1", &a));
	const char *numeric = "{\"id\":\"t\",\"proplet_id\":7}";

	CHECK(!task_for_other_proplet(numeric, strlen(numeric), "p1", &a));
}

static void test_oversize(void)
{
	static char big[MAX_PAYLOAD_BYTES + 2];
	task_start t;
	task_rejection r;

	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[MAX_PAYLOAD_BYTES] = '}';
	big[MAX_PAYLOAD_BYTES + 1] = '\0';
	CHECK(!task_decode_start(big, MAX_PAYLOAD_BYTES + 1, wasm, sizeof(wasm), &t, &r));
	CHECK_STR("payload too large (16385 > 16384 bytes)", r.reason);
	CHECK_STR("", r.error);
	CHECK(!r.id_known);

	task_reject_oversize(20000, &r);
	CHECK_STR("payload too large (20000 > 16384 bytes)", r.reason);
}

static void test_stop_and_registry(void)
{
	char id[MAX_ID_BYTES + 1];
	task_rejection r;
	const char *stop = "{\"id\":\"t9\",\"name\":\"x\",\"state\":\"stop\"}";
	const char *manager_stop = "{\"broadcast\":false,\"id\":\"t8\",\"proplet_id\":\"p1\"}";

	CHECK(task_decode_stop(stop, strlen(stop), id, &r));
	CHECK_STR("t9", id);
	CHECK(task_decode_stop(manager_stop, strlen(manager_stop), id, &r));
	CHECK_STR("t8", id);
	CHECK(!task_decode_stop("{}", 2, id, &r));
	CHECK_STR("missing id", r.reason);
	CHECK(!task_decode_stop("{x", 2, id, &r));
	CHECK_STR("invalid JSON", r.reason);

	registry_answer a;
	const char *reg = "{\"app_name\":\"docker.io/x:1\",\"data\":\"AGFzbQEAAAA=\"}";

	CHECK(task_decode_registry(reg, strlen(reg), wasm, sizeof(wasm), &a));
	CHECK_STR("docker.io/x:1", a.app_name);
	CHECK_INT(8, a.wasm_len);
	const char *bad = "{\"app_name\":\"x\",\"data\":\"%%%%\"}";

	CHECK(!task_decode_registry(bad, strlen(bad), wasm, sizeof(wasm), &a));
	CHECK(!task_decode_registry("{\"data\":\"\"}", 11, wasm, sizeof(wasm), &a));
}

int main(void)
{
	test_valid_start();
	test_rejections();
	test_manager_start();
	test_addressing();
	test_oversize();
	test_stop_and_registry();
	CHECK_DONE();
}

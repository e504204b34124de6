#include "check.h"
#include "json.h"

static bool valid(const char *text)
{
	json_doc doc = {text, strlen(text)};
	json_val root;

	return json_validate(&doc, &root);
}

static void test_validate(void)
{
	CHECK(valid("{}"));
	CHECK(valid(" [ 1 , -2.5e3 , true , false , null , \"x\" ] "));
	CHECK(valid("{\"a\":{\"b\":[{}]},\"c\":\"\\u00e9\\n\"}"));
	CHECK(valid("0"));
	CHECK(!valid(""));
	CHECK(!valid("{"));
	CHECK(!valid("{\"a\":1,}"));
	CHECK(!valid("[1 2]"));
	CHECK(!valid("{'a':1}"));
	CHECK(!valid("{\"a\":01}"));
	CHECK(!valid("{\"a\":1.}"));
	CHECK(!valid("\"\\x\""));
	CHECK(!valid("\"\\u12\""));
	CHECK(!valid("\"tab\there\""));
	CHECK(!valid("{} {}"));
	CHECK(!valid("nul"));
	CHECK(!valid("{\"a\" 1}"));

	/* Nesting is bounded, so a hostile payload cannot exhaust the stack. */
	char deep[81];

	memset(deep, '[', 40);
	memset(deep + 40, ']', 40);
	deep[80] = '\0';
	CHECK(!valid(deep));
	char ok[2 * JSON_MAX_DEPTH + 1];

	memset(ok, '[', JSON_MAX_DEPTH);
	memset(ok + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	ok[2 * JSON_MAX_DEPTH] = '\0';
	CHECK(valid(ok));
}

static void test_members(void)
{
	const char *text = "{\"id\":\"a\\\"b\",\"n\":[1,-2,4294967297,-1],\"o\":{\"k\":\"v\"},"
			   "\"id\":\"second\",\"u\":\"\\u00e9\\ud83d\\ude00\"}";
	json_doc doc = {text, strlen(text)};
	json_val root, v, elem;
	char buf[32];

	CHECK(json_validate(&doc, &root));
	CHECK(json_member(&doc, &root, "id", &v));
	CHECK_INT(3, json_string(&doc, &v, buf, sizeof(buf)));
	CHECK_STR("a\"b", buf);
	/* Too small a buffer is an error, not a truncation. */
	CHECK_INT(-1, json_string(&doc, &v, buf, 3));
	CHECK(!json_member(&doc, &root, "missing", &v));

	CHECK(json_member(&doc, &root, "u", &v));
	CHECK_INT(6, json_string(&doc, &v, buf, sizeof(buf)));
	CHECK_STR("\xc3\xa9\xf0\x9f\x98\x80", buf);

	CHECK(json_member(&doc, &root, "n", &v));
	CHECK_INT(JSON_ARRAY, v.kind);
	size_t cursor = 0;
	int32_t values[8];
	int count = 0;

	while (json_array_next(&doc, &v, &cursor, &elem) && count < 8) {
		CHECK(json_int32_mod(&doc, &elem, &values[count]));
		count++;
	}
	CHECK_INT(4, count);
	CHECK_INT(1, values[0]);
	CHECK_INT(-2, values[1]);
	/* 2^32 + 1 wraps to 1; -1 stays -1. */
	CHECK_INT(1, values[2]);
	CHECK_INT(-1, values[3]);

	CHECK(json_member(&doc, &root, "o", &v));
	json_val k;

	cursor = 0;
	CHECK(json_object_next(&doc, &v, &cursor, &k, &elem));
	CHECK(json_string_eq(&doc, &k, "k"));
	CHECK(json_string_eq(&doc, &elem, "v"));
	CHECK(!json_object_next(&doc, &v, &cursor, &k, &elem));

	const char *nums = "[1.5,1e3,-0,18446744073709551615,\"7\"]";
	json_doc nd = {nums, strlen(nums)};
	int32_t x;

	CHECK(json_validate(&nd, &root));
	cursor = 0;
	CHECK(json_array_next(&nd, &root, &cursor, &elem));
	CHECK(!json_int32_mod(&nd, &elem, &x));
	CHECK(json_array_next(&nd, &root, &cursor, &elem));
	CHECK(!json_int32_mod(&nd, &elem, &x));
	CHECK(json_array_next(&nd, &root, &cursor, &elem));
	CHECK(json_int32_mod(&nd, &elem, &x));
	CHECK_INT(0, x);
	CHECK(json_array_next(&nd, &root, &cursor, &elem));
	CHECK(json_int32_mod(&nd, &elem, &x));
	CHECK_INT(-1, x);
	CHECK(json_array_next(&nd, &root, &cursor, &elem));
	CHECK(!json_int32_mod(&nd, &elem, &x));
	CHECK(!json_array_next(&nd, &root, &cursor, &elem));

	const char *empty = "[ ]";
	json_doc ed = {empty, strlen(empty)};

	CHECK(json_validate(&ed, &root));
	cursor = 0;
	CHECK(!json_array_next(&ed, &root, &cursor, &elem));
}

static void test_writer(void)
{
	char buf[64];
	json_writer w;

	jw_init(&w, buf, sizeof(buf));
	jw_raw(&w, "{");
	jw_key(&w, "s");
	jw_str(&w, "q\"b\\n\n\x01");
	jw_raw(&w, ",");
	jw_key(&w, "n");
	jw_uint(&w, 4294967295u);
	jw_raw(&w, "}");
	CHECK(jw_finish(&w));
	CHECK_STR("{\"s\":\"q\\\"b\\\\n\\n\\u0001\",\"n\":4294967295}", buf);

	/* Overflow is remembered and the text stays terminated. */
	char small[8];

	jw_init(&w, small, sizeof(small));
	jw_str(&w, "far too long");
	CHECK(!jw_finish(&w));
	CHECK_INT(7, strlen(small));
}

int main(void)
{
	test_validate();
	test_members();
	test_writer();
	CHECK_DONE();
}

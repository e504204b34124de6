/*
 * Decodes message files with the firmware's task codec and prints one line per file, the
 * decision the firmware would take: `<kind> <file>` arguments, lines
 *   accepted <id hex> <module bytes> <inputs>    (start)
 *   stop <id hex>                                (stop)
 *   used <app_name hex> <module bytes>           (registry)
 *   rejected <reason>|<error>   /   ignored
 * differential.test.ts compares them with the virtual board's model of the same decoder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_codec.h"

static uint8_t wasm[MAX_WASM_BYTES];

static void hex(const char *s)
{
	if (*s == '\0') {
		printf("-");
	}
	for (; *s != '\0'; s++) {
		printf("%02x", (unsigned char)*s);
	}
}

static void decode(const char *kind, const char *payload, size_t len)
{
	task_start task;
	task_rejection rej;
	registry_answer answer;
	char id[MAX_ID_BYTES + 1];

	if (strcmp(kind, "start") == 0) {
		if (task_decode_start(payload, len, wasm, sizeof(wasm), &task, &rej)) {
			printf("accepted ");
			hex(task.id);
			printf(" %zu %zu\n", task.wasm_len, task.n_inputs);
			return;
		}
	} else if (strcmp(kind, "stop") == 0) {
		if (task_decode_stop(payload, len, id, &rej)) {
			printf("stop ");
			hex(id);
			printf("\n");
			return;
		}
	} else {
		if (task_decode_registry(payload, len, wasm, sizeof(wasm), &answer)) {
			printf("used ");
			hex(answer.app_name);
			printf(" %zu\n", answer.wasm_len);
		} else {
			printf("ignored\n");
		}
		return;
	}
	printf("rejected %s|%s\n", rej.reason, rej.error);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: replay_codec start|stop|registry FILE...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (f == NULL) {
			perror(argv[i]);
			return 2;
		}
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		char *buf = malloc((size_t)n + 1);

		fseek(f, 0, SEEK_SET);
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			perror(argv[i]);
			return 2;
		}
		fclose(f);
		decode(argv[1], buf, (size_t)n);
		free(buf);
	}
	return 0;
}

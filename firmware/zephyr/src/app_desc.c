/*
 * The ESP-IDF application descriptor (esp_app_desc_t) that opens the image's first DROM
 * segment (CONTRACT.md §7): how the harness tells which firmware, and which version, an
 * image file or a board carries. Zephyr's simple boot writes none, so the proplet does;
 * app_desc.ld places it at the very start of .flash.rodata.
 */
#include <stdint.h>

#include <zephyr/kernel.h>
#include <zephyr/version.h>

#include <app_version.h>

/* ESP-IDF's esp_app_desc_t, field for field (components/esp_app_format). */
struct esp_app_desc {
	uint32_t magic_word;
	uint32_t secure_version;
	uint32_t reserv1[2];
	char version[32];
	char project_name[32];
	char time[16];
	char date[16];
	char idf_ver[32];
	uint8_t app_elf_sha256[32];
	uint16_t min_efuse_blk_rev_full;
	uint16_t max_efuse_blk_rev_full;
	uint8_t mmu_page_size;
	uint8_t reserv3[3];
	uint32_t reserv2[18];
};

BUILD_ASSERT(sizeof(struct esp_app_desc) == 256, "esp_app_desc_t is 256 bytes");

#define ESP_APP_DESC_MAGIC_WORD 0xABCD5432u

__attribute__((section(".rodata_desc"), used)) const struct esp_app_desc proplet_app_desc = {
	.magic_word = ESP_APP_DESC_MAGIC_WORD,
	.version = APP_VERSION_STRING,
	.project_name = "proplet",
	.time = __TIME__,
	.date = __DATE__,
	.idf_ver = "zephyr " KERNEL_VERSION_STRING,
};

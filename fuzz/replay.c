/*
 * replay.c — run a libFuzzer target over its saved corpus as an ordinary test.
 *
 * Linked with one fuzz_NAME.c in place of libFuzzer's main, so every input that ever mattered
 * (seeds, and crashes turned into regression inputs) is replayed by `ctest` on every build,
 * under the sanitizers too in `make asan`, without needing clang or libFuzzer.
 *
 * usage: fuzz_replay_NAME PATH...   (each PATH a file, or a directory whose files are all run)
 * The empty input always runs first. Files are run in name order, so a failure is repeatable.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Run one file's bytes. The buffer is exactly the input's size so ASan sees any overread. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
		fprintf(stderr, "replay: %s: cannot stat\n", path);
		fclose(f);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	uint8_t *data = malloc(size ? size : 1);
	if (!data) {
		fprintf(stderr, "replay: %s: out of memory for %zu bytes\n", path, size);
		fclose(f);
		return -1;
	}
	size_t got = fread(data, 1, size, f);
	fclose(f);
	if (got != size) {
		fprintf(stderr, "replay: %s: short read (%zu of %zu bytes)\n", path, got, size);
		free(data);
		return -1;
	}
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

static int skip_entry(const struct dirent *e)
{
	return e->d_name[0] != '.'; /* ".", "..", and hidden files such as .gitkeep */
}

/* Run every regular file in dir; returns how many ran, or -1. */
static long replay_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, skip_entry, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	long ran = 0;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (rc == 0 && (len < 0 || (size_t)len >= sizeof(path))) {
			fprintf(stderr, "replay: %s/%s: path too long\n", dir, names[i]->d_name);
			rc = -1;
		} else if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) != 0)
				rc = -1;
			else
				ran++;
		}
		free(names[i]);
	}
	free(names);
	return rc == 0 ? ran : -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);

	static const uint8_t empty[1];
	LLVMFuzzerTestOneInput(empty, 0);
	long total = 1;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		long ran =
			S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : (replay_file(argv[i]) ? -1 : 1);
		if (ran < 0)
			return 1;
		printf("replay: %s: %ld input(s)\n", argv[i], ran);
		total += ran;
	}
	printf("replay: %ld input(s) run, none crashed\n", total);
	return 0;
}

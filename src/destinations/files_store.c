/*
 * files_store.c — the filesystem under a files destination's dataset directory: names made safe
 * as path components, files written durably (write, fsync, rename, fsync the directory), and the
 * commit journal that makes a transaction's renames all happen or none, across a crash.
 */
#define _XOPEN_SOURCE 700
#include "files_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int io_error(const char *what, const char *path)
{
	return sl_error_set(SL_EIO, "cannot %s '%s': %s", what, path, strerror(errno));
}

/* ---- names ----------------------------------------------------------------------------------- */

void fs_put_name(sl_buf *b, const char *name, bool dots)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
			     (*p == '.' && dots && p != (const unsigned char *)name);
		if (plain) {
			sl_buf_putc(b, (char)*p);
		} else {
			sl_buf_putc(b, '%');
			sl_buf_putc(b, hex[*p >> 4]);
			sl_buf_putc(b, hex[*p & 15]);
		}
	}
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *fs_decode_name(const char *enc)
{
	char *out = sl_malloc(strlen(enc) + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *p = enc; *p; p++) {
		int hi = *p == '%' && p[1] ? hex_value(p[1]) : -1;
		int lo = hi >= 0 && p[2] ? hex_value(p[2]) : -1;
		if (lo >= 0) {
			*o++ = (char)(hi * 16 + lo);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* ---- files and directories ------------------------------------------------------------------- */

int fs_mkdirs(const char *path)
{
	char *p = sl_strdup(path);
	if (!p)
		return SL_ENOMEM;
	int rc = SL_OK;
	for (char *s = p + 1; !rc; s++) {
		bool end = *s == '\0';
		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			rc = io_error("create directory", p);
		if (end)
			break;
		*s = '/';
	}
	struct stat st;
	if (!rc && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)))
		rc = sl_error_set(SL_EIO, "'%s' is not a directory", p);
	free(p);
	return rc;
}

bool fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int fs_fsync(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return io_error("open", path);
	int rc = fsync(fd) == 0 || errno == EINVAL ? SL_OK : io_error("fsync", path);
	close(fd);
	return rc;
}

int fs_fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? sl_strndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : sl_strdup(".");
	if (!dir)
		return SL_ENOMEM;
	int rc = fs_fsync(dir);
	free(dir);
	return rc;
}

int fs_write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return io_error("create", path);
	int rc = SL_OK;
	while (!rc && len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno != EINTR)
			rc = io_error("write", path);
		else if (n > 0)
			data += n, len -= (size_t)n;
	}
	if (!rc && fsync(fd) != 0)
		rc = io_error("fsync", path);
	if (close(fd) != 0 && !rc)
		rc = io_error("close", path);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int fs_remove(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? SL_OK : io_error("remove", path);
	if (!S_ISDIR(st.st_mode))
		return unlink(path) == 0 || errno == ENOENT ? SL_OK : io_error("remove", path);
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
		return io_error("remove", path);
	return SL_OK;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fs_names_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int fs_names(char ***out, size_t *n, const char *dir, const char *suffix)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? SL_OK : io_error("read directory", dir);
	char **names = NULL;
	size_t count = 0, cap = 0;
	int rc = SL_OK;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    !has_suffix(e->d_name, suffix))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			char **grown = sl_realloc(names, cap * sizeof(*names));
			if (!grown) {
				rc = SL_ENOMEM;
				break;
			}
			names = grown;
		}
		if (!(names[count] = sl_strdup(e->d_name)))
			rc = SL_ENOMEM;
		else
			count++;
	}
	closedir(d);
	if (rc) {
		fs_names_free(names, count);
		return rc;
	}
	if (count)
		qsort(names, count, sizeof(*names), compare_names);
	*out = names;
	*n = count;
	return SL_OK;
}

/* ---- the journal ----------------------------------------------------------------------------- */

static char *under(const char *dir, const char *rel)
{
	return sl_printf_alloc("%s/%s", dir, rel);
}

/* One step of a journal: `line` is "R from\tto" or "D path", without its newline. */
static int apply_step(const char *dir, char *line)
{
	int rc = SL_OK;
	if (line[0] == 'R' && line[1] == ' ' && strchr(line, '\t')) {
		char *tab = strchr(line, '\t');
		*tab = '\0';
		char *from = under(dir, line + 2), *to = under(dir, tab + 1);
		*tab = '\t';
		if (!from || !to)
			rc = SL_ENOMEM;
		else if (rename(from, to) != 0 && errno != ENOENT)
			rc = io_error("rename", from);
		else
			rc = fs_fsync_parent(to);
		free(from);
		free(to);
	} else if (line[0] == 'D' && line[1] == ' ') {
		char *path = under(dir, line + 2);
		rc = path ? fs_remove(path) : SL_ENOMEM;
		if (!rc)
			rc = fs_fsync_parent(path);
		free(path);
	} else if (line[0]) {
		rc = sl_error_set(SL_EDEST, "files destination '%s': bad journal line '%s'", dir,
				  line);
	}
	return rc;
}

/* Renames first, then removals: a removal may take what a rename left behind. */
static int apply_journal(const char *dir, const char *text)
{
	char *copy = sl_strdup(text);
	if (!copy)
		return SL_ENOMEM;
	int rc = SL_OK;
	for (int pass = 0; pass < 2 && !rc; pass++) {
		for (char *line = copy; *line && !rc;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if ((line[0] == 'R') == (pass == 0))
				rc = apply_step(dir, line);
			if (!nl)
				break;
			*nl = '\n';
			line = nl + 1;
		}
	}
	free(copy);
	return rc;
}

int fs_journal_commit(bool *committed, const char *dir, const char *name, const char *text)
{
	*committed = false;
	char *path = sl_printf_alloc("%s/_sluice/txn/%s", dir, name);
	char *tmp = sl_printf_alloc("%s/_sluice/txn/%s.tmp", dir, name);
	int rc = path && tmp ? SL_OK : SL_ENOMEM;
	if (!rc)
		rc = fs_write_file(tmp, text, strlen(text));
	if (!rc && rename(tmp, path) != 0)
		rc = io_error("rename", tmp);
	if (!rc)
		rc = fs_fsync_parent(path); /* the commit */
	if (rc && tmp)
		unlink(tmp);
	if (!rc) {
		/* Committed: a failure from here on leaves the journal for the next open. */
		*committed = true;
		rc = apply_journal(dir, text);
		if (!rc)
			unlink(path);
	}
	free(path);
	free(tmp);
	return rc;
}

/* Whether process `pid` (the first number of a journal's or temporary directory's name) may
   still be running: not for sure gone. */
static bool may_run(const char *name, bool everything)
{
	long pid = strtol(name, NULL, 10);
	if (pid <= 0 || pid == (long)getpid())
		return pid == (long)getpid();
	if (everything)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static int finish_journal(const char *dir, const char *txn, const char *name)
{
	char *path = sl_printf_alloc("%s/%s", txn, name);
	if (!path)
		return SL_ENOMEM;
	FILE *f = fopen(path, "re");
	int rc = f ? SL_OK : errno == ENOENT ? 1 : io_error("open", path);
	sl_buf text = SL_BUF_INIT;
	char chunk[4096];
	size_t n;
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sl_buf_append(&text, chunk, n);
	if (f)
		fclose(f);
	if (!rc)
		rc = text.failed ? SL_ENOMEM : apply_journal(dir, sl_buf_cstr(&text));
	if (!rc)
		unlink(path);
	sl_buf_free(&text);
	free(path);
	return rc < 0 ? rc : SL_OK;
}

int fs_recover(const char *dir, bool everything)
{
	static const char *const where[] = {"txn", "tmp"};
	int rc = SL_OK;
	for (size_t w = 0; w < 2 && !rc; w++) {
		char *sub = sl_printf_alloc("%s/_sluice/%s", dir, where[w]);
		char **names = NULL;
		size_t n = 0;
		rc = sub ? fs_names(&names, &n, sub, "") : SL_ENOMEM;
		for (size_t i = 0; !rc && i < n; i++) {
			if (may_run(names[i], everything))
				continue;
			if (w == 0 && has_suffix(names[i], ".journal")) { /* committed */
				rc = finish_journal(dir, sub, names[i]);
			} else { /* a temporary directory, or a journal being written */
				char *path = sl_printf_alloc("%s/%s", sub, names[i]);
				rc = path ? fs_remove(path) : SL_ENOMEM;
				free(path);
			}
		}
		fs_names_free(names, n);
		free(sub);
	}
	return rc ? sl_error_wrap("cannot finish what a crashed run left in '%s'", dir) : SL_OK;
}

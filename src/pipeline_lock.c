/*
 * pipeline_lock.c — one run of a pipeline at a time, and the interrupt flag that stops a run.
 *
 * Two runs of one pipeline at once would both read the same state and both append the rows after
 * it: duplicates. A run therefore takes two locks, both of a kind that dies with its holder, so a
 * crashed run (kill -9, power loss) cannot leave the pipeline locked:
 *  - flock(2) on `lock` in the pipeline's local directory: runs on this machine. The file holds
 *    the holder's pid and host for the message of the run that is refused, and since when; it
 *    is never removed (removing a lock file races with the next locker).
 *  - the destination's own lock, for runs on other machines that share the destination: a
 *    PostgreSQL session-level advisory lock keyed on dataset and pipeline name. A DuckDB file
 *    needs none: DuckDB lets one process write it, and opening it reports the holder.
 * Waiting (sl_pipeline_options.wait_lock) polls with a backoff from 50 ms to 1 s.
 *
 * The holder also puts an open-file-description record lock (Linux's F_OFD_SETLK) on the file's
 * first byte, so that `sluice status` can ask whether a run holds the pipeline (F_OFD_GETLK)
 * without taking anything: a probe that took the flock, even for a moment, could make a run
 * starting at that moment fail. Where OFD locks are missing, status cannot tell.
 */
#define _GNU_SOURCE /* F_OFD_SETLK, F_OFD_GETLK */

#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define WAIT_FIRST 0.05 /* seconds between the first tries */
#define WAIT_MAX   1.0	/* ... doubling up to this */

/* The views' slots are raised too, whether a worker uses them or not: a view clears its slot
   when it is made, before it runs, and also looks at the pipeline's own flag. */
void sl_pipeline_interrupt(sl_pipeline *pipeline)
{
	if (!pipeline)
		return;
	sl_interrupt_raise(&pipeline->interrupt);
	for (size_t k = 0; k < SL_MAX_WORKERS; k++)
		sl_interrupt_raise(&pipeline->view_interrupts[k]);
}

bool sl_pipeline_interrupted(sl_pipeline *p)
{
	return sl_interrupt_requested(p->intr) ||
	       (p->owner && sl_interrupt_requested(&p->owner->interrupt));
}

/* The first line of the lock file: "pid N on HOST", written by the holder. */
static void file_holder(char *out, size_t size, int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, size, "%s", buf[0] ? buf : "a process that is starting");
}

/* "pid N on HOST" (what a refused run quotes), then since when; then the record lock, so that a
   probe that sees the lock finds the file written. */
static void write_holder(int fd)
{
	char host[256] = "", now[40];
	gethostname(host, sizeof(host) - 1);
	sl_now_utc(now, sizeof(now));
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "pid %ld on %s\nsince %.19s\n", (long)getpid(),
			host[0] ? host : "this host", now);
#ifdef F_OFD_SETLK
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	fcntl(fd, F_OFD_SETLK, &fl); /* best effort: only status looks at it */
#endif
}

static int lock_file(sl_pipeline *p, char *holder, size_t size)
{
	char *path = sl_printf_alloc("%s/%s/lock", p->pipelines_dir, p->name);
	if (!path)
		return SL_ENOMEM;
	int rc = sl_make_parents(path);
	int fd = rc ? -1 : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (!rc && fd < 0)
		rc = sl_error_set(SL_EIO, "cannot open the lock file '%s' of pipeline '%s': %s",
				  path, p->name, strerror(errno));
	if (!rc && flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			file_holder(holder, size, fd);
			rc = SL_ELOCKED;
		} else {
			rc = sl_error_set(SL_EIO, "cannot lock '%s' of pipeline '%s': %s", path,
					  p->name, strerror(errno));
		}
	}
	free(path);
	if (rc) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	write_holder(fd);
	p->lock_fd = fd;
	return SL_OK;
}

/* The destination lock's key: FNV-1a over dataset and pipeline name, kept positive. */
static int64_t dest_lock_key(const sl_pipeline *p)
{
	uint64_t h = 14695981039346656037ULL;
	const char *parts[] = {"sluice", p->dataset, p->name};
	for (size_t i = 0; i < SL_ARRAY_LEN(parts); i++) {
		for (const unsigned char *c = (const unsigned char *)parts[i]; *c; c++)
			h = (h ^ *c) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL; /* a separator no name contains */
	}
	return (int64_t)(h & INT64_MAX);
}

/*
 * Both locks and the destination, or SL_ELOCKED and nothing held. Who holds the lock goes to
 * `holder`; when the destination itself refused (a DuckDB file open elsewhere) its message,
 * which names the file, goes there whole and *whole is set.
 */
static int try_lock(sl_pipeline *p, char *holder, size_t size, bool *whole)
{
	*whole = false;
	int rc = p->lock_fd >= 0 ? SL_OK : lock_file(p, holder, size);
	if (!rc) {
		rc = sl_pipeline_connect(p);
		if (rc == SL_ELOCKED) {
			snprintf(holder, size, "%s", sl_error_last()->message);
			*whole = true;
		}
	}
	if (!rc && !p->dest_locked && p->dest_driver->try_lock) {
		rc = p->dest_driver->try_lock(p->dest, dest_lock_key(p), holder, size);
		p->dest_locked = rc == SL_OK;
	}
	if (rc)
		sl_pipeline_unlock(p);
	return rc;
}

static void pause_for(double seconds)
{
	struct timespec ts = {(time_t)seconds, (long)((seconds - floor(seconds)) * 1e9)};
	nanosleep(&ts, NULL); /* a signal cuts it short: the caller looks at the interrupt flag */
}

static int refused(const sl_pipeline *p, const char *holder, bool whole, double wait, double waited)
{
	char after[64] = "";
	if (wait != 0)
		snprintf(after, sizeof(after), " (waited %.1f s)", waited);
	if (whole)
		return sl_error_set(SL_ELOCKED, "pipeline '%s' cannot run%s: %s", p->name, after,
				    holder);
	return sl_error_set(SL_ELOCKED, "pipeline '%s' is locked by another run: %s%s", p->name,
			    holder, after);
}

int sl_pipeline_lock(sl_pipeline *p, double wait)
{
	double start = sl_monotonic_seconds();
	double pause = WAIT_FIRST;
	char holder[768];
	bool whole;
	for (;;) {
		holder[0] = '\0';
		int rc = try_lock(p, holder, sizeof(holder), &whole);
		if (rc != SL_ELOCKED)
			return rc;
		double waited = sl_monotonic_seconds() - start;
		if (wait >= 0 && waited >= wait)
			return refused(p, holder, whole, wait, waited);
		if (sl_pipeline_interrupted(p))
			return sl_error_set(SL_EINTERRUPTED,
					    "interrupted while waiting for pipeline '%s' (%s): "
					    "nothing was loaded",
					    p->name, holder);
		double left = wait < 0 ? pause : fmin(pause, wait - waited);
		pause_for(left);
		pause = fmin(pause * 2, WAIT_MAX);
	}
}

void sl_pipeline_unlock(sl_pipeline *p)
{
	if (p->dest_locked && p->dest) {
		int code = sl_error_last_code();
		char message[1024];
		snprintf(message, sizeof(message), "%s", sl_error_last()->message);
		p->dest_driver->unlock(p->dest, dest_lock_key(p));
		if (code) /* keep the error the run failed with */
			sl_error_set(code, "%s", message);
		else
			sl_error_clear();
	}
	p->dest_locked = false;
	if (p->lock_fd >= 0)
		close(p->lock_fd); /* and with it the flock */
	p->lock_fd = -1;
}

/* The lock file's "pid N on HOST" and "since TIME" lines into `out`. */
static void read_holder(sl_lock_holder *out, int fd)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	snprintf(out->holder, sizeof(out->holder), "%.*s", (int)sizeof(out->holder) - 1, buf);
	if (strncmp(buf, "pid ", 4) == 0)
		out->pid = strtol(buf + 4, NULL, 10);
	const char *since = nl ? nl + 1 : "";
	if (strncmp(since, "since ", 6) == 0)
		snprintf(out->since, sizeof(out->since), "%.*s", (int)strcspn(since + 6, "\n"),
			 since + 6);
}

bool sl_pipeline_lock_held(sl_lock_holder *out, const sl_pipeline *p)
{
	memset(out, 0, sizeof(*out));
#ifdef F_OFD_GETLK
	char *path = sl_printf_alloc("%s/%s/lock", p->pipelines_dir, p->name);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	free(path);
	if (fd < 0)
		return false;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	bool held = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
	if (held)
		read_holder(out, fd);
	close(fd);
	return held;
#else
	(void)p;
	return false;
#endif
}

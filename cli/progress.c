/*
 * progress.c — the progress display of `sluice run`, fed by the library's per-chunk callback
 * (sl_pipeline_options.on_progress): a bar rewritten in place on a terminal, or a log line per
 * chunk. It writes to stderr so stdout keeps only the run summary.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "cli.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

/* Width of the [####....] part of the bar. */
#define BAR_WIDTH 20

/* A table not reported for this long (seconds) has finished, as far as the bar can tell. */
#define RUNNING_GRACE 3.0

const cli_enum cli_progress_modes[] = {
	{"auto", CLI_PROGRESS_AUTO},
	{"bar", CLI_PROGRESS_BAR},
	{"log", CLI_PROGRESS_LOG},
	{"none", CLI_PROGRESS_NONE},
	{NULL, 0},
};

void cli_progress_init(cli_progress *progress, cli_progress_mode mode, FILE *out)
{
	if (mode == CLI_PROGRESS_AUTO)
		mode = isatty(fileno(out)) ? CLI_PROGRESS_BAR : CLI_PROGRESS_NONE;
	progress->mode = mode;
	progress->out = out;
	progress->last_len = 0;
	progress->table[0] = '\0';
	progress->parallel = false;
	memset(progress->running, 0, sizeof(progress->running));
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Note `p` among the tables running; returns how many others ran lately. */
static size_t note_running(cli_progress *progress, const sl_progress *p)
{
	double now = now_seconds();
	cli_progress_slot *mine = NULL, *oldest = &progress->running[0];
	size_t others = 0;
	for (size_t i = 0; i < CLI_PROGRESS_SLOTS; i++) {
		cli_progress_slot *s = &progress->running[i];
		if (s->at > 0 && now - s->at > RUNNING_GRACE)
			s->at = 0; /* finished */
		if (s->at > 0 && strcmp(s->table, p->table) == 0)
			mine = s;
		else if (s->at > 0)
			others++;
		if (s->at < oldest->at)
			oldest = s;
	}
	if (!mine) {
		mine = oldest;
		snprintf(mine->table, sizeof(mine->table), "%s", p->table);
	}
	mine->rows_loaded = p->rows_loaded;
	mine->at = now;
	return others;
}

/* "t01 12000 rows | t02 800 rows | ...": the tables loading in parallel, in slot order. */
static int format_running(char *line, size_t size, const cli_progress *progress)
{
	size_t len = 0;
	for (size_t i = 0; i < CLI_PROGRESS_SLOTS && len < size; i++) {
		const cli_progress_slot *s = &progress->running[i];
		if (s->at == 0)
			continue;
		int n = snprintf(line + len, size - len, "%s%s: %llu rows", len ? " | " : "",
				 s->table, (unsigned long long)s->rows_loaded);
		if (n < 0)
			return -1;
		len += (size_t)n;
	}
	return (int)len;
}

/* "45s", "3m07s", "2h05m". */
static void format_eta(char *out, size_t outlen, double seconds)
{
	unsigned long s = (unsigned long)(seconds + 0.5);

	if (s < 60)
		snprintf(out, outlen, "%lus", s);
	else if (s < 3600)
		snprintf(out, outlen, "%lum%02lus", s / 60, s % 60);
	else
		snprintf(out, outlen, "%luh%02lum", s / 3600, s / 60 % 60);
}

static double rows_per_second(const sl_progress *p)
{
	return p->seconds > 0 ? (double)p->rows_extracted / p->seconds : 0;
}

/* ", 42% of 10000, ETA 1m12s" when the run's total is known, else "". */
static void format_done(char *out, size_t outlen, const sl_progress *p)
{
	char eta[32] = "?";
	double rate = rows_per_second(p);

	out[0] = '\0';
	if (p->rows_total <= 0)
		return;
	double left = p->rows_total > (int64_t)p->rows_extracted
			      ? (double)((uint64_t)p->rows_total - p->rows_extracted)
			      : 0;
	if (rate > 0)
		format_eta(eta, sizeof(eta), left / rate);
	snprintf(out, outlen, ", %.0f%% of %lld, ETA %s",
		 100.0 * (double)p->rows_extracted / (double)p->rows_total,
		 (long long)p->rows_total, eta);
}

/* "[#########...........] " for a known total, else "". */
static void format_bar(char *out, size_t outlen, const sl_progress *p)
{
	size_t filled;

	out[0] = '\0';
	if (p->rows_total <= 0 || outlen < BAR_WIDTH + 4)
		return;
	filled = (size_t)((double)BAR_WIDTH * (double)p->rows_extracted / (double)p->rows_total);
	if (filled > BAR_WIDTH)
		filled = BAR_WIDTH;
	out[0] = '[';
	memset(out + 1, '#', filled);
	memset(out + 1 + filled, '.', BAR_WIDTH - filled);
	memcpy(out + 1 + BAR_WIDTH, "] ", 3);
}

static void show_bar(cli_progress *progress, const sl_progress *p)
{
	char bar[BAR_WIDTH + 4];
	char done[96];
	char line[384];
	int len;

	if (progress->parallel && note_running(progress, p) > 0) {
		/* tables in parallel: one line for all of them, rewritten in place */
		progress->table[0] = '\0';
		len = format_running(line, sizeof(line), progress);
	} else {
		/* a new table keeps the finished line of the previous one */
		if (progress->last_len > 0 && strcmp(progress->table, p->table) != 0)
			cli_progress_end(progress);
		snprintf(progress->table, sizeof(progress->table), "%s", p->table);
		format_bar(bar, sizeof(bar), p);
		format_done(done, sizeof(done), p);
		len = snprintf(line, sizeof(line), "%s: %s%llu rows, %llu chunk%s, %.0f rows/s%s",
			       p->table, bar, (unsigned long long)p->rows_loaded,
			       (unsigned long long)p->chunks, p->chunks == 1 ? "" : "s",
			       rows_per_second(p), done);
	}
	if (len < 0)
		return;
	size_t n = (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1;
	/* blank out the rest of a longer previous line */
	fprintf(progress->out, "\r%s%*s", line,
		(int)(progress->last_len > n ? progress->last_len - n : 0), "");
	fflush(progress->out);
	progress->last_len = n;
}

static void show_log(cli_progress *progress, const sl_progress *p)
{
	char done[96];

	format_done(done, sizeof(done), p);
	fprintf(progress->out,
		"%s: chunk %llu: %llu rows loaded (%llu read), %.2f s, %.0f rows/s%s\n", p->table,
		(unsigned long long)p->chunks, (unsigned long long)p->rows_loaded,
		(unsigned long long)p->rows_extracted, p->seconds, rows_per_second(p), done);
	fflush(progress->out);
}

void cli_progress_update(void *ctx, const sl_progress *p)
{
	cli_progress *progress = ctx;

	if (progress->mode == CLI_PROGRESS_BAR)
		show_bar(progress, p);
	else if (progress->mode == CLI_PROGRESS_LOG)
		show_log(progress, p);
}

void cli_progress_end(cli_progress *progress)
{
	if (progress->mode == CLI_PROGRESS_BAR && progress->last_len > 0) {
		fputc('\n', progress->out);
		fflush(progress->out);
	}
	progress->last_len = 0;
}

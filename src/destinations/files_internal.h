/*
 * files_internal.h — what the files destination's two files share: the filesystem under a
 * dataset directory (files_store.c: names made safe for paths, files written durably, the commit
 * journal and its recovery), used by the driver (files.c).
 */
#ifndef SL_FILES_INTERNAL_H
#define SL_FILES_INTERNAL_H

#include "destination.h"

/* Put `name` into `b` as one path component: every byte but [A-Za-z0-9_-] (and '.' after the
   first byte, when `dots`) becomes %XX, so no name can climb out of its directory or collide
   with a '.' separator that the caller puts between names. */
void fs_put_name(sl_buf *b, const char *name, bool dots);

/* The name fs_put_name encoded as `enc` (caller frees); NULL on ENOMEM. */
char *fs_decode_name(const char *enc);

/* mkdir -p: `path` and its missing parents, as directories. */
int fs_mkdirs(const char *path);

/* Whether `path` exists (any kind of file, a dangling symlink too). */
bool fs_exists(const char *path);

/* fsync a file or directory by path. */
int fs_fsync(const char *path);

/* fsync the directory holding `path`, so that a rename or a new name in it is durable. */
int fs_fsync_parent(const char *path);

/* Create (or truncate) `path`, write `len` bytes of `data`, fsync it. */
int fs_write_file(const char *path, const char *data, size_t len);

/* Remove `path` and, if it is a directory (not followed when a symlink), what it holds; a
   missing path is fine. */
int fs_remove(const char *path);

/* The names in `dir` that end in `suffix` ("" for all but "." and ".."), sorted (free with
   fs_names_free). A missing directory has none. */
int fs_names(char ***out, size_t *n, const char *dir, const char *suffix);
void fs_names_free(char **names, size_t n);

/*
 * The journal of a transaction: the renames and removals that make its changes visible, as lines
 * "R from\tto" and "D path" (paths relative to the dataset directory `dir`), written durably to
 * `dir`/_sluice/txn/`name` before any is made: that write is the commit. Then each step is made,
 * the directories they change are fsynced, and the journal goes. Every step can be made again
 * (a rename whose source is gone is done; a removal of nothing is done), so whoever finds a
 * journal after a crash finishes it (fs_recover). *committed says whether the journal was
 * written, even when a step then failed.
 */
int fs_journal_commit(bool *committed, const char *dir, const char *name, const char *text);

/* Finish the journals and remove the temporary directories (_sluice/tmp/PID.*) of processes that
   are gone, or of every other process when `everything` (no other process has the dataset
   open: the caller holds the dataset's lock exclusively). */
int fs_recover(const char *dir, bool everything);

#endif

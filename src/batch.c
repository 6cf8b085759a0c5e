/*
 * batch.c — columnar row batches and the per-batch arena that holds their variable-length values.
 *
 * A batch is allocated once per scan and refilled: sl_batch_reset() clears validity and rewinds
 * the arena without freeing, so steady-state streaming allocates nothing per row or per value.
 */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_BLOCK (64 * 1024)

struct sl_arena_block {
	sl_arena_block *next; /* older block */
	size_t size;	      /* usable bytes in data */
	char data[];
};

void *sl_arena_alloc(sl_arena *arena, size_t size)
{
	size = (size + 7) & ~(size_t)7;
	if (!arena->head || arena->head->size - arena->used < size) {
		size_t bsize = ARENA_MIN_BLOCK;
		if (arena->head && arena->head->size * 2 > bsize)
			bsize = arena->head->size * 2;
		if (bsize < size)
			bsize = size;
		sl_arena_block *b = sl_malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->next = arena->head;
		b->size = bsize;
		arena->head = b;
		arena->used = 0;
		arena->total += bsize;
	}
	void *p = arena->head->data + arena->used;
	arena->used += size;
	return p;
}

const char *sl_arena_copy(sl_arena *arena, const char *data, size_t len)
{
	char *p = sl_arena_alloc(arena, len ? len : 1);
	if (p && len)
		memcpy(p, data, len);
	return p;
}

void sl_arena_reset(sl_arena *arena)
{
	/* Keep only the newest (largest) block: after a warm-up the arena stops allocating. */
	if (!arena->head)
		return;
	sl_arena_block *b = arena->head->next;
	while (b) {
		sl_arena_block *next = b->next;
		arena->total -= b->size;
		free(b);
		b = next;
	}
	arena->head->next = NULL;
	arena->used = 0;
}

void sl_arena_free(sl_arena *arena)
{
	sl_arena_reset(arena);
	free(arena->head);
	memset(arena, 0, sizeof(*arena));
}

static size_t validity_words(size_t capacity)
{
	return (capacity + 63) / 64;
}

sl_batch *sl_batch_new(const sl_table_schema *schema, size_t seen_flags)
{
	sl_batch *b = sl_calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->capacity = SL_BATCH_CAPACITY;
	b->ncolumns = schema->ncolumns + seen_flags;
	b->columns = sl_calloc(b->ncolumns, sizeof(*b->columns));
	if (!b->columns)
		goto fail;
	for (size_t i = 0; i < b->ncolumns; i++) {
		sl_vector *v = &b->columns[i];
		if (i < schema->ncolumns) {
			v->type = schema->columns[i].type;
			v->precision = schema->columns[i].precision;
			v->scale = schema->columns[i].scale;
		} else {
			v->type = SL_TYPE_BOOL;
		}
		v->data = sl_calloc(b->capacity, sl_type_value_size(v->type, v->precision));
		v->validity = sl_calloc(validity_words(b->capacity), sizeof(uint64_t));
		if (!v->data || !v->validity)
			goto fail;
		if (v->type == SL_TYPE_LIST) {
			v->child = sl_calloc(1, sizeof(*v->child));
			if (!v->child)
				goto fail;
			v->child->type = schema->columns[i].element;
			v->child->precision = v->precision;
			v->child->scale = v->scale;
		}
	}
	return b;
fail:
	sl_batch_free(b);
	return NULL;
}

void sl_batch_free(sl_batch *batch)
{
	if (!batch)
		return;
	for (size_t i = 0; batch->columns && i < batch->ncolumns; i++) {
		sl_vector *v = &batch->columns[i];
		if (v->child) {
			free(v->child->data);
			free(v->child->validity);
			free(v->child);
		}
		free(v->data);
		free(v->validity);
	}
	free(batch->columns);
	sl_arena_free(&batch->arena);
	free(batch);
}

void sl_batch_reset(sl_batch *batch)
{
	/* all of the allocation, not just `capacity`: the pipeline shrinks capacity at chunk ends */
	for (size_t i = 0; i < batch->ncolumns; i++) {
		memset(batch->columns[i].validity, 0,
		       validity_words(SL_BATCH_CAPACITY) * sizeof(uint64_t));
		batch->columns[i].child_len = 0;
	}
	batch->nrows = 0;
	sl_arena_reset(&batch->arena);
}

size_t sl_batch_bytes(const sl_batch *b)
{
	size_t bytes = b->arena.total;
	for (size_t i = 0; i < b->ncolumns; i++) {
		const sl_vector *v = &b->columns[i];
		bytes += SL_BATCH_CAPACITY * sl_type_value_size(v->type, v->precision) +
			 validity_words(SL_BATCH_CAPACITY) * sizeof(uint64_t);
		if (v->child)
			bytes += v->child_cap *
					 sl_type_value_size(v->child->type, v->child->precision) +
				 validity_words(v->child_cap) * sizeof(uint64_t);
	}
	return bytes;
}

void sl_batch_reset_in_chunk(sl_batch *b, uint64_t chunk_size, uint64_t chunk_read)
{
	sl_batch_reset(b);
	uint64_t room = chunk_size - chunk_read;
	b->capacity = room < SL_BATCH_CAPACITY ? (size_t)room : SL_BATCH_CAPACITY;
}

/* Grow a LIST column's child vector to hold at least `need` elements. */
static int grow_child(sl_vector *v, size_t need)
{
	sl_vector *child = v->child;
	size_t cap = v->child_cap ? v->child_cap : 1024;
	while (cap < need)
		cap *= 2;
	size_t size = sl_type_value_size(child->type, child->precision);
	void *data = sl_realloc(child->data, cap * size);
	if (!data)
		return SL_ENOMEM;
	child->data = data;
	uint64_t *validity = sl_realloc(child->validity, validity_words(cap) * sizeof(uint64_t));
	if (!validity)
		return SL_ENOMEM;
	child->validity = validity;
	v->child_cap = cap;
	return 0;
}

int sl_batch_list_append(sl_batch *b, size_t col, size_t row, size_t n, size_t *first)
{
	sl_vector *v = &b->columns[col];
	if (v->child_len + n > v->child_cap && grow_child(v, v->child_len + n))
		return SL_ENOMEM;
	*first = v->child_len;
	for (size_t i = v->child_len; i < v->child_len + n; i++)
		sl_vector_set_null(v->child, i);
	((sl_list_entry *)v->data)[row] = (sl_list_entry){v->child_len, n};
	v->child_len += n;
	return 0;
}

static void move_row(sl_batch *b, size_t to, size_t from)
{
	for (size_t c = 0; c < b->ncolumns; c++) {
		sl_vector *v = &b->columns[c];
		size_t sz = sl_type_value_size(v->type, v->precision);
		memcpy((char *)v->data + to * sz, (char *)v->data + from * sz, sz);
		if (sl_batch_is_valid(b, c, from))
			sl_batch_set_valid(b, c, to);
		else
			sl_batch_set_null(b, c, to);
	}
}

static void clear_rows_from(sl_batch *b, size_t n)
{
	for (size_t c = 0; c < b->ncolumns; c++)
		for (size_t r = n; r < b->nrows; r++)
			sl_batch_set_null(b, c, r);
	b->nrows = n;
}

size_t sl_batch_filter(sl_batch *batch, const bool *keep)
{
	size_t out = 0;
	for (size_t r = 0; r < batch->nrows; r++) {
		if (!keep[r])
			continue;
		if (out != r)
			move_row(batch, out, r);
		out++;
	}
	clear_rows_from(batch, out);
	return out;
}

void sl_batch_drop_front(sl_batch *batch, size_t n)
{
	for (size_t r = n; r < batch->nrows; r++)
		move_row(batch, r - n, r);
	clear_rows_from(batch, batch->nrows - n);
}

void sl_batch_truncate(sl_batch *batch, size_t n)
{
	if (n < batch->nrows)
		clear_rows_from(batch, n);
}

size_t sl_type_value_size(sl_type type, int precision)
{
	switch (type) {
	case SL_TYPE_BOOL:
	case SL_TYPE_INT8:
	case SL_TYPE_UINT8:
		return 1;
	case SL_TYPE_INT16:
	case SL_TYPE_UINT16:
		return 2;
	case SL_TYPE_INT32:
	case SL_TYPE_UINT32:
	case SL_TYPE_FLOAT:
	case SL_TYPE_DATE:
		return 4;
	case SL_TYPE_INT64:
	case SL_TYPE_UINT64:
	case SL_TYPE_DOUBLE:
	case SL_TYPE_TIME:
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		return 8;
	case SL_TYPE_DECIMAL:
		return precision <= 4 ? 2 : precision <= 9 ? 4 : precision <= 18 ? 8 : 16;
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
	case SL_TYPE_JSON:
		return sizeof(sl_bytes);
	case SL_TYPE_INTERVAL:
		return sizeof(sl_interval);
	case SL_TYPE_UUID:
		return sizeof(sl_int128);
	case SL_TYPE_LIST:
		return sizeof(sl_list_entry);
	case SL_TYPE__COUNT:
		break;
	}
	return 8;
}

/*
 * The cache of bundle files found intact (bundlecache.h).  One line per
 * entry after a line that names the format:
 *   <name> <size> <seconds>.<nanoseconds> <40 hex digits of the checksum>
 * A line is taken only when writing it again gives the very same bytes;
 * any other line, or a file cut short, empties the whole cache.
 */
#include "bundlecache.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "repo.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define CACHE_MAGIC "khaosat-bundle-cache 1\n"
#define LINE_MAX_BYTES 256

static int format_entry(struct ks_buf *out,
			const struct ks_bundle_cache_entry *e)
{
	size_t i;
	int r = ks_buf_addf(out, "%s %" PRIu64 " %" PRId64 ".%09ld ", e->name,
			    e->stamp.size, e->stamp.mtime_sec,
			    e->stamp.mtime_nsec);

	for (i = 0; i < sizeof(e->stamp.trailer) && !r; i++)
		r = ks_buf_addf(out, "%02x", e->stamp.trailer[i]);
	return r ? r : ks_buf_putc(out, '\n');
}

/* A name kept in the cache: printable, no space, not too long. */
static int name_ok(const char *name)
{
	const unsigned char *p;
	size_t n = strlen(name);

	if (!n || n > KS_BUNDLE_CACHE_NAME_MAX)
		return 0;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

static int stamp_ok(const struct ks_bundle_stamp *st)
{
	return st->size > 0 && st->mtime_sec >= 0 && st->mtime_nsec >= 0 &&
	       st->mtime_nsec < 1000000000L;
}

/* One line (with its newline): 1 when it reads back exactly, else 0. */
static int parse_entry(struct ks_bundle_cache_entry *e, const char *line,
		       size_t len, struct ks_buf *check)
{
	char copy[LINE_MAX_BYTES], hex[41];
	unsigned long long size;
	long long sec;
	long nsec;
	size_t i;

	if (len >= sizeof(copy))
		return 0;
	memcpy(copy, line, len);
	copy[len] = '\0';
	memset(e, 0, sizeof(*e));
	if (sscanf(copy, "%64s %llu %lld.%ld %40s", e->name, &size, &sec,
		   &nsec, hex) != 5 || strlen(hex) != 40)
		return 0;
	for (i = 0; i < sizeof(e->stamp.trailer); i++) {
		unsigned int byte;

		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return 0;
		e->stamp.trailer[i] = (unsigned char)byte;
	}
	e->stamp.size = size;
	e->stamp.mtime_sec = sec;
	e->stamp.mtime_nsec = nsec;
	if (!name_ok(e->name) || !stamp_ok(&e->stamp))
		return 0;
	ks_buf_reset(check);
	return format_entry(check, e) == 0 && check->len == len &&
	       !memcmp(check->ptr, line, len);
}

static int grow(struct ks_bundle_cache *c)
{
	return ks_grow(&c->v, c->n, &c->alloc, sizeof(*c->v), 16);
}

int ks_bundle_cache_load(struct ks_bundle_cache *c, git_repository *repo)
{
	struct ks_buf text = KS_BUF_INIT, check = KS_BUF_INIT, p = KS_BUF_INIT;
	const char *s, *end, *nl;
	int err = 0;

	memset(c, 0, sizeof(*c));
	if (ks_buf_addf(&p, "%s%s", git_repository_path(repo),
			KS_BUNDLE_CACHE_FILE) < 0)
		return -1;
	c->path = ks_buf_detach(&p, NULL);
	if (!c->path)
		return -1;
	if (ks_buf_read_file(&text, c->path, 1u << 20) < 0)
		goto out;	/* none yet, or unreadable: start afresh */
	if (text.len < strlen(CACHE_MAGIC) ||
	    memcmp(text.ptr, CACHE_MAGIC, strlen(CACHE_MAGIC))) {
		c->changed = 1;
		goto out;
	}
	end = text.ptr + text.len;
	for (s = text.ptr + strlen(CACHE_MAGIC); s < end; s = nl + 1) {
		if (!(nl = memchr(s, '\n', (size_t)(end - s))) ||
		    c->n >= KS_BUNDLE_CACHE_MAX) {
			c->n = 0;	/* cut short or grown: not ours */
			c->changed = 1;
			break;
		}
		if (grow(c) < 0) {
			err = -1;
			break;
		}
		if (!parse_entry(&c->v[c->n], s, (size_t)(nl - s + 1), &check)) {
			c->n = 0;
			c->changed = 1;
			break;
		}
		c->n++;
	}
out:
	ks_buf_release(&text);
	ks_buf_release(&check);
	return err;
}

static int same_stamp(const struct ks_bundle_stamp *a,
		      const struct ks_bundle_stamp *b)
{
	return a->size == b->size && a->mtime_sec == b->mtime_sec &&
	       a->mtime_nsec == b->mtime_nsec &&
	       !memcmp(a->trailer, b->trailer, sizeof(a->trailer));
}

static struct ks_bundle_cache_entry *find(struct ks_bundle_cache *c,
					  const char *name,
					  const struct ks_bundle_stamp *st)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name) && same_stamp(&c->v[i].stamp, st))
			return &c->v[i];
	return NULL;
}

int ks_bundle_cache_has(struct ks_bundle_cache *c, const char *name,
			const struct ks_bundle_stamp *st)
{
	struct ks_bundle_cache_entry *e;

	if (!stamp_ok(st) || !(e = find(c, name, st)))
		return 0;
	e->used = 1;
	return 1;
}

int ks_bundle_cache_add(struct ks_bundle_cache *c, const char *name,
			const struct ks_bundle_stamp *st)
{
	struct ks_bundle_cache_entry *e;

	if (!stamp_ok(st) || !name_ok(name))
		return 0;
	if ((e = find(c, name, st))) {
		e->used = 1;
		return 0;
	}
	if (grow(c) < 0)
		return -1;
	e = &c->v[c->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, strlen(name) + 1);
	e->stamp = *st;
	e->used = 1;
	c->changed = 1;
	return 0;
}

int ks_bundle_cache_save(struct ks_bundle_cache *c, struct ks_diags *d)
{
	struct ks_buf out = KS_BUF_INIT;
	size_t i, kept = 0;
	int pass, err = 0;

	if (!c->changed || !c->path)
		return 0;
	if (ks_buf_puts(&out, CACHE_MAGIC) < 0)
		return -1;
	/* What this run met first, so the oldest entries make room. */
	for (pass = 1; pass >= 0 && !err; pass--)
		for (i = 0; i < c->n && kept < KS_BUNDLE_CACHE_MAX && !err; i++)
			if (c->v[i].used == pass) {
				err = format_entry(&out, &c->v[i]);
				kept++;
			}
	if (!err)
		err = ks_file_put_text(c->path, &out, 0, d);
	if (!err)
		c->changed = 0;
	ks_buf_release(&out);
	return err;
}

void ks_bundle_cache_release(struct ks_bundle_cache *c)
{
	ks_free(c->path);
	ks_free(c->v);
	memset(c, 0, sizeof(*c));
}

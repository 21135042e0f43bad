/*
 * The record reader (libyaml events into a located tree, with the checks that
 * keep records unambiguous) and the canonical writer.  See record.h.
 */
#include "record.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "table.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- documents and their arena ---- */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct ks_doc {
	struct chunk *chunks;
	struct ks_node *root;
	char *path;
	int verbatim;		/* KS_PARSE_VERBATIM: no NFC */
};

#define CHUNK_SIZE 16384

void *ks_doc_alloc(struct ks_doc *doc, size_t size)
{
	struct chunk *c = doc->chunks;
	size_t align = sizeof(max_align_t);
	void *p;

	size = (size + align - 1) / align * align;
	if (!c || c->size - c->used < size) {
		size_t n = size > CHUNK_SIZE ? size : CHUNK_SIZE;

		c = ks_malloc(sizeof(*c) + n);
		if (!c)
			return NULL;
		c->size = n;
		c->used = 0;
		/* A big one-off block goes behind the current chunk. */
		if (n > CHUNK_SIZE && doc->chunks) {
			c->next = doc->chunks->next;
			doc->chunks->next = c;
		} else {
			c->next = doc->chunks;
			doc->chunks = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

struct ks_doc *ks_doc_new(const char *path)
{
	struct ks_doc *doc = ks_calloc(1, sizeof(*doc));

	if (!doc)
		return NULL;
	if (path && !(doc->path = ks_strdup(path))) {
		ks_free(doc);
		return NULL;
	}
	return doc;
}

void ks_doc_free(struct ks_doc *doc)
{
	struct chunk *c, *next;

	if (!doc)
		return;
	for (c = doc->chunks; c; c = next) {
		next = c->next;
		ks_free(c);
	}
	ks_free(doc->path);
	ks_free(doc);
}

struct ks_node *ks_doc_root(const struct ks_doc *doc)
{
	return doc->root;
}

void ks_doc_set_root(struct ks_doc *doc, struct ks_node *root)
{
	doc->root = root;
}

const char *ks_doc_path(const struct ks_doc *doc)
{
	return doc->path;
}

/* Copies `s` into the arena in NFC. */
static const char *doc_string(struct ks_doc *doc, const char *s, size_t len,
			      size_t *outlen)
{
	char *p, *nfc = NULL;

	if (!doc->verbatim && !ks_is_nfc_quick(s, len)) {
		nfc = ks_nfc(s, len, &len);
		if (!nfc)
			return NULL;
		s = nfc;
	}
	p = ks_doc_alloc(doc, len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
		*outlen = len;
	}
	ks_free(nfc);
	return p;
}

static struct ks_node *node_new(struct ks_doc *doc, enum ks_node_kind kind)
{
	struct ks_node *n = ks_doc_alloc(doc, sizeof(*n));

	if (n) {
		memset(n, 0, sizeof(*n));
		n->kind = kind;
	}
	return n;
}

struct ks_node *ks_node_scalar(struct ks_doc *doc, const char *str,
			       size_t len, unsigned quoted)
{
	struct ks_node *n;
	int line, col;

	if (ks_utf8_check(str, len, &line, &col) < 0 || memchr(str, 0, len))
		return NULL;
	n = node_new(doc, KS_NODE_SCALAR);
	if (!n)
		return NULL;
	n->u.scalar.str = doc_string(doc, str, len, &n->u.scalar.len);
	if (!n->u.scalar.str)
		return NULL;
	n->u.scalar.quoted = !!quoted;
	return n;
}

struct ks_node *ks_node_map(struct ks_doc *doc)
{
	return node_new(doc, KS_NODE_MAP);
}

struct ks_node *ks_node_seq(struct ks_doc *doc)
{
	return node_new(doc, KS_NODE_SEQ);
}

/* Grows an arena array of `elem`-sized items to hold one more. */
static int arena_grow(struct ks_doc *doc, void **v, size_t n, size_t *alloc,
		      size_t elem)
{
	size_t na;
	void *p;

	if (n < *alloc)
		return 0;
	na = *alloc ? *alloc * 2 : 4;
	p = ks_doc_alloc(doc, na * elem);
	if (!p)
		return -1;
	if (n)
		memcpy(p, *v, n * elem);
	*v = p;
	*alloc = na;
	return 0;
}

static int map_append(struct ks_doc *doc, struct ks_node *map,
		      const char *key, size_t keylen, int line, int col,
		      struct ks_node *value)
{
	struct ks_pair *p;

	if (arena_grow(doc, (void **)&map->u.map.v, map->u.map.n,
		       &map->u.map.alloc, sizeof(struct ks_pair)) < 0)
		return -1;
	p = &map->u.map.v[map->u.map.n++];
	p->key = key;
	p->key_len = keylen;
	p->line = line;
	p->col = col;
	p->value = value;
	return 0;
}

int ks_map_set(struct ks_doc *doc, struct ks_node *map, const char *key,
	       struct ks_node *value)
{
	size_t i, len;
	const char *k;

	if (map->kind != KS_NODE_MAP)
		return -1;
	k = doc_string(doc, key, strlen(key), &len);
	if (!k)
		return -1;
	for (i = 0; i < map->u.map.n; i++) {
		if (!strcmp(map->u.map.v[i].key, k)) {
			map->u.map.v[i].value = value;
			return 0;
		}
	}
	return map_append(doc, map, k, len, 0, 0, value);
}

int ks_map_remove(struct ks_node *map, const char *key)
{
	size_t i;

	if (map->kind != KS_NODE_MAP)
		return 0;
	for (i = 0; i < map->u.map.n; i++) {
		if (!strcmp(map->u.map.v[i].key, key)) {
			memmove(&map->u.map.v[i], &map->u.map.v[i + 1],
				(map->u.map.n - i - 1) * sizeof(struct ks_pair));
			map->u.map.n--;
			return 1;
		}
	}
	return 0;
}

int ks_seq_push(struct ks_doc *doc, struct ks_node *seq, struct ks_node *item)
{
	if (seq->kind != KS_NODE_SEQ)
		return -1;
	if (arena_grow(doc, (void **)&seq->u.seq.v, seq->u.seq.n,
		       &seq->u.seq.alloc, sizeof(struct ks_node *)) < 0)
		return -1;
	seq->u.seq.v[seq->u.seq.n++] = item;
	return 0;
}

struct ks_node *ks_node_clone(struct ks_doc *doc, const struct ks_node *node)
{
	struct ks_node *n;
	size_t i;

	n = node_new(doc, node->kind);
	if (!n)
		return NULL;
	n->line = node->line;
	n->col = node->col;
	switch (node->kind) {
	case KS_NODE_SCALAR:
		n->u.scalar.str = doc_string(doc, node->u.scalar.str,
					     node->u.scalar.len,
					     &n->u.scalar.len);
		if (!n->u.scalar.str)
			return NULL;
		n->u.scalar.quoted = node->u.scalar.quoted;
		break;
	case KS_NODE_MAP:
		for (i = 0; i < node->u.map.n; i++) {
			const struct ks_pair *p = &node->u.map.v[i];
			struct ks_node *v = ks_node_clone(doc, p->value);
			size_t len;
			const char *k = doc_string(doc, p->key, p->key_len,
						   &len);

			if (!v || !k || map_append(doc, n, k, len, p->line,
						   p->col, v) < 0)
				return NULL;
		}
		break;
	case KS_NODE_SEQ:
		for (i = 0; i < node->u.seq.n; i++) {
			struct ks_node *v = ks_node_clone(doc,
							  node->u.seq.v[i]);

			if (!v || ks_seq_push(doc, n, v) < 0)
				return NULL;
		}
		break;
	}
	return n;
}

const struct ks_pair *ks_map_pair(const struct ks_node *map, const char *key)
{
	size_t i;

	if (!map || map->kind != KS_NODE_MAP)
		return NULL;
	for (i = 0; i < map->u.map.n; i++)
		if (!strcmp(map->u.map.v[i].key, key))
			return &map->u.map.v[i];
	return NULL;
}

struct ks_node *ks_map_get(const struct ks_node *map, const char *key)
{
	const struct ks_pair *p = ks_map_pair(map, key);

	return p ? p->value : NULL;
}

int ks_node_equal(const struct ks_node *a, const struct ks_node *b)
{
	size_t i;

	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case KS_NODE_SCALAR:
		return a->u.scalar.quoted == b->u.scalar.quoted &&
		       a->u.scalar.len == b->u.scalar.len &&
		       !memcmp(a->u.scalar.str, b->u.scalar.str,
			       a->u.scalar.len);
	case KS_NODE_MAP:
		if (a->u.map.n != b->u.map.n)
			return 0;
		for (i = 0; i < a->u.map.n; i++) {
			const struct ks_node *bv =
				ks_map_get(b, a->u.map.v[i].key);

			if (!bv || !ks_node_equal(a->u.map.v[i].value, bv))
				return 0;
		}
		return 1;
	case KS_NODE_SEQ:
		if (a->u.seq.n != b->u.seq.n)
			return 0;
		for (i = 0; i < a->u.seq.n; i++)
			if (!ks_node_equal(a->u.seq.v[i], b->u.seq.v[i]))
				return 0;
		return 1;
	}
	return 0;
}

/* ---- scalar resolution (YAML 1.2 core schema) ---- */

static int all_chars(const char *s, const char *set)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr(set, *s))
			return 0;
	return 1;
}

static int is_core_int(const char *s)
{
	if (!strncmp(s, "0o", 2))
		return all_chars(s + 2, "01234567");
	if (!strncmp(s, "0x", 2))
		return all_chars(s + 2, "0123456789abcdefABCDEF");
	if (*s == '-' || *s == '+')
		s++;
	return all_chars(s, "0123456789");
}

static int is_core_float(const char *s)
{
	const char *p = s;
	int digits = 0;

	if (*p == '-' || *p == '+')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
		return 1;
	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return 1;
	while (*p >= '0' && *p <= '9') {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static enum ks_scalar_type core_type(const char *s)
{
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	    !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return KS_SCALAR_NULL;
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE") ||
	    !strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return KS_SCALAR_BOOL;
	if (is_core_int(s))
		return KS_SCALAR_INT;
	if (is_core_float(s))
		return KS_SCALAR_FLOAT;
	return KS_SCALAR_STRING;
}

enum ks_scalar_type ks_scalar_type(const struct ks_node *n)
{
	if (n->kind != KS_NODE_SCALAR || n->u.scalar.quoted)
		return KS_SCALAR_STRING;
	return core_type(n->u.scalar.str);
}

int ks_node_finite(const struct ks_node *n, double *out)
{
	return n && n->kind == KS_NODE_SCALAR && ks_scalar_number(n, out) == 0 &&
	       isfinite(*out);
}

int ks_scalar_number(const struct ks_node *n, double *out)
{
	const char *s = n->u.scalar.str, *p;
	int neg = 0;

	switch (ks_scalar_type(n)) {
	case KS_SCALAR_INT:
		if (!strncmp(s, "0o", 2)) {
			*out = (double)strtoull(s + 2, NULL, 8);
			return 0;
		}
		if (!strncmp(s, "0x", 2)) {
			*out = (double)strtoull(s + 2, NULL, 16);
			return 0;
		}
		*out = strtod(s, NULL);
		return 0;
	case KS_SCALAR_FLOAT:
		p = s;
		if (*p == '-' || *p == '+')
			neg = *p++ == '-';
		if (!strcasecmp(p, ".inf")) {
			*out = neg ? -INFINITY : INFINITY;
			return 0;
		}
		if (!strcasecmp(p, ".nan")) {
			*out = NAN;
			return 0;
		}
		*out = strtod(s, NULL);
		return 0;
	default:
		return -1;
	}
}

int ks_scalar_bool(const struct ks_node *n)
{
	if (ks_scalar_type(n) != KS_SCALAR_BOOL)
		return -1;
	return n->u.scalar.str[0] == 't' || n->u.scalar.str[0] == 'T';
}

/* ---- the reader ---- */

struct frame {
	struct ks_node *node;
	/* mappings: the key waiting for its value */
	const char *key;
	size_t keylen;
	int kline, kcol;
	int have_key;
	/* mappings with many keys: an index of their pairs' positions */
	struct ks_table keys;	/* of uint32_t, empty until then */
	size_t keyhash;		/* of `key`, once the index is there */
};

struct reader {
	struct ks_doc *doc;
	const char *path;
	struct ks_diags *d;
	const char *buf;
	size_t len;
	struct frame stack[KS_MAX_DEPTH + 1];
	int depth;
};

/* `fmt` is marked with N_(): ks_diags_add() looks it up in the catalogue. */
static int fail_at(struct reader *r, const yaml_mark_t *m, const char *fmt,
		   const char *arg)
{
	ks_diags_add(r->d, KS_SEV_ERROR, r->path, (int)m->line + 1,
		     (int)m->column + 1, NULL, NULL, fmt, arg);
	return KS_EINVALID;
}

/* Mappings with this many keys are indexed; fewer are searched in order. */
#define INDEX_FROM 16

struct pair_key {
	const struct ks_node *map;
	const char *key;
	size_t len;
};

static int pair_eq(const void *entry, const void *key)
{
	const struct pair_key *k = key;
	const struct ks_pair *p = &k->map->u.map.v[*(const uint32_t *)entry];

	return p->key_len == k->len && !memcmp(p->key, k->key, k->len);
}

static int index_pair(struct frame *f, size_t i, size_t hash)
{
	uint32_t *e = ks_table_add(&f->keys, hash);

	if (!e)
		return -1;
	*e = (uint32_t)i;
	return 0;
}

/* Indexes the keys of a frame's mapping, grown to INDEX_FROM keys. */
static int frame_index(struct frame *f)
{
	struct ks_node *map = f->node;
	size_t i;

	ks_table_init(&f->keys, sizeof(uint32_t));
	if (ks_table_reserve(&f->keys, map->u.map.n * 2) < 0)
		return -1;
	for (i = 0; i < map->u.map.n; i++) {
		const struct ks_pair *p = &map->u.map.v[i];

		if (index_pair(f, i, ks_hash(p->key, p->key_len)) < 0)
			return -1;
	}
	return 0;
}

/* Index of an existing equal key in the frame's mapping, or -1. */
static long frame_find_key(struct frame *f, const char *key, size_t len)
{
	struct ks_node *map = f->node;
	struct pair_key k = { map, key, len };
	const uint32_t *e;
	size_t i;

	if (!f->keys.cap) {
		for (i = 0; i < map->u.map.n; i++)
			if (map->u.map.v[i].key_len == len &&
			    !memcmp(map->u.map.v[i].key, key, len))
				return (long)i;
		return -1;
	}
	/* Kept for frame_add_pair(), which indexes the key. */
	f->keyhash = ks_hash(key, len);
	e = ks_table_find(&f->keys, f->keyhash, &k, pair_eq);
	return e ? (long)*e : -1;
}

static int frame_add_pair(struct reader *r, struct frame *f,
			  struct ks_node *value)
{
	struct ks_node *map = f->node;

	if (map_append(r->doc, map, f->key, f->keylen, f->kline, f->kcol,
		       value) < 0)
		return -1;
	f->have_key = 0;
	if (f->keys.cap)
		return index_pair(f, map->u.map.n - 1, f->keyhash);
	return map->u.map.n >= INDEX_FROM ? frame_index(f) : 0;
}

/* Attaches a finished node to its parent (or makes it the root). */
static int attach(struct reader *r, struct ks_node *n)
{
	struct frame *f;

	if (r->depth == 0) {
		r->doc->root = n;
		return 0;
	}
	f = &r->stack[r->depth - 1];
	if (f->node->kind == KS_NODE_SEQ)
		return ks_seq_push(r->doc, f->node, n);
	return frame_add_pair(r, f, n);
}

static int on_scalar(struct reader *r, yaml_event_t *ev)
{
	struct frame *f = r->depth ? &r->stack[r->depth - 1] : NULL;
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct ks_node *n;

	if (!r->doc->verbatim && memchr(s, 0, len))
		return fail_at(r, &ev->start_mark,
			       N_("text contains a NUL character%s"), "");
	if (f && f->node->kind == KS_NODE_MAP && !f->have_key) {
		const char *k = doc_string(r->doc, s, len, &len);

		if (!k)
			return -1;
		if (frame_find_key(f, k, len) >= 0)
			return fail_at(r, &ev->start_mark,
				       N_("duplicate key \"%s\""), k);
		f->key = k;
		f->keylen = len;
		f->kline = (int)ev->start_mark.line + 1;
		f->kcol = (int)ev->start_mark.column + 1;
		f->have_key = 1;
		return 0;
	}
	n = node_new(r->doc, KS_NODE_SCALAR);
	if (!n)
		return -1;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	n->u.scalar.str = doc_string(r->doc, s, len, &n->u.scalar.len);
	if (!n->u.scalar.str)
		return -1;
	n->u.scalar.quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	return attach(r, n);
}

static int on_start(struct reader *r, yaml_event_t *ev, enum ks_node_kind k)
{
	struct frame *f = r->depth ? &r->stack[r->depth - 1] : NULL;
	struct ks_node *n;

	if (f && f->node->kind == KS_NODE_MAP && !f->have_key)
		return fail_at(r, &ev->start_mark, "%s", k == KS_NODE_MAP
			       ? _("a key must be plain text, not a mapping")
			       : _("a key must be plain text, not a list"));
	if (r->depth >= KS_MAX_DEPTH)
		return fail_at(r, &ev->start_mark,
			       N_("nesting is deeper than the limit of %s levels"),
			       "64");
	n = node_new(r->doc, k);
	if (!n)
		return -1;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	f = &r->stack[r->depth++];
	memset(f, 0, sizeof(*f));
	f->node = n;
	return 0;
}

static int on_end(struct reader *r)
{
	struct frame *f = &r->stack[--r->depth];
	struct ks_node *n = f->node;

	ks_table_release(&f->keys);
	return attach(r, n);
}

/*
 * Column of a tab among the leading blanks of line `want` (1-based) that
 * has text after it, or 0.  YAML forbids tabs for indentation and editors
 * hide them, so a parse error on such a line is explained as the tab.
 */
static int indent_tab(const char *buf, size_t len, int want)
{
	size_t i = 0;
	int line = 1, col = 1;

	while (i < len && line < want) {
		if (buf[i++] == '\n')
			line++;
	}
	if (line != want)
		return 0;
	for (; i < len && (buf[i] == ' ' || buf[i] == '\t'); i++, col++) {
		if (buf[i] == '\t') {
			size_t k = i;

			while (k < len && (buf[k] == ' ' || buf[k] == '\t'))
				k++;
			return k < len && buf[k] != '\n' && buf[k] != '\r' ? col : 0;
		}
	}
	return 0;
}

/*
 * libyaml's problems in the words of a person who typed the file; one
 * not listed keeps libyaml's own words.
 */
static const struct {
	const char *problem;
	const char *words;
} yaml_words[] = {
	{ "mapping values are not allowed in this context",
	  N_("a colon (:) where this line cannot have one; put a value that holds \": \" in double quotes") },
	{ "did not find expected key",
	  N_("a line is not indented like the fields around it") },
	{ "could not find expected ':'",
	  N_("a field name is not followed by a colon (:)") },
	{ "found character that cannot start any token",
	  N_("a value starts with a character that needs double quotes around the value (such as @, `, & or *)") },
	{ "found unexpected end of stream",
	  N_("the file ends inside a value: a quote or a bracket is not closed") },
	{ "did not find expected node content",
	  N_("a value is missing where one must be") },
	{ "block sequence entries are not allowed in this context",
	  N_("a list item (\"- ...\") where this line cannot have one; check its indentation") },
	{ "did not find expected '-' indicator",
	  N_("a line inside a list does not start with \"- \" like the items around it") },
	{ "did not find expected ',' or ']'",
	  N_("a list in brackets [ ] is not closed with \"]\", or its items are not separated by commas") },
	{ "did not find expected ',' or '}'",
	  N_("a group in braces { } is not closed with \"}\", or its fields are not separated by commas") },
	{ "did not find expected comment or line break",
	  N_("something follows a closed quote on the same line") },
	{ "found unknown escape character",
	  N_("a backslash (\\) inside double quotes that YAML does not know; write \\\\ for a backslash") },
	{ "found undefined tag handle",
	  N_("a value starts with \"!\"; put it in double quotes") },
	{ "control characters are not allowed",
	  N_("a control character (an invisible character that is not a space, tab or line break)") },
};

/* What went wrong, in plain words when libyaml's are known. */
static const char *yaml_problem(const char *problem)
{
	size_t i;

	for (i = 0; problem && i < sizeof(yaml_words) / sizeof(*yaml_words); i++)
		if (!strcmp(problem, yaml_words[i].problem))
			return _(yaml_words[i].words);
	return problem ? problem : _("cannot parse");
}

static int parser_error(struct reader *r, yaml_parser_t *p)
{
	const yaml_mark_t *m = &p->problem_mark;
	struct ks_buf msg = KS_BUF_INIT;

	if (p->error == YAML_MEMORY_ERROR)
		return -1;
	if (p->error != YAML_READER_ERROR) {
		int line = (int)m->line + 1, col = indent_tab(r->buf, r->len, line);

		if (!col && line > 1)
			col = indent_tab(r->buf, r->len, --line);
		if (col)
			return ks_error(r->d, KS_EINVALID, r->path, line, col,
					"tab character in indentation; indent with spaces");
	}
	if (p->error == YAML_READER_ERROR && p->problem &&
	    (strstr(p->problem, "UTF-8") || strstr(p->problem, "Unicode")))
		ks_buf_puts(&msg, _("invalid UTF-8 byte sequence; save the file as UTF-8"));
	else
		/*
		 * TRANSLATORS: the %s says what is wrong; libyaml's own
		 * English words when the problem is not one khaosat knows.
		 */
		ks_buf_addf(&msg, _("the file cannot be read (YAML): %s"),
			    yaml_problem(p->problem));
	if (p->context && p->context_mark.line != m->line)
		ks_buf_addf(&msg, _(" (it began at line %d, column %d)"),
			    (int)p->context_mark.line + 1,
			    (int)p->context_mark.column + 1);
	if (p->error == YAML_READER_ERROR) {
		/* The reader gives a byte offset: count lines and characters. */
		size_t i, off = p->problem_offset;
		int line = 1, col = 1;

		/* A bad trailing byte: point at the sequence it belongs to. */
		if (p->problem && strstr(p->problem, "trailing") && off <= r->len) {
			while (off > 0 && ((unsigned char)r->buf[off - 1] & 0xc0) == 0x80)
				off--;
			if (off > 0)
				off--;
		}

		for (i = 0; i < off && i < r->len; i++) {
			if (r->buf[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)r->buf[i] & 0xc0) != 0x80) {
				col++;
			}
		}
		ks_diags_add(r->d, KS_SEV_ERROR, r->path, line, col, NULL, NULL,
			     "%s", msg.ptr);
	}
	else
		ks_diags_add(r->d, KS_SEV_ERROR, r->path, (int)m->line + 1,
			     (int)m->column + 1, NULL, NULL, "%s", msg.ptr);
	ks_buf_release(&msg);
	return KS_EINVALID;
}

/* libyaml expands !!str to its full name; show what people write. */
static const char *tag_as_written(const yaml_char_t *tag)
{
	static char buf[128];
	const char *t = (const char *)tag, *core = "tag:yaml.org,2002:";

	if (!strncmp(t, core, strlen(core))) {
		snprintf(buf, sizeof(buf), "!!%s", t + strlen(core));
		return buf;
	}
	return t;
}

static int read_events(struct reader *r, yaml_parser_t *p, unsigned flags)
{
	yaml_event_t ev;
	int docs = 0, done = 0, err = 0;

	while (!done && !err) {
		if (!yaml_parser_parse(p, &ev))
			return parser_error(r, p);
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				err = fail_at(r, &ev.start_mark,
					      N_("more than one YAML document in the file%s"),
					      "");
			break;
		case YAML_ALIAS_EVENT:
			err = fail_at(r, &ev.start_mark,
				      N_("aliases (*%s) are not allowed in records"),
				      (const char *)ev.data.alias.anchor);
			break;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.anchor)
				err = fail_at(r, &ev.start_mark,
					      N_("anchors (&%s) are not allowed in records"),
					      (const char *)ev.data.scalar.anchor);
			else if (ev.data.scalar.tag)
				err = fail_at(r, &ev.start_mark,
					      N_("tags (%s) are not allowed in records"),
					      tag_as_written(ev.data.scalar.tag));
			else
				err = on_scalar(r, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			int seq = ev.type == YAML_SEQUENCE_START_EVENT;
			yaml_char_t *anchor = seq ? ev.data.sequence_start.anchor
						  : ev.data.mapping_start.anchor;
			yaml_char_t *tag = seq ? ev.data.sequence_start.tag
					       : ev.data.mapping_start.tag;

			if (anchor)
				err = fail_at(r, &ev.start_mark,
					      N_("anchors (&%s) are not allowed in records"),
					      (const char *)anchor);
			else if (tag)
				err = fail_at(r, &ev.start_mark,
					      N_("tags (%s) are not allowed in records"),
					      tag_as_written(tag));
			else
				err = on_start(r, &ev, seq ? KS_NODE_SEQ
							   : KS_NODE_MAP);
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			err = on_end(r);
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	if (err)
		return err;
	if (!r->doc->root && !(flags & KS_PARSE_ALLOW_EMPTY) &&
	    (flags & KS_PARSE_RECORD))
		return ks_error(r->d, KS_EINVALID, r->path, 0, 0,
				"the file is empty; a record is a mapping of field names to values");
	if ((flags & KS_PARSE_RECORD) && r->doc->root &&
	    r->doc->root->kind != KS_NODE_MAP)
		return ks_error(r->d, KS_EINVALID, r->path,
				r->doc->root->line, r->doc->root->col,
				"a record must be a mapping of field names to values");
	return 0;
}

int ks_doc_parse(struct ks_doc **out, const char *path, const char *buf,
		 size_t len, unsigned flags, struct ks_diags *d)
{
	struct reader r;
	yaml_parser_t parser;
	int line, col, err;
	const char *nul;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.path = path;
	r.d = d;
	if (len > KS_MAX_RECORD_SIZE)
		return ks_error(d, KS_EINVALID, path, 0, 0,
				"file is larger than the limit of %u MiB",
				KS_MAX_RECORD_SIZE >> 20);
	/*
	 * libyaml checks UTF-8 as it reads (parser_error() locates what it
	 * refuses), but it would also accept UTF-16 with a byte order mark.
	 */
	if (len >= 2 && (((unsigned char)buf[0] == 0xfe && (unsigned char)buf[1] == 0xff) ||
			 ((unsigned char)buf[0] == 0xff && (unsigned char)buf[1] == 0xfe)))
		return ks_error(d, KS_EINVALID, path, 1, 1,
				"invalid UTF-8 byte sequence; save the file as UTF-8");
	nul = flags & KS_PARSE_VERBATIM ? NULL : memchr(buf, 0, len);
	if (nul) {
		ks_utf8_check(buf, (size_t)(nul - buf), &line, &col);
		line = 1;
		col = 1;
		for (const char *p = buf; p < nul; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)*p & 0xc0) != 0x80) {
				col++;
			}
		}
		return ks_error(d, KS_EINVALID, path, line, col,
				"NUL byte in the file; save the file as UTF-8 text");
	}
	r.buf = buf;
	r.len = len;
	r.doc = ks_doc_new(path);
	if (!r.doc)
		return -1;
	r.doc->verbatim = !!(flags & KS_PARSE_VERBATIM);
	if (!yaml_parser_initialize(&parser)) {
		ks_doc_free(r.doc);
		return -1;
	}
	/* libyaml detects the encoding itself, and skips a UTF-8 BOM. */
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	err = read_events(&r, &parser, flags);
	yaml_parser_delete(&parser);
	while (r.depth > 0)
		ks_table_release(&r.stack[--r.depth].keys);
	if (err) {
		ks_doc_free(r.doc);
		return err;
	}
	*out = r.doc;
	return 0;
}

int ks_doc_load(struct ks_doc **out, const char *fspath, const char *display,
		unsigned flags, struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	const char *name = display ? display : fspath;
	int err;

	*out = NULL;
	if (ks_buf_read_file(&b, fspath, KS_MAX_RECORD_SIZE) < 0) {
		int e = errno;

		ks_buf_release(&b);
		if (e == ENOENT)
			return ks_error(d, KS_ENOTFOUND, name, 0, 0,
					"no such file");
		if (e == EFBIG)
			return ks_error(d, KS_EINVALID, name, 0, 0,
					"file is larger than the limit of %u MiB",
					KS_MAX_RECORD_SIZE >> 20);
		if (e == EINVAL)
			return ks_error(d, KS_EINVALID, name, 0, 0,
					"is not a plain file (a named pipe, a device or a socket); it was not read");
		return ks_error(d, KS_EIO, name, 0, 0, "cannot read: %s",
				strerror(e));
	}
	err = ks_doc_parse(out, name, b.ptr, b.len, flags, d);
	ks_buf_release(&b);
	return err;
}

/* ---- the canonical writer ---- */

static int is_yaml11_word(const char *s)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null",
		"~", "=", "<<", NULL,
	};
	size_t i;

	for (i = 0; words[i]; i++)
		if (!strcasecmp(s, words[i]))
			return 1;
	return 0;
}

/* A plain scalar with this text parses back to the same text. */
static int plain_syntax_ok(const char *s, size_t len)
{
	size_t i;
	unsigned char c0 = (unsigned char)s[0];

	if (!len || s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':')
		return 0;
	if (strchr("?:,[]{}#&*!|>'\"%@`", c0))
		return 0;
	if (c0 == '-' && !(len > 1 && ((s[1] >= '0' && s[1] <= '9') ||
				       s[1] == '.')))
		return 0;
	if (!strncmp(s, "---", 3) || !strncmp(s, "...", 3))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c == ':' && i + 1 < len && s[i + 1] == ' ')
			return 0;
		if (c == '#' && i > 0 && s[i - 1] == ' ')
			return 0;
		/* NEL, LS, PS, BOM and other oddities: quote and escape. */
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] <= 0xa0)
			return 0;
		if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xa8 ||
		     (unsigned char)s[i + 2] == 0xa9))
			return 0;
		if (c == 0xef && i + 2 < len && (unsigned char)s[i + 1] == 0xbb &&
		    (unsigned char)s[i + 2] == 0xbf)
			return 0;
	}
	return 1;
}

/* Skips a run of characters from `set`; returns how many there were. */
static size_t span(const char **p, const char *set)
{
	size_t n = strspn(*p, set);

	*p += n;
	return n;
}

/* Sexagesimal tail of YAML 1.1 numbers: (:[0-5]?[0-9])+ */
static int sexagesimal(const char **p)
{
	int n = 0;

	while (**p == ':') {
		const char *q = *p + 1;
		size_t d = span(&q, "0123456789");

		if (d < 1 || d > 2 || (d == 2 && q[-2] > '5'))
			return 0;
		*p = q;
		n++;
	}
	return n;
}

static int exponent(const char **p)
{
	const char *q = *p;

	if (*q != 'e' && *q != 'E')
		return 1;
	q++;
	if (*q != '-' && *q != '+')
		return 0;
	q++;
	if (!span(&q, "0123456789"))
		return 0;
	*p = q;
	return 1;
}

/* The YAML 1.1 int, float and timestamp forms (as PyYAML reads them). */
static int is_yaml11_number(const char *s)
{
	const char *p = s, *q;

	if (*p == '-' || *p == '+')
		p++;
	if (!strncmp(p, "0b", 2))
		return (q = p + 2, span(&q, "01_") && !*q);
	if (!strncmp(p, "0x", 2))
		return (q = p + 2, span(&q, "0123456789abcdefABCDEF_") && !*q);
	if (!strcasecmp(p, ".inf") || !strcasecmp(s, ".nan"))
		return 1;
	q = p;
	if (*q == '.') {
		q++;
		return span(&q, "0123456789_") && exponent(&q) && !*q;
	}
	if (!span(&q, "0123456789_") || !(*p >= '0' && *p <= '9'))
		return 0;
	if (!*q)
		return 1;			/* decimal or octal int */
	if (*q == ':' && sexagesimal(&q) && (!*q || *q == '.')) {
		if (*q == '.') {
			q++;
			span(&q, "0123456789_");
		}
		return !*q;
	}
	if (*q == '.') {
		q++;
		span(&q, "0123456789_");
		return exponent(&q) && !*q;
	}
	/* Timestamps: yyyy-m-d, with or without a time after it. */
	if (q - p == 4 && *q == '-' && p == s) {
		const char *r = q + 1;
		size_t m = span(&r, "0123456789");

		if (m >= 1 && m <= 2 && *r == '-') {
			r++;
			m = span(&r, "0123456789");
			return m >= 1 && m <= 2;
		}
	}
	return 0;
}

int ks_plain_string_ok(const char *s, size_t len)
{
	if (!plain_syntax_ok(s, len))
		return 0;
	return core_type(s) == KS_SCALAR_STRING && !is_yaml11_word(s) &&
	       !is_yaml11_number(s);
}

static int write_quoted(struct ks_buf *out, const char *s, size_t len)
{
	size_t i;
	int r = ks_buf_putc(out, '"');

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			r |= ks_buf_puts(out, "\\\"");
			continue;
		case '\\':
			r |= ks_buf_puts(out, "\\\\");
			continue;
		case '\n':
			r |= ks_buf_puts(out, "\\n");
			continue;
		case '\t':
			r |= ks_buf_puts(out, "\\t");
			continue;
		case '\r':
			r |= ks_buf_puts(out, "\\r");
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			r |= ks_buf_addf(out, "\\x%02x", c);
		} else if (c == 0xc2 && i + 1 < len &&
			   (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0xa0) {
			r |= ks_buf_addf(out, "\\u%04x",
					 (unsigned char)s[i + 1]);
			i++;
		} else if (c == 0xe2 && i + 2 < len &&
			   (unsigned char)s[i + 1] == 0x80 &&
			   ((unsigned char)s[i + 2] == 0xa8 ||
			    (unsigned char)s[i + 2] == 0xa9)) {
			r |= ks_buf_addf(out, "\\u%04x",
					 0x2000 + ((unsigned char)s[i + 2] -
						   0x80));
			i += 2;
		} else if (c == 0xef && i + 2 < len &&
			   (unsigned char)s[i + 1] == 0xbb &&
			   (unsigned char)s[i + 2] == 0xbf) {
			r |= ks_buf_puts(out, "\\ufeff");
			i += 2;
		} else {
			r |= ks_buf_putc(out, (char)c);
		}
	}
	r |= ks_buf_putc(out, '"');
	return r;
}

/*
 * A multi-line string can be a literal block when every line reads back
 * as written: no control characters, no line of only blanks, no first line
 * that starts with a blank, and at most one final newline.
 */
static int literal_ok(const char *s, size_t len)
{
	size_t i, start = 0;

	if (!memchr(s, '\n', len) || s[0] == ' ' || s[0] == '\n')
		return 0;
	if (len >= 2 && s[len - 1] == '\n' && s[len - 2] == '\n')
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '\n') {
			size_t j;
			int blank = 1;

			for (j = start; j < i; j++)
				if (s[j] != ' ')
					blank = 0;
			if (blank && i > start)
				return 0;
			if (i > start && s[start] == '\t')
				return 0;
			start = i + 1;
			continue;
		}
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		/*
		 * NEL, LS and PS end a line for a YAML reader, and a BOM is
		 * dropped: in a block they would change the text.
		 */
		if ((unsigned char)s[i] == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] == 0x85)
			return 0;
		if ((unsigned char)s[i] == 0xe2 && i + 2 < len &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xa8 ||
		     (unsigned char)s[i + 2] == 0xa9))
			return 0;
		if ((unsigned char)s[i] == 0xef && i + 2 < len &&
		    (unsigned char)s[i + 1] == 0xbb &&
		    (unsigned char)s[i + 2] == 0xbf)
			return 0;
	}
	return 1;
}

static int write_indent(struct ks_buf *out, int n)
{
	int r = 0;

	while (n-- > 0)
		r |= ks_buf_putc(out, ' ');
	return r;
}

static int write_literal(struct ks_buf *out, const char *s, size_t len,
			 int indent)
{
	size_t i, start = 0;
	int r = ks_buf_puts(out, s[len - 1] == '\n' ? "|\n" : "|-\n");

	if (s[len - 1] == '\n')
		len--;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i > start) {
			r |= write_indent(out, indent);
			r |= ks_buf_add(out, s + start, i - start);
		}
		r |= ks_buf_putc(out, '\n');
		start = i + 1;
	}
	return r;
}

struct writer {
	struct ks_buf *out;
	const struct ks_layout *layout;
};

static int scalar_is_string(const struct writer *w, const struct ks_node *n,
			    const void *ctx)
{
	if (n->u.scalar.quoted)
		return 1;
	return w->layout && ctx && w->layout->is_string(ctx);
}

/* Writes a scalar that follows "key: " or "- "; ends the line. */
static int write_scalar(struct writer *w, const struct ks_node *n,
			const void *ctx, int indent)
{
	const char *s = n->u.scalar.str;
	size_t len = n->u.scalar.len;
	int r;

	/*
	 * A plain scalar that could not be written plain again is text
	 * anyway (no number or boolean needs quotes): it takes the string
	 * path, so that writing the output again gives the same bytes.
	 */
	if (!scalar_is_string(w, n, ctx) && (!len || plain_syntax_ok(s, len))) {
		r = len ? ks_buf_add(w->out, s, len) : ks_buf_puts(w->out, "null");
	} else if (ks_plain_string_ok(s, len)) {
		r = ks_buf_add(w->out, s, len);
	} else if (literal_ok(s, len)) {
		return write_literal(w->out, s, len, indent);
	} else {
		r = write_quoted(w->out, s, len);
	}
	return r | ks_buf_putc(w->out, '\n');
}

static int write_key(struct writer *w, const char *key, size_t len)
{
	int r;

	if (ks_plain_string_ok(key, len))
		r = ks_buf_add(w->out, key, len);
	else
		r = write_quoted(w->out, key, len);
	return r | ks_buf_putc(w->out, ':');
}

static int write_block(struct writer *w, const struct ks_node *n,
		       const void *ctx, int indent, int inline_first);

struct ranked {
	const struct ks_pair *pair;
	int rank;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->rank != y->rank) {
		if (x->rank < 0)
			return 1;
		if (y->rank < 0)
			return -1;
		return x->rank < y->rank ? -1 : 1;
	}
	return strcmp(x->pair->key, y->pair->key);
}

/* Writes the value part after "key:" or "-", including the newline. */
static int write_value(struct writer *w, const struct ks_node *v,
		       const void *ctx, int indent)
{
	int r;

	if (v->kind == KS_NODE_SCALAR) {
		r = ks_buf_putc(w->out, ' ');
		return r | write_scalar(w, v, ctx, indent + 2);
	}
	if (v->kind == KS_NODE_MAP && !v->u.map.n)
		return ks_buf_puts(w->out, " {}\n");
	if (v->kind == KS_NODE_SEQ && !v->u.seq.n)
		return ks_buf_puts(w->out, " []\n");
	r = ks_buf_putc(w->out, '\n');
	return r | write_block(w, v, ctx, indent + 2, 0);
}

static int write_map(struct writer *w, const struct ks_node *n,
		     const void *ctx, int indent, int inline_first)
{
	struct ranked *order;
	size_t i;
	int r = 0;

	order = ks_malloc(n->u.map.n * sizeof(*order));
	if (!order)
		return -1;
	for (i = 0; i < n->u.map.n; i++) {
		order[i].pair = &n->u.map.v[i];
		order[i].rank = w->layout && ctx
			? w->layout->rank(ctx, n->u.map.v[i].key) : -1;
	}
	qsort(order, n->u.map.n, sizeof(*order), ranked_cmp);
	for (i = 0; i < n->u.map.n; i++) {
		const struct ks_pair *p = order[i].pair;
		const void *cctx = w->layout && ctx
			? w->layout->child(ctx, p->key) : NULL;

		if (i > 0 || !inline_first)
			r |= write_indent(w->out, indent);
		r |= write_key(w, p->key, p->key_len);
		r |= write_value(w, p->value, cctx, indent);
	}
	ks_free(order);
	return r;
}

static int write_seq(struct writer *w, const struct ks_node *n,
		     const void *ctx, int indent, int inline_first)
{
	const void *ictx = w->layout && ctx ? w->layout->child(ctx, NULL)
					    : NULL;
	size_t i;
	int r = 0;

	for (i = 0; i < n->u.seq.n; i++) {
		const struct ks_node *v = n->u.seq.v[i];

		if (i > 0 || !inline_first)
			r |= write_indent(w->out, indent);
		r |= ks_buf_putc(w->out, '-');
		if (v->kind == KS_NODE_MAP && v->u.map.n) {
			r |= ks_buf_putc(w->out, ' ');
			r |= write_block(w, v, ictx, indent + 2, 1);
		} else {
			r |= write_value(w, v, ictx, indent);
		}
	}
	return r;
}

static int write_block(struct writer *w, const struct ks_node *n,
		       const void *ctx, int indent, int inline_first)
{
	if (n->kind == KS_NODE_MAP)
		return write_map(w, n, ctx, indent, inline_first);
	return write_seq(w, n, ctx, indent, inline_first);
}

int ks_doc_write(struct ks_buf *out, const struct ks_node *root,
		 const struct ks_layout *layout, const void *ctx)
{
	struct writer w = { out, layout };

	if (!root)
		return ks_buf_puts(out, "null\n");
	if (root->kind == KS_NODE_SCALAR)
		return write_scalar(&w, root, ctx, 0);
	if (root->kind == KS_NODE_MAP && !root->u.map.n)
		return ks_buf_puts(out, "{}\n");
	if (root->kind == KS_NODE_SEQ && !root->u.seq.n)
		return ks_buf_puts(out, "[]\n");
	return write_block(&w, root, ctx, 0, 0) || ks_buf_failed(out) ? -1 : 0;
}

/* ---- dotted paths ---- */

static struct ks_node *container_for(struct ks_doc *doc, int want_seq)
{
	return want_seq ? ks_node_seq(doc) : ks_node_map(doc);
}

int ks_node_set_path(struct ks_doc *doc, struct ks_node *root,
		     const char *path, struct ks_node *value,
		     struct ks_diags *d)
{
	struct ks_node *cur = root;
	const char *p = path;
	char key[256];

	if (!*path)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"empty field path");
	while (*p) {
		size_t n = strcspn(p, ".[");
		struct ks_node *next;
		const char *after;
		int last;

		if (*p == '[') {
			char *end;
			unsigned long idx = strtoul(p + 1, &end, 10);

			if (end == p + 1 || *end != ']' || cur->kind != KS_NODE_SEQ)
				return ks_error(d, KS_EINVALID, NULL, 0, 0,
						"field path \"%s\": bad list index",
						path);
			after = end + 1;
			last = !*after;
			if (idx > cur->u.seq.n)
				return ks_error(d, KS_EINVALID, NULL, 0, 0,
						"field path \"%s\": index %lu is past the end of a list of %zu",
						path, idx, cur->u.seq.n);
			if (last) {
				if (idx == cur->u.seq.n)
					return ks_seq_push(doc, cur, value) ? -1 : 0;
				cur->u.seq.v[idx] = value;
				return 0;
			}
			if (idx == cur->u.seq.n) {
				next = container_for(doc, *after == '[');
				if (!next || ks_seq_push(doc, cur, next) < 0)
					return -1;
			}
			cur = cur->u.seq.v[idx];
			p = *after == '.' ? after + 1 : after;
			continue;
		}
		if (!n || n >= sizeof(key) || cur->kind != KS_NODE_MAP)
			return ks_error(d, KS_EINVALID, NULL, 0, 0,
					"field path \"%s\" does not fit the record",
					path);
		memcpy(key, p, n);
		key[n] = '\0';
		after = p + n;
		if (!*after)
			return ks_map_set(doc, cur, key, value) ? -1 : 0;
		next = ks_map_get(cur, key);
		if (!next || next->kind == KS_NODE_SCALAR) {
			next = container_for(doc, *after == '[');
			if (!next || ks_map_set(doc, cur, key, next) < 0)
				return -1;
		}
		cur = next;
		p = *after == '.' ? after + 1 : after;
	}
	return 0;
}

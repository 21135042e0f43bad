/*
 * Schema evaluation: applies a compiled schema to a parsed record.
 *
 * A record is first checked in a quick pass that stops at the first
 * failure and formats nothing, which is all a valid record costs; only an
 * invalid record is walked a second time to collect every error with its
 * location, pointer and message.  Nothing is allocated per value except
 * where a keyword needs scratch space (unevaluated*, uniqueItems over many
 * items), and the pattern match data, made once per call.
 */
#include "schema_int.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "intl.h"
#include "record.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the evaluation context ---- */

/* One instance location: a chain up to the root gives the JSON Pointer. */
struct loc {
	const struct loc *parent;
	const char *key;		/* property name, or NULL: index */
	size_t keylen;
	size_t index;
	const struct ks_node *node;
	const struct ks_pair *pair;	/* the key, for a property */
	const struct ks_snode *enter;	/* the subschema that reached it */
	struct ks_val v;
	/* the shape, computed when first needed */
	const struct ks_shape *shape;
	int shape_known;
	int is_name;		/* a property name (propertyNames) */
};

struct uniq {
	const struct ks_node *n;
	char *pointer;
};

struct ectx {
	const struct ks_schema *schema;
	const struct ks_validate_opts *opts;
	const char *path;
	struct ks_diags *d;
	int quick;
	int json;
	int depth;
	int oom;
	int too_deep;		/* a limit was reported */
	int limited;		/* a limit was reached */
	int names;		/* inside propertyNames */
	unsigned long steps;	/* subschemas applied so far */
	unsigned long budget;	/* and allowed; 0 until needed */
	const struct ks_node *root;
	struct ks_diags *top;	/* where limits are reported */
	pcre2_match_data *md;
	pcre2_match_context *mc;	/* bounds the work one match may do */
	const struct ks_sres *scope[KS_SCHEMA_MAX_EVAL_DEPTH + 2];
	int nscope;
	struct uniq *uniq;
	size_t nuniq, auniq;
};

struct marks {
	unsigned char *p, *i;
	size_t np, ni;
	unsigned char *heap;
};

static int eval(struct ectx *c, const struct ks_snode *s,
		const struct loc *l, struct marks *m);

static const struct ks_shape *loc_shape(const struct loc *l)
{
	struct loc *w = (struct loc *)l;	/* a cache on the C stack */

	if (!l->shape_known) {
		const struct ks_shape *psh = l->parent ?
			loc_shape(l->parent) : NULL;

		w->shape_known = 1;
		if (psh && !l->is_name)
			w->shape = l->key ?
				ks_shape_child(psh, l->key, l->keylen) :
				ks_shape_item(psh, l->index);
	}
	return l->shape;
}

static void loc_init(struct ectx *c, struct loc *l, const struct loc *parent,
		     const char *key, size_t keylen, size_t index,
		     const struct ks_node *n, const struct ks_snode *enter)
{
	unsigned hint = 0;
	enum ks_scalar_type ct;

	memset(l, 0, sizeof(*l));
	l->parent = parent;
	l->key = key;
	l->keylen = keylen;
	l->index = index;
	l->node = n;
	l->enter = enter;
	l->v.n = n;
	if (n->kind == KS_NODE_MAP) {
		l->v.t = KS_V_MAP;
		return;
	}
	if (n->kind == KS_NODE_SEQ) {
		l->v.t = KS_V_SEQ;
		return;
	}
	/*
	 * The shape is looked up only where it decides something: a plain
	 * scalar the core schema reads as other than a string.  Collections
	 * look theirs up when a child needs it.
	 */
	ct = ks_val_scalar_type(n);
	if (!c->json && ct != KS_SCALAR_STRING) {
		const struct ks_shape *sh = loc_shape(l);

		hint = sh ? sh->types : enter ? enter->stypes : 0;
	}
	ks_val_read_scalar(&l->v, n, ct, hint, c->json);
}

static int marks_init(struct ectx *c, struct marks *m, const struct ks_node *n,
		      unsigned char *buf, size_t bufsize)
{
	size_t np = n->kind == KS_NODE_MAP ? n->u.map.n : 0;
	size_t ni = n->kind == KS_NODE_SEQ ? n->u.seq.n : 0;

	memset(m, 0, sizeof(*m));
	m->np = np;
	m->ni = ni;
	if (np + ni <= bufsize) {
		memset(buf, 0, np + ni);
		m->p = buf;
	} else {
		m->heap = ks_calloc(np + ni, 1);
		if (!m->heap) {
			c->oom = 1;
			return -1;
		}
		m->p = m->heap;
	}
	m->i = m->p + np;
	return 0;
}

static void marks_release(struct marks *m)
{
	ks_free(m->heap);
	m->heap = NULL;
}

static void marks_merge(struct marks *to, const struct marks *from)
{
	size_t k;

	if (!to)
		return;
	for (k = 0; k < to->np && k < from->np; k++)
		to->p[k] |= from->p[k];
	for (k = 0; k < to->ni && k < from->ni; k++)
		to->i[k] |= from->i[k];
}

/* ---- messages ---- */

static int add_pointer(struct ks_buf *b, const struct loc *l)
{
	const char *p;

	if (!l->parent)
		return 0;
	if (add_pointer(b, l->parent) < 0 || ks_buf_putc(b, '/') < 0)
		return -1;
	if (!l->key)
		return ks_buf_addf(b, "%zu", l->index);
	for (p = l->key; p < l->key + l->keylen; p++) {
		int rc;

		if (*p == '~')
			rc = ks_buf_puts(b, "~0");
		else if (*p == '/')
			rc = ks_buf_puts(b, "~1");
		else
			rc = ks_buf_putc(b, *p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Appends `s` quoted, escaped and shortened to about 60 characters. */
static void quote(struct ks_buf *b, const char *s, size_t len)
{
	size_t i, chars = 0;

	ks_buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch & 0xc0) != 0x80 && ++chars > 60) {
			ks_buf_puts(b, "...");
			break;
		}
		if (ch == '"' || ch == '\\') {
			ks_buf_putc(b, '\\');
			ks_buf_putc(b, (char)ch);
		} else if (ch == '\n') {
			ks_buf_puts(b, "\\n");
		} else if (ch == '\t') {
			ks_buf_puts(b, "\\t");
		} else if (ch < 0x20 || ch == 0x7f) {
			ks_buf_addf(b, "\\u%04x", ch);
		} else {
			ks_buf_putc(b, (char)ch);
		}
	}
	ks_buf_putc(b, '"');
}

char *ks_diag_missing_property(const struct ks_diag *dg)
{
	if (!dg->missing || !dg->keyword ||
	    (strcmp(dg->keyword, "required") &&
	     strcmp(dg->keyword, "dependentRequired")))
		return NULL;
	return ks_strdup(dg->missing);
}

/*
 * A value as it appears in a message: "text", 12, true; what is not one
 * value in words: nothing, a group of fields, a list.
 */
static void show(struct ks_buf *b, const struct ks_val *v)
{
	switch (v->t) {
	case KS_V_NULL:
		ks_buf_puts(b, _("nothing"));
		break;
	case KS_V_BOOL:
		ks_buf_puts(b, v->b ? "true" : "false");
		break;
	case KS_V_NUM:
		ks_buf_add(b, v->str, v->len);
		break;
	case KS_V_STR:
		quote(b, v->str, v->len);
		break;
	case KS_V_MAP:
		ks_buf_puts(b, _("a group of fields"));
		break;
	case KS_V_SEQ:
		ks_buf_puts(b, _("a list"));
		break;
	}
}

/* A value in a list of choices: strings bare, as in an enum listing. */
static void show_bare(struct ks_buf *b, const struct ks_val *v)
{
	if (v->t == KS_V_STR && v->len <= 80)
		ks_buf_add(b, v->str, v->len);
	else
		show(b, v);
}

/* The types a value may have, in words: "a whole number or text". */
static void show_types(struct ks_buf *b, unsigned types)
{
	static const struct {
		unsigned bit;
		const char *name;
	} order[] = {
		{ KS_TYPE_STRING, N_("text") },
		{ KS_TYPE_INTEGER, N_("a whole number") },
		{ KS_TYPE_NUMBER, N_("a number") },
		{ KS_TYPE_BOOLEAN, N_("yes/no (true or false)") },
		{ KS_TYPE_OBJECT, N_("a group of fields") },
		{ KS_TYPE_ARRAY, N_("a list") },
		{ KS_TYPE_NULL, N_("nothing") },
	};
	size_t i, n = 0, total = 0;

	if ((types & KS_TYPE_NUMBER) && (types & KS_TYPE_INTEGER))
		types &= ~KS_TYPE_INTEGER;
	for (i = 0; i < 7; i++)
		total += (types & order[i].bit) != 0;
	for (i = 0; i < 7; i++) {
		if (!(types & order[i].bit))
			continue;
		if (n)
			ks_buf_puts(b, n + 1 == total ? _(" or ") : ", ");
		ks_buf_puts(b, _(order[i].name));
		n++;
	}
}

static const char *loc_title(const struct loc *l)
{
	const char *t = NULL;
	const struct ks_shape *sh;

	if (l->is_name)
		return NULL;
	if (l->enter)
		t = ks_snode_stitle(l->enter);
	if (!t) {
		sh = loc_shape(l);
		t = sh ? sh->title : NULL;
	}
	return t;
}

/*
 * The field at `l` as a person names it: the titles from the top of the
 * record down, an item by its number from 1 ("Sản phẩm 2 › Tên sản
 * phẩm"), a field without a title by its name.  Nothing for the record.
 */
static void add_label(struct ks_buf *b, const struct loc *l)
{
	const char *t;

	if (!l->parent || l->is_name)
		return;
	add_label(b, l->parent);
	if (!l->key) {
		if (!b->len)
			ks_buf_puts(b, _("item"));
		ks_buf_addf(b, " %zu", l->index + 1);
		return;
	}
	if (b->len)
		ks_buf_puts(b, " \u203a ");
	t = loc_title(l);
	if (t && *t)
		ks_buf_puts(b, t);
	else
		ks_buf_add(b, l->key, l->keylen);
}

/*
 * Appends an error about the field `field` (labelled, when not the
 * record), found at `at`: its pointer and, unless `line` and `col` say
 * otherwise, its node's place.  `missing`: the property a required
 * keyword misses.  The message names the field by its titles; the
 * pointer is for programs (--json) and the form.
 */
static void report_full(struct ectx *c, const struct loc *at,
			const struct loc *field, int line, int col,
			const char *kw, const char *missing, const char *msg)
{
	struct ks_buf ptr = KS_BUF_INIT, m = KS_BUF_INIT;
	size_t detail, n;

	/* after a limit, what keywords make of the cut value is noise */
	if (c->quick || !c->d || c->too_deep)
		return;
	if (add_pointer(&ptr, at) < 0)
		c->oom = 1;
	add_label(&m, field);
	if (!m.len && !field->parent && !field->is_name && loc_title(field))
		ks_buf_puts(&m, loc_title(field));	/* a value checked alone */
	if (m.len)
		ks_buf_puts(&m, ": ");
	detail = m.len;
	if (c->names)
		ks_buf_puts(&m, _("field name: "));
	ks_buf_puts(&m, msg);
	if (!line && !col) {
		line = at->node->line;
		col = at->node->col;
	}
	if (ks_buf_failed(&ptr) || ks_buf_failed(&m))
		c->oom = 1;
	n = c->d->n;
	ks_diags_add(c->d, KS_SEV_ERROR, c->path, line, col, ptr.ptr, kw,
		     "%s", m.ptr);
	if (c->d->n > n) {
		struct ks_diag *g = &c->d->v[n];

		g->detail = detail;
		if (missing && !(g->missing = ks_strdup(missing)))
			c->oom = 1;
	}
	ks_buf_release(&ptr);
	ks_buf_release(&m);
}

static void report(struct ectx *c, const struct loc *l, int line, int col,
		   const char *kw, const char *msg)
{
	report_full(c, l, l, line, col, kw, NULL, msg);
}

/* report() of a message built in `m`: one cut short is out of memory. */
static void report_buf(struct ectx *c, const struct loc *l, int line, int col,
		       const char *kw, const struct ks_buf *m)
{
	if (ks_buf_failed(m))
		c->oom = 1;
	report(c, l, line, col, kw, m->ptr);
}

static void reportf(struct ectx *c, const struct loc *l, const char *kw,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void reportf(struct ectx *c, const struct loc *l, const char *kw,
		    const char *fmt, ...)
{
	struct ks_buf m = KS_BUF_INIT;
	va_list ap;

	if (c->quick || !c->d)
		return;
	va_start(ap, fmt);
	ks_buf_vaddf(&m, fmt, ap);
	va_end(ap);
	report_buf(c, l, 0, 0, kw, &m);
	ks_buf_release(&m);
}

#define FAIL() do { ok = 0; if (c->quick) goto out; } while (0)

/* ---- keywords on scalars ---- */

static int type_ok(const struct ks_val *v, unsigned types)
{
	switch (v->t) {
	case KS_V_NULL: return (types & KS_TYPE_NULL) != 0;
	case KS_V_BOOL: return (types & KS_TYPE_BOOLEAN) != 0;
	case KS_V_STR: return (types & KS_TYPE_STRING) != 0;
	case KS_V_MAP: return (types & KS_TYPE_OBJECT) != 0;
	case KS_V_SEQ: return (types & KS_TYPE_ARRAY) != 0;
	case KS_V_NUM:
		return (types & KS_TYPE_NUMBER) ||
		       ((types & KS_TYPE_INTEGER) && v->integral);
	}
	return 0;
}

static void report_type(struct ectx *c, const struct loc *l, unsigned types,
			const char *kw)
{
	struct ks_buf want = KS_BUF_INIT, got = KS_BUF_INIT;

	if (c->quick)
		return;
	show_types(&want, types);
	show(&got, &l->v);
	if (ks_buf_failed(&want) || ks_buf_failed(&got))
		c->oom = 1;
	reportf(c, l, kw, _("expected %s, got %s"), want.ptr, got.ptr);
	ks_buf_release(&want);
	ks_buf_release(&got);
}

static int check_enum(struct ectx *c, const struct ks_snode *s,
		      const struct loc *l)
{
	struct ks_buf v = KS_BUF_INIT, m = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < s->nenum; i++)
		if (ks_val_equal(&l->v, &s->enumv[i], c->json))
			return 1;
	if (c->quick)
		return 0;
	/* each choice by its label, with the code that is written */
	for (i = 0; i < s->nenum && i < 8; i++) {
		const char *t = s->enum_titles ? s->enum_titles[i] : NULL;

		if (i)
			ks_buf_puts(&m, ", ");
		if (t && *t)
			ks_buf_addf(&m, "%s (", t);
		show_bare(&m, &s->enumv[i]);
		if (t && *t)
			ks_buf_putc(&m, ')');
	}
	if (s->nenum > 8)
		ks_buf_puts(&m, ", ...");
	show(&v, &l->v);
	if (ks_buf_failed(&v) || ks_buf_failed(&m))
		c->oom = 1;
	reportf(c, l, "enum", _("%s is not one of the choices: %s"), v.ptr,
		m.ptr);
	ks_buf_release(&v);
	ks_buf_release(&m);
	return 0;
}

static int check_const(struct ectx *c, const struct ks_snode *s,
		       const struct loc *l)
{
	struct ks_buf v = KS_BUF_INIT, want = KS_BUF_INIT;

	if (ks_val_equal(&l->v, &s->constv, c->json))
		return 1;
	if (c->quick)
		return 0;
	show(&v, &l->v);
	show(&want, &s->constv);
	if (ks_buf_failed(&v) || ks_buf_failed(&want))
		c->oom = 1;
	reportf(c, l, "const", _("%s should be %s"), v.ptr, want.ptr);
	ks_buf_release(&v);
	ks_buf_release(&want);
	return 0;
}

static int multiple_ok(const struct ks_val *v, const struct ks_val *m)
{
	double q;

	if (v->has_ll && m->has_ll && m->ll != 0 && m->digits && v->digits)
		return v->ll % m->ll == 0;
	if (!isfinite(v->d))
		return 0;
	q = v->d / m->d;
	if (!isfinite(q)) {
		/* the quotient overflows; the remainder is still exact */
		double r = fmod(fabs(v->d), m->d);

		return r <= 1e-9 * m->d || m->d - r <= 1e-9 * m->d;
	}
	return fabs(q - nearbyint(q)) <= 1e-9 * (fabs(q) > 1 ? fabs(q) : 1);
}

static int check_number(struct ectx *c, const struct ks_snode *s,
			const struct loc *l)
{
	const struct ks_val *v = &l->v;
	int ok = 1;

	if ((s->kw & KW_MINIMUM) && ks_val_cmp_num(v, &s->minimum) < 0) {
		FAIL();
		reportf(c, l, "minimum",
			_("%.*s is less than the smallest allowed, %.*s"),
			(int)v->len, v->str, (int)s->minimum.len,
			s->minimum.str);
	}
	if ((s->kw & KW_MAXIMUM) && ks_val_cmp_num(v, &s->maximum) > 0) {
		FAIL();
		reportf(c, l, "maximum",
			_("%.*s is more than the largest allowed, %.*s"),
			(int)v->len, v->str, (int)s->maximum.len,
			s->maximum.str);
	}
	if ((s->kw & KW_EXMIN) && ks_val_cmp_num(v, &s->exmin) <= 0) {
		FAIL();
		reportf(c, l, "exclusiveMinimum",
			_("%.*s is not more than %.*s"), (int)v->len, v->str,
			(int)s->exmin.len, s->exmin.str);
	}
	if ((s->kw & KW_EXMAX) && ks_val_cmp_num(v, &s->exmax) >= 0) {
		FAIL();
		reportf(c, l, "exclusiveMaximum",
			_("%.*s is not less than %.*s"), (int)v->len, v->str,
			(int)s->exmax.len, s->exmax.str);
	}
	if ((s->kw & KW_MULTIPLE) && !multiple_ok(v, &s->multiple)) {
		FAIL();
		reportf(c, l, "multipleOf", _("%.*s is not a multiple of %.*s"),
			(int)v->len, v->str, (int)s->multiple.len,
			s->multiple.str);
	}
out:
	return ok;
}


/*
 * One match, with bounds: a pattern that backtracks without end (a(a|a)*)
 * stops at the match limit instead of running for hours, and a value too
 * long for the JIT's stack is matched again by the interpreter.
 */
static int re_match(struct ectx *c, const pcre2_code *re, const char *s,
		    size_t len)
{
	int r;

	if (!c->mc) {
		c->mc = pcre2_match_context_create(NULL);
		if (!c->mc)
			return PCRE2_ERROR_NOMEMORY;
		pcre2_set_match_limit(c->mc, 2000000);
		pcre2_set_depth_limit(c->mc, 100000);
	}
	r = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, c->md, c->mc);
	if (r == PCRE2_ERROR_JIT_STACKLIMIT)
		r = pcre2_match(re, (PCRE2_SPTR)s, len, 0, PCRE2_NO_JIT, c->md,
				c->mc);
	return r;
}

/* format, when asserted; the reason, when the check gives one. */
static int check_format(struct ectx *c, const struct ks_snode *s,
			const struct loc *l)
{
	const struct ks_val *v = &l->v;
	struct ks_buf m = KS_BUF_INIT;
	char why[320];
	int r;

	why[0] = '\0';
	r = ks_format_check_id(s->fmt, v->str, v->len, why, sizeof(why));
	if (r < 0)
		c->oom = 1;
	if (r != 0 || c->quick)
		return r > 0;
	show(&m, v);
	if (ks_buf_failed(&m))
		c->oom = 1;
	if (*why)
		reportf(c, l, "format", _("%s is not a valid %s: %s"), m.ptr,
			ks_format_words(s->fmt, s->format), why);
	else
		reportf(c, l, "format", _("%s is not a valid %s"), m.ptr,
			ks_format_words(s->fmt, s->format));
	ks_buf_release(&m);
	return 0;
}

static int check_string(struct ectx *c, const struct ks_snode *s,
			const struct loc *l)
{
	const struct ks_val *v = &l->v;
	int ok = 1;

	if (s->kw & (KW_MINLEN | KW_MAXLEN)) {
		/* a code point takes 1 to 4 bytes: count only when needed */
		int need = ((s->kw & KW_MAXLEN) && v->len > s->maxlen) ||
			   ((s->kw & KW_MINLEN) && v->len / 4 < s->minlen);
		size_t n = need ? ks_utf8_count(v->str, v->len) : 0;

		if (need && (s->kw & KW_MINLEN) && n < s->minlen) {
			FAIL();
			if (!n)
				reportf(c, l, "minLength", "%s",
					_("must not be empty"));
			else
				reportf(c, l, "minLength",
					Q_("must have at least %zu character",
					   "must have at least %zu characters",
					   s->minlen), s->minlen);
		}
		if (need && (s->kw & KW_MAXLEN) && n > s->maxlen) {
			FAIL();
			reportf(c, l, "maxLength",
				Q_("must have at most %zu character",
				   "must have at most %zu characters",
				   s->maxlen), s->maxlen);
		}
	}
	/*
	 * The format first: its reason is the one a person can act on, and
	 * the pattern that usually says the same is then not repeated.
	 */
	if ((s->kw & KW_FORMAT) && !check_format(c, s, l))
		return 0;
	if (s->kw & KW_PATTERN) {
		int r;

		if (!c->md) {
			c->md = pcre2_match_data_create_from_pattern(
				s->pattern, NULL);
			if (!c->md) {
				c->oom = 1;
				return 0;
			}
		}
		r = re_match(c, s->pattern, v->str, v->len);
		if (r == PCRE2_ERROR_NOMEMORY) {
			c->oom = 1;
			return 0;
		}
		if (r < 0) {
			FAIL();
			if (!c->quick) {
				struct ks_buf m = KS_BUF_INIT;

				/* the pattern is the form's, not a surveyor's */
				show(&m, v);
				if (ks_buf_failed(&m))
					c->oom = 1;
				if (r == PCRE2_ERROR_NOMATCH && c->names)
					reportf(c, l, "pattern", _("%s is not "
						"written the way a field name "
						"here must be written"), m.ptr);
				else if (r == PCRE2_ERROR_NOMATCH)
					reportf(c, l, "pattern", _("%s is not "
						"written the way this field "
						"must be written"), m.ptr);
				else if (r == PCRE2_ERROR_MATCHLIMIT ||
					 r == PCRE2_ERROR_DEPTHLIMIT ||
					 r == PCRE2_ERROR_HEAPLIMIT)
					reportf(c, l, "pattern", _("%s takes "
						"too much work to check: the "
						"form's rule for this field is "
						"too complex"), m.ptr);
				else
					reportf(c, l, "pattern", _("%s could "
						"not be checked against the "
						"form's rule for this field "
						"(error %d)"), m.ptr, r);
				ks_buf_release(&m);
			}
		}
	}
out:
	return ok;
}

/* ---- objects ---- */

static const char *suggest(const struct ks_snode *s, const struct loc *l,
			   const char *key)
{
	const struct ks_shape *sh = loc_shape(l);
	const char *best = NULL;
	size_t i, bd = 3;

	for (i = 0; i < s->nprops; i++) {
		size_t d = ks_schema_edit_distance(key, s->props[i].name, 2);

		if (d && d < bd) {
			bd = d;
			best = s->props[i].name;
		}
	}
	for (i = 0; sh && i < sh->nprops; i++) {
		size_t d = ks_schema_edit_distance(key, sh->props[i].name, 2);

		if (d && d < bd) {
			bd = d;
			best = sh->props[i].name;
		}
	}
	return best;
}

static void report_unexpected(struct ectx *c, const struct ks_snode *s,
			      const struct loc *l, const struct ks_pair *p,
			      const char *kw)
{
	struct loc child;
	struct ks_buf name = KS_BUF_INIT, m = KS_BUF_INIT;
	const char *sug;

	if (c->quick)
		return;
	loc_init(c, &child, l, p->key, p->key_len, 0, p->value, NULL);
	quote(&name, p->key, p->key_len);
	sug = suggest(s, l, p->key);
	if (sug)
		ks_buf_addf(&m, _("the form has no field %s here; did you "
				  "mean \"%s\"?"), name.ptr, sug);
	else
		ks_buf_addf(&m, _("the form has no field %s here"), name.ptr);
	if (ks_buf_failed(&name))
		c->oom = 1;
	if (ks_buf_failed(&m))
		c->oom = 1;
	report_full(c, &child, l, p->line, p->col, kw, NULL, m.ptr);
	ks_buf_release(&name);
	ks_buf_release(&m);
}

static const struct ks_pair *find_pair(const struct ks_node *map,
				       const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < map->u.map.n; i++) {
		const struct ks_pair *p = &map->u.map.v[i];

		if (p->key_len == len && !memcmp(p->key, name, len))
			return p;
	}
	return NULL;
}

/*
 * The place of a property `name` of `l`, there or missing, to label a
 * message about it: reached through `s`'s own subschema for it, so that
 * its title is found.
 */
static void loc_property(struct ectx *c, struct loc *child,
			 const struct ks_snode *s, const struct loc *l,
			 const char *name)
{
	const struct ks_sprop *p = ks_snode_own_prop(s, name, strlen(name));
	const struct ks_pair *pair = find_pair(l->node, name);

	loc_init(c, child, l, name, strlen(name), 0,
		 pair ? pair->value : l->node, p ? p->s : NULL);
}

/*
 * 1 when the property name matches the pattern, 0 when it does not, -1
 * when it cannot be told in bounded work (match, depth or heap limit, or
 * another matching error): such a name must fail, not be taken as one the
 * pattern does not match, which would skip the pattern's subschema.
 */
static int pat_match(struct ectx *c, const struct ks_spat *pat,
		     const char *s, size_t len)
{
	int r;

	if (!c->md) {
		c->md = pcre2_match_data_create_from_pattern(pat->re, NULL);
		if (!c->md) {
			c->oom = 1;
			return 0;
		}
	}
	r = re_match(c, pat->re, s, len);
	if (r == PCRE2_ERROR_NOMEMORY) {
		c->oom = 1;
		return 0;
	}
	if (r == PCRE2_ERROR_NOMATCH)
		return 0;
	return r >= 0 ? 1 : -1;
}

/* A property name pat_match() could not decide, as an error at the name. */
static void report_unmatched(struct ectx *c, const struct loc *l,
			     const struct ks_pair *p)
{
	struct loc child;
	struct ks_buf name = KS_BUF_INIT, m = KS_BUF_INIT;

	if (c->quick)
		return;
	loc_init(c, &child, l, p->key, p->key_len, 0, p->value, NULL);
	quote(&name, p->key, p->key_len);
	ks_buf_addf(&m, _("the field name %s takes too much work to check: "
			  "the form's rule for field names is too complex"),
		    name.ptr);
	if (ks_buf_failed(&name) || ks_buf_failed(&m))
		c->oom = 1;
	report_full(c, &child, l, p->line, p->col, "patternProperties", NULL,
		    m.ptr);
	ks_buf_release(&name);
	ks_buf_release(&m);
}

/* dependentRequired: a property that is there asks for others. */
static int check_dependent_required(struct ectx *c, const struct ks_snode *s,
				    const struct loc *l)
{
	const struct ks_node *n = l->node;
	size_t i, j;
	int ok = 1;

	for (i = 0; i < s->ndepreq; i++) {
		const struct ks_sdep *dp = &s->depreq[i];

		if (!find_pair(n, dp->name))
			continue;
		for (j = 0; j < dp->nnames; j++) {
			if (find_pair(n, dp->names[j]))
				continue;
			FAIL();
			if (!c->quick) {
				struct ks_buf b = KS_BUF_INIT, w = KS_BUF_INIT;
				struct loc want, when;

				loc_property(c, &want, s, l, dp->names[j]);
				loc_property(c, &when, s, l, dp->name);
				add_label(&w, &when);
				ks_buf_addf(&b, _("not filled in, and it must "
						  "be when %s is"), w.ptr);
				if (ks_buf_failed(&b) || ks_buf_failed(&w))
					c->oom = 1;
				report_full(c, l, &want, 0, 0,
					    "dependentRequired", dp->names[j],
					    b.ptr);
				ks_buf_release(&b);
				ks_buf_release(&w);
			}
		}
	}
out:
	return ok;
}

/* minProperties, maxProperties, required and dependentRequired. */
static int check_object(struct ectx *c, const struct ks_snode *s,
			const struct loc *l)
{
	const struct ks_node *n = l->node;
	size_t i;
	int ok = 1;

	if ((s->kw & KW_MINPROPS) && n->u.map.n < s->minprops) {
		FAIL();
		reportf(c, l, "minProperties",
			Q_("at least %zu field must be filled in",
			   "at least %zu fields must be filled in",
			   s->minprops), s->minprops);
	}
	if ((s->kw & KW_MAXPROPS) && n->u.map.n > s->maxprops) {
		FAIL();
		reportf(c, l, "maxProperties",
			Q_("at most %zu field may be filled in",
			   "at most %zu fields may be filled in",
			   s->maxprops), s->maxprops);
	}
	for (i = 0; i < s->nrequired; i++) {
		if (find_pair(n, s->required[i]))
			continue;
		FAIL();
		if (!c->quick) {
			struct loc want;

			loc_property(c, &want, s, l, s->required[i]);
			report_full(c, l, &want, 0, 0, "required",
				    s->required[i],
				    _("required, but not filled in"));
		}
	}
	if (!check_dependent_required(c, s, l))
		FAIL();
out:
	return ok;
}

/*
 * properties, patternProperties and additionalProperties: each property
 * goes to its own subschema, to those of the patterns its name matches,
 * or else to additionalProperties.  Those that went anywhere are marked
 * for unevaluatedProperties.
 */
static int eval_properties(struct ectx *c, const struct ks_snode *s,
			   const struct loc *l, struct marks *m)
{
	const struct ks_node *n = l->node;
	size_t i, k;
	int ok = 1;

	for (i = 0; i < n->u.map.n; i++) {
		const struct ks_pair *p = &n->u.map.v[i];
		const struct ks_sprop *sp = NULL;
		struct loc child;
		int matched = 0, have = 0;

		if (s->nprops)
			sp = ks_snode_own_prop(s, p->key, p->key_len);
		if (sp) {
			matched = 1;
			loc_init(c, &child, l, p->key, p->key_len, 0, p->value,
				 sp->s);
			have = 1;
			if (!eval(c, sp->s, &child, NULL))
				FAIL();
		}
		for (k = 0; k < s->npats; k++) {
			int r = pat_match(c, &s->pats[k], p->key, p->key_len);

			if (r < 0) {
				/* Undecided: fails, and is not "additional". */
				FAIL();
				report_unmatched(c, l, p);
				matched = 1;
				continue;
			}
			if (!r)
				continue;
			matched = 1;
			if (!have)
				loc_init(c, &child, l, p->key, p->key_len, 0,
					 p->value, s->pats[k].s);
			have = 1;
			if (!eval(c, s->pats[k].s, &child, NULL))
				FAIL();
		}
		if (!matched && s->addl) {
			matched = 1;
			if (s->addl->is_bool && !s->addl->bool_val) {
				FAIL();
				report_unexpected(c, s, l, p,
						  "additionalProperties");
			} else {
				loc_init(c, &child, l, p->key, p->key_len, 0,
					 p->value, s->addl);
				if (!eval(c, s->addl, &child, NULL))
					FAIL();
			}
		}
		if (matched && m)
			m->p[i] = 1;
	}
out:
	return ok;
}

/* propertyNames: each name is a string value, located at its key. */
static int eval_property_names(struct ectx *c, const struct ks_snode *s,
			       const struct loc *l)
{
	const struct ks_node *n = l->node;
	size_t i;
	int ok = 1;

	for (i = 0; i < n->u.map.n; i++) {
		const struct ks_pair *p = &n->u.map.v[i];
		struct ks_node name;
		struct loc child;
		int r;

		memset(&name, 0, sizeof(name));
		name.kind = KS_NODE_SCALAR;
		name.line = p->line;
		name.col = p->col;
		name.u.scalar.str = p->key;
		name.u.scalar.len = p->key_len;
		name.u.scalar.quoted = 1;
		loc_init(c, &child, l, p->key, p->key_len, 0, &name, NULL);
		child.is_name = 1;
		c->names++;
		r = eval(c, s->propnames, &child, NULL);
		c->names--;
		if (!r)
			FAIL();
	}
out:
	return ok;
}

/* The keywords of objects. */
/* Whether `a op b` holds: 1, 0, or -1 when the two do not compare. */
static int xcompare_holds(const struct ks_val *a, const struct ks_val *b,
			  enum ks_xop op)
{
	int cmp;

	if (a->t == KS_V_NUM && b->t == KS_V_NUM)
		cmp = a->d < b->d ? -1 : a->d > b->d;
	else if (a->t == KS_V_STR && b->t == KS_V_STR)
		cmp = strcmp(a->str, b->str);
	else
		return -1;
	switch (op) {
	case KS_XOP_LT:
		return cmp < 0;
	case KS_XOP_LE:
		return cmp <= 0;
	case KS_XOP_GT:
		return cmp > 0;
	case KS_XOP_GE:
		break;
	}
	return cmp >= 0;
}

/* What `a` must be, as a message: "must not be more than X, which is 10". */
static const char *xcompare_words(enum ks_xop op, int text)
{
	switch (op) {
	case KS_XOP_LT:
		return text ? _("must be before %s, which is %s")
			    : _("must be less than %s, which is %s");
	case KS_XOP_LE:
		return text ? _("must not be after %s, which is %s")
			    : _("must not be more than %s, which is %s");
	case KS_XOP_GT:
		return text ? _("must be after %s, which is %s")
			    : _("must be more than %s, which is %s");
	case KS_XOP_GE:
		break;
	}
	return text ? _("must not be before %s, which is %s")
		    : _("must not be less than %s, which is %s");
}

/*
 * x-compare: each rule [a, op, b] whose two properties are both there;
 * a broken one is reported at `a`, naming `b` by its title.
 */
static int eval_xcompare(struct ectx *c, const struct ks_snode *s,
			 const struct loc *l)
{
	size_t i;
	int ok = 1;

	for (i = 0; i < s->nxcompare; i++) {
		const struct ks_xcompare *x = &s->xcompare[i];
		const struct ks_pair *pa = find_pair(l->node, x->a);
		const struct ks_pair *pb = find_pair(l->node, x->b);
		const struct ks_snode *sb;
		struct loc la, lb;
		const char *bname;
		int holds;

		if (!pa || !pb)
			continue;
		loc_init(c, &la, l, pa->key, pa->key_len, 0, pa->value,
			 ks_snode_property(s, x->a));
		loc_init(c, &lb, l, pb->key, pb->key_len, 0, pb->value,
			 (sb = ks_snode_property(s, x->b)));
		if ((holds = xcompare_holds(&la.v, &lb.v, x->op)) != 0)
			continue;
		ok = 0;
		if (c->quick)
			break;
		bname = sb && sb->title ? sb->title : x->b;
		reportf(c, &la, "x-compare", xcompare_words(x->op,
			la.v.t == KS_V_STR), bname, lb.v.str);
	}
	return ok;
}

static int eval_object(struct ectx *c, const struct ks_snode *s,
		       const struct loc *l, struct marks *m)
{
	const struct ks_node *n = l->node;
	size_t i;
	int ok = 1;

	if ((s->kw & KW_OBJECT) && !check_object(c, s, l))
		FAIL();
	if ((s->nprops || s->npats || s->addl) && !eval_properties(c, s, l, m))
		FAIL();
	if (s->propnames && !eval_property_names(c, s, l))
		FAIL();
	for (i = 0; i < s->ndepsch; i++) {
		if (!find_pair(n, s->depsch[i].name))
			continue;
		if (!eval(c, s->depsch[i].s, l, m))
			FAIL();
	}
	if (s->nxcompare && !eval_xcompare(c, s, l))
		FAIL();
out:
	return ok;
}

/* ---- arrays ---- */

struct hv {
	uint64_t h;
	size_t i;
};

static int hv_cmp(const void *a, const void *b)
{
	const struct hv *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Finds pairs of equal values among vals[0..n); calls found(first, dup)
 * for each later duplicate.  Returns 0, or -1 when memory runs out.
 */
static int find_dups(struct ectx *c, const struct ks_val *vals, size_t n,
		     void (*found)(struct ectx *, void *, size_t, size_t),
		     void *arg, int *any)
{
	size_t i, j;
	struct hv *h;

	*any = 0;
	if (n <= 16) {
		for (j = 1; j < n; j++) {
			for (i = 0; i < j; i++) {
				if (vals[i].n && vals[j].n &&
				    ks_val_equal(&vals[i], &vals[j], c->json)) {
					*any = 1;
					found(c, arg, i, j);
					if (c->quick)
						return 0;
					break;
				}
			}
		}
		return 0;
	}
	h = ks_malloc(n * sizeof(*h));
	if (!h) {
		c->oom = 1;
		return -1;
	}
	for (i = 0; i < n; i++) {
		h[i].h = vals[i].n ? ks_val_hash(&vals[i], c->json) : 0;
		h[i].i = i;
	}
	qsort(h, n, sizeof(*h), hv_cmp);
	for (j = 1; j < n; j++) {
		size_t a;

		if (!vals[h[j].i].n)
			continue;
		for (a = j; a > 0 && h[a - 1].h == h[j].h; a--) {
			size_t x = h[a - 1].i, y = h[j].i;

			if (vals[x].n &&
			    ks_val_equal(&vals[x], &vals[y], c->json)) {
				*any = 1;
				found(c, arg, x < y ? x : y, x < y ? y : x);
				break;
			}
		}
		if (*any && c->quick)
			break;
	}
	ks_free(h);
	return 0;
}

struct dup_arg {
	const struct loc *l;
	const struct ks_val *vals;
	const char *kw;
	const char *field;
};

static void dup_found(struct ectx *c, void *arg, size_t first, size_t dup)
{
	struct dup_arg *a = arg;
	const struct ks_val *v = &a->vals[dup];
	struct ks_buf m = KS_BUF_INIT;
	struct loc item, key;

	if (c->quick)
		return;
	loc_init(c, &item, a->l, NULL, 0, dup, a->l->node->u.seq.v[dup],
		 NULL);
	if (a->field)
		loc_init(c, &key, &item, a->field, strlen(a->field), 0, v->n,
			 NULL);
	if (v->t != KS_V_MAP && v->t != KS_V_SEQ) {
		show(&m, v);
		if (ks_buf_failed(&m))
			c->oom = 1;
		reportf(c, a->field ? &key : &item, a->kw,
			_("%s is already in item %zu"), m.ptr, first + 1);
	} else {
		reportf(c, &item, a->kw, _("the same as item %zu"),
			first + 1);
	}
	ks_buf_release(&m);
}

static int check_dups(struct ectx *c, const struct loc *l, const char *field,
		      const char *kw)
{
	const struct ks_node *n = l->node;
	struct ks_val stackv[16], *vals = stackv;
	const struct ks_shape *ish = NULL;
	struct dup_arg a;
	size_t i, cnt = n->u.seq.n;
	int any = 0;

	if (cnt < 2)
		return 1;
	if (cnt > 16) {
		vals = ks_malloc(cnt * sizeof(*vals));
		if (!vals) {
			c->oom = 1;
			return 0;
		}
	}
	for (i = 0; i < cnt; i++) {
		const struct ks_node *it = n->u.seq.v[i];
		unsigned hint = 0;

		if (field) {
			const struct ks_pair *p = it->kind == KS_NODE_MAP ?
				find_pair(it, field) : NULL;

			if (!p) {
				memset(&vals[i], 0, sizeof(vals[i]));
				continue;
			}
			it = p->value;
		} else if (!c->json) {
			if (!ish)
				ish = ks_shape_item(loc_shape(l), i);
			hint = ish ? ish->types : 0;
		}
		ks_val_read(&vals[i], it, hint, c->json);
	}
	a.l = l;
	a.vals = vals;
	a.kw = kw;
	a.field = field;
	find_dups(c, vals, cnt, dup_found, &a, &any);
	if (vals != stackv)
		ks_free(vals);
	return !any;
}

/* "contains", "minContains" and "maxContains": how many items match. */
static int eval_contains(struct ectx *c, const struct ks_snode *s,
			 const struct loc *l, struct marks *m)
{
	const struct ks_node *n = l->node;
	size_t cnt = n->u.seq.n, i, found = 0;
	size_t min = (s->kw & KW_MINCONT) ? s->mincont : 1;
	int ok = 1, quick = c->quick;

	c->quick = 1;
	for (i = 0; i < cnt; i++) {
		struct loc child;

		loc_init(c, &child, l, NULL, 0, i, n->u.seq.v[i],
			 s->contains);
		if (eval(c, s->contains, &child, NULL)) {
			found++;
			if (m)
				m->i[i] = 1;
		}
	}
	c->quick = quick;
	if (found < min) {
		FAIL();
		if (!found)
			reportf(c, l, "contains", "%s",
				_("no item is of the kind the form "
				  "asks for (\"contains\")"));
		else
			reportf(c, l, "minContains",
				Q_("at least %zu item must be of the "
				   "kind the form asks for "
				   "(\"contains\"), %zu are",
				   "at least %zu items must be of the "
				   "kind the form asks for "
				   "(\"contains\"), %zu are", min),
				min, found);
	}
	if ((s->kw & KW_MAXCONT) && found > s->maxcont) {
		FAIL();
		reportf(c, l, "maxContains",
			Q_("at most %zu item may be of the kind the "
			   "form names (\"contains\"), %zu are",
			   "at most %zu items may be of the kind the "
			   "form names (\"contains\"), %zu are",
			   s->maxcont), s->maxcont, found);
	}
out:
	return ok;
}

static int eval_array(struct ectx *c, const struct ks_snode *s,
		      const struct loc *l, struct marks *m)
{
	const struct ks_node *n = l->node;
	size_t cnt = n->u.seq.n, i, start = 0;
	int ok = 1;

	if ((s->kw & KW_MINITEMS) && cnt < s->minitems) {
		FAIL();
		reportf(c, l, "minItems",
			Q_("at least %zu item is needed",
			   "at least %zu items are needed", s->minitems),
			s->minitems);
	}
	if ((s->kw & KW_MAXITEMS) && cnt > s->maxitems) {
		FAIL();
		reportf(c, l, "maxItems",
			Q_("at most %zu item is allowed",
			   "at most %zu items are allowed", s->maxitems),
			s->maxitems);
	}
	for (i = 0; i < s->nprefix && i < cnt; i++) {
		struct loc child;

		loc_init(c, &child, l, NULL, 0, i, n->u.seq.v[i],
			 s->prefix[i]);
		if (!eval(c, s->prefix[i], &child, NULL))
			FAIL();
		if (m)
			m->i[i] = 1;
	}
	start = s->nprefix;
	if (s->items && start < cnt) {
		if (s->items->is_bool && !s->items->bool_val) {
			struct loc child;

			FAIL();
			loc_init(c, &child, l, NULL, 0, start,
				 n->u.seq.v[start], NULL);
			reportf(c, &child, "items",
				Q_("at most %zu item is allowed",
				   "at most %zu items are allowed", start),
				start);
		} else {
			for (i = start; i < cnt; i++) {
				struct loc child;

				loc_init(c, &child, l, NULL, 0, i,
					 n->u.seq.v[i], s->items);
				if (!eval(c, s->items, &child, NULL))
					FAIL();
			}
		}
		if (m)
			for (i = start; i < cnt; i++)
				m->i[i] = 1;
	}
	if (s->contains && !eval_contains(c, s, l, m))
		FAIL();
	if ((s->kw & KW_UNIQUE) && !check_dups(c, l, NULL, "uniqueItems"))
		FAIL();
	if (s->xkey && !check_dups(c, l, s->xkey, "x-key"))
		FAIL();
out:
	return ok;
}

/* ---- applicators ---- */

/* How far a failed branch is from the instance: lower is more relevant. */
static void branch_score(const struct ks_diags *d, const char *ptr,
			 size_t *penalty, size_t *count)
{
	size_t i, plen = strlen(ptr);
	const char *p;

	*penalty = 0;
	*count = d->n;
	for (i = 0; i < d->n; i++) {
		const struct ks_diag *g = &d->v[i];
		size_t gd = 0;

		if (!g->keyword || !g->pointer)
			continue;
		if (strcmp(g->keyword, "type") && strcmp(g->keyword, "const") &&
		    strcmp(g->keyword, "enum"))
			continue;
		if (strncmp(g->pointer, ptr, plen))
			continue;
		for (p = g->pointer + plen; *p; p++)
			gd += *p == '/';
		if (gd <= 1)
			(*penalty)++;
	}
}

/* Whether every diagnostic is a `type` failure at `ptr` itself. */
static int only_type_here(const struct ks_diags *d, const char *ptr)
{
	size_t i;

	if (!d->n)
		return 0;
	for (i = 0; i < d->n; i++)
		if (!d->v[i].keyword || strcmp(d->v[i].keyword, "type") ||
		    !d->v[i].pointer || strcmp(d->v[i].pointer, ptr))
			return 0;
	return 1;
}

/*
 * anyOf and oneOf.  Each branch gets its own marks (kept only when it
 * passes) and, when reporting, its own diagnostics; a failure reports the
 * most relevant branch rather than all of them.
 */
static int eval_some(struct ectx *c, struct ks_snode *const *br, size_t nbr,
		     int one, const struct loc *l, struct marks *m)
{
	struct ks_diags best = KS_DIAGS_INIT, *saved = c->d;
	struct ks_buf ptr = KS_BUF_INIT;
	size_t i, valid = 0, first = 0, second = 0;
	size_t bp = (size_t)-1, bc = (size_t)-1;
	unsigned types = 0;
	int all_type = 1;
	const char *kw = one ? "oneOf" : "anyOf";

	if (!c->quick && add_pointer(&ptr, l) < 0)
		c->oom = 1;
	for (i = 0; i < nbr && !c->oom; i++) {
		struct ks_diags tmp = KS_DIAGS_INIT;
		struct marks bm;
		unsigned char buf[64];
		int r;

		if (m && marks_init(c, &bm, l->node, buf, sizeof(buf)) < 0)
			break;
		if (!c->quick)
			c->d = &tmp;
		r = eval(c, br[i], l, m ? &bm : NULL);
		c->d = saved;
		if (r) {
			if (!valid)
				first = i;
			else if (valid == 1)
				second = i;
			valid++;
			if (m)
				marks_merge(m, &bm);
		} else if (!c->quick) {
			size_t p, k;

			if (!only_type_here(&tmp, ptr.ptr))
				all_type = 0;
			types |= br[i]->stypes;
			branch_score(&tmp, ptr.ptr, &p, &k);
			if (p < bp || (p == bp && k < bc)) {
				ks_diags_release(&best);
				best = tmp;
				memset(&tmp, 0, sizeof(tmp));
				bp = p;
				bc = k;
			}
		}
		if (m)
			marks_release(&bm);
		ks_diags_release(&tmp);
		/* without marks to collect, the answer may be known */
		if (!m && ((!one && valid) || (one && valid > 1)))
			break;
	}
	if (valid == 1 || (!one && valid)) {
		ks_diags_release(&best);
		ks_buf_release(&ptr);
		return 1;
	}
	if (!c->quick) {
		if (valid > 1) {
			reportf(c, l, kw, _("the value fits more than one "
				"of the forms allowed here (%zu and %zu), and "
				"must fit exactly one"), first + 1, second + 1);
		} else if (all_type && types) {
			report_type(c, l, types, kw);
		} else {
			ks_diags_move(c->d, &best);
		}
	}
	ks_diags_release(&best);
	ks_buf_release(&ptr);
	return 0;
}

static void report_not(struct ectx *c, const struct ks_snode *s,
		       const struct loc *l)
{
	const struct ks_snode *n = s->not_;
	struct ks_buf m = KS_BUF_INIT;

	if (c->quick)
		return;
	if (n->nrequired == 1 && n->kw == KW_REQUIRED && !n->nprops &&
	    l->v.t == KS_V_MAP) {
		const struct ks_pair *p = find_pair(l->node, n->required[0]);
		struct loc field;

		loc_property(c, &field, s, l, n->required[0]);
		report_full(c, l, &field, p ? p->line : 0, p ? p->col : 0,
			    "not", NULL, _("does not apply to the answers "
					   "given, and must be left out"));
	} else if (n->is_bool) {
		report(c, l, 0, 0, "not", _("no value is allowed here"));
	} else if ((n->kw & (KW_ENUM | KW_CONST)) && l->v.t != KS_V_MAP &&
		   l->v.t != KS_V_SEQ) {
		show(&m, &l->v);
		if (ks_buf_failed(&m))
			c->oom = 1;
		reportf(c, l, "not", _("%s is not allowed here"), m.ptr);
	} else {
		report(c, l, 0, 0, "not", _("this value is not allowed here "
					     "(\"not\")"));
	}
	ks_buf_release(&m);
}

static int eval_uneval(struct ectx *c, const struct ks_snode *s,
		       const struct loc *l, struct marks *own)
{
	const struct ks_node *n = l->node;
	size_t i;
	int ok = 1;

	if (s->uneval_props && n->kind == KS_NODE_MAP) {
		for (i = 0; i < n->u.map.n; i++) {
			const struct ks_pair *p = &n->u.map.v[i];
			struct loc child;

			if (own->p[i])
				continue;
			if (s->uneval_props->is_bool &&
			    !s->uneval_props->bool_val) {
				FAIL();
				report_unexpected(c, s, l, p,
						  "unevaluatedProperties");
				continue;
			}
			loc_init(c, &child, l, p->key, p->key_len, 0,
				 p->value, s->uneval_props);
			if (!eval(c, s->uneval_props, &child, NULL))
				FAIL();
		}
		if (ok)
			memset(own->p, 1, own->np);
	}
	if (s->uneval_items && n->kind == KS_NODE_SEQ) {
		for (i = 0; i < n->u.seq.n; i++) {
			struct loc child;

			if (own->i[i])
				continue;
			loc_init(c, &child, l, NULL, 0, i, n->u.seq.v[i],
				 s->uneval_items);
			if (s->uneval_items->is_bool &&
			    !s->uneval_items->bool_val) {
				FAIL();
				reportf(c, &child, "unevaluatedItems", "%s",
					_("the form has no place for this "
					  "item"));
				continue;
			}
			if (!eval(c, s->uneval_items, &child, NULL))
				FAIL();
		}
		if (ok)
			memset(own->i, 1, own->ni);
	}
out:
	return ok;
}

static int note_unique(struct ectx *c, const struct loc *l)
{
	struct ks_buf ptr = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < c->nuniq; i++)
		if (c->uniq[i].n == l->node)
			return 0;
	if (c->nuniq == c->auniq) {
		size_t na = c->auniq ? c->auniq * 2 : 8;
		struct uniq *v = ks_realloc(c->uniq, na * sizeof(*v));

		if (!v)
			return -1;
		c->uniq = v;
		c->auniq = na;
	}
	if (add_pointer(&ptr, l) < 0) {
		ks_buf_release(&ptr);
		return -1;
	}
	c->uniq[c->nuniq].n = l->node;
	c->uniq[c->nuniq].pointer = ks_buf_detach(&ptr, NULL);
	if (!c->uniq[c->nuniq].pointer)
		return -1;
	c->nuniq++;
	return 0;
}

static const struct ks_snode *dynamic_target(const struct ectx *c,
					     const struct ks_snode *s)
{
	int i;

	if (!s->dyn_name)
		return s->dynref;
	for (i = 0; i < c->nscope; i++) {
		const struct ks_sanchor *a;

		for (a = c->scope[i]->anchors; a; a = a->next)
			if (a->dynamic && !strcmp(a->name, s->dyn_name))
				return a->s;
	}
	return s->dynref;
}

static size_t count_nodes(const struct ks_node *n, int depth)
{
	size_t i, k = 1;

	if (depth > 1000)
		return k;
	if (n->kind == KS_NODE_MAP)
		for (i = 0; i < n->u.map.n; i++)
			k += count_nodes(n->u.map.v[i].value, depth + 1);
	else if (n->kind == KS_NODE_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			k += count_nodes(n->u.seq.v[i], depth + 1);
	return k;
}

/*
 * Reports a limit once, to the caller's list (not a branch's), even from
 * inside a quick sub-evaluation such as `not`: a value cut short is never
 * valid, whatever the keyword around it makes of the failure.
 */
static void report_limit(struct ectx *c, const struct loc *l, const char *msg)
{
	struct ks_diags *saved = c->d;
	int quick = c->quick;

	c->limited = 1;
	if (!c->top || c->too_deep)
		return;
	c->d = c->top;
	c->quick = 0;
	reportf(c, l, NULL, "%s", msg);
	c->too_deep = 1;
	c->quick = quick;
	c->d = saved;
}

/*
 * Nested anyOf/oneOf can cost exponential time on a hostile schema: past
 * a budget that grows with the size of the record, the value is reported
 * rather than worked on.
 */
static int over_budget(struct ectx *c, const struct loc *l)
{
	if (!c->budget)
		c->budget = KS_EVAL_BUDGET + 64 * count_nodes(c->root, 0);
	if (c->steps <= c->budget)
		return 0;
	report_limit(c, l, _("the form's rules are too complex to check "
			     "this value"));
	return 1;
}

/* A false schema: no value is allowed here. */
static void report_false(struct ectx *c, const struct loc *l)
{
	if (c->quick)
		return;
	if (l->key && !l->is_name)
		reportf(c, l, "false", "%s",
			_("the form does not allow this field here"));
	else
		reportf(c, l, "false", "%s", _("no value is allowed here"));
}

/* x-ref: the string is the id of a record of the kind it names. */
static int check_xref(struct ectx *c, const struct ks_snode *s,
		      const struct loc *l)
{
	const struct ks_val *v = &l->v;
	struct ks_buf b = KS_BUF_INIT;

	if (c->opts->ref_exists(c->opts->ctx, s->xref, v->str))
		return 1;
	if (c->quick)
		return 0;
	quote(&b, v->str, v->len);
	if (ks_buf_failed(&b))
		c->oom = 1;
	reportf(c, l, "x-ref", _("there is no %s record with the id %s"),
		s->xref, b.ptr);
	ks_buf_release(&b);
	return 0;
}

/* type, enum, const, and the keywords of the value's own kind. */
static int eval_value(struct ectx *c, const struct ks_snode *s,
		      const struct loc *l, struct marks *mk)
{
	const struct ks_val *v = &l->v;
	int ok = 1;

	if ((s->kw & KW_TYPE) && !type_ok(v, s->types)) {
		FAIL();
		report_type(c, l, s->types, "type");
	}
	if ((s->kw & KW_ENUM) && !check_enum(c, s, l))
		FAIL();
	if ((s->kw & KW_CONST) && !check_const(c, s, l))
		FAIL();
	switch (v->t) {
	case KS_V_NUM:
		if ((s->kw & KW_NUMERIC) && !check_number(c, s, l))
			FAIL();
		break;
	case KS_V_STR:
		if ((s->kw & KW_STRING) && !check_string(c, s, l))
			FAIL();
		if (s->xref && c->opts && c->opts->ref_exists &&
		    !check_xref(c, s, l))
			FAIL();
		break;
	case KS_V_MAP:
		if (!eval_object(c, s, l, mk))
			FAIL();
		break;
	case KS_V_SEQ:
		if (!eval_array(c, s, l, mk))
			FAIL();
		break;
	default:
		break;
	}
out:
	return ok;
}

/* not: the subschema, tried quietly, must fail. */
static int eval_not(struct ectx *c, const struct ks_snode *s,
		    const struct loc *l)
{
	int quick = c->quick, r;

	c->quick = 1;
	r = eval(c, s->not_, l, NULL);
	c->quick = quick;
	if (r)
		report_not(c, s, l);
	return !r;
}

/*
 * if, then, else: `if` is tried quietly, and what it evaluated counts for
 * unevaluated* only when it holds.  -1 when memory runs out.
 */
static int eval_if(struct ectx *c, const struct ks_snode *s,
		   const struct loc *l, struct marks *mk)
{
	int quick = c->quick, r;
	struct marks bm;
	unsigned char ibuf[64];

	if (mk && marks_init(c, &bm, l->node, ibuf, sizeof(ibuf)) < 0)
		return -1;
	c->quick = 1;
	r = eval(c, s->if_, l, mk ? &bm : NULL);
	c->quick = quick;
	if (r && mk)
		marks_merge(mk, &bm);
	if (mk)
		marks_release(&bm);
	if (r && s->then_ && !eval(c, s->then_, l, mk))
		return 0;
	if (!r && s->else_ && !eval(c, s->else_, l, mk))
		return 0;
	return 1;
}

static int eval(struct ectx *c, const struct ks_snode *s,
		const struct loc *l, struct marks *m)
{
	struct marks own, *mk = m;
	unsigned char buf[64];
	int ok = 1, pushed = 0, owned = 0, r;

	if (s->is_bool) {
		if (s->bool_val)
			return 1;
		report_false(c, l);
		return 0;
	}
	if (c->oom)
		return 0;
	if (c->depth >= KS_SCHEMA_MAX_EVAL_DEPTH) {
		report_limit(c, l, _("the value is nested too deep to check"));
		return 0;
	}
	if (++c->steps > KS_EVAL_BUDGET && over_budget(c, l))
		return 0;
	c->depth++;
	if (!c->nscope || c->scope[c->nscope - 1] != s->res) {
		c->scope[c->nscope++] = s->res;
		pushed = 1;
	}
	if (s->has_uneval) {
		if (marks_init(c, &own, l->node, buf, sizeof(buf)) < 0) {
			ok = 0;
			goto out;
		}
		mk = &own;
		owned = 1;
	}

	if (s->ref && !eval(c, s->ref, l, mk))
		FAIL();
	if (s->dynref && !eval(c, dynamic_target(c, s), l, mk))
		FAIL();
	if (!eval_value(c, s, l, mk))
		FAIL();
	if (s->xunique && c->opts && c->opts->unique_value &&
	    l->v.t != KS_V_MAP && l->v.t != KS_V_SEQ && note_unique(c, l) < 0)
		c->oom = 1;
	if (s->nallof) {
		size_t i;

		for (i = 0; i < s->nallof; i++)
			if (!eval(c, s->allof[i], l, mk))
				FAIL();
	}
	if (s->nanyof && !eval_some(c, s->anyof, s->nanyof, 0, l, mk))
		FAIL();
	if (s->noneof && !eval_some(c, s->oneof, s->noneof, 1, l, mk))
		FAIL();
	if (s->not_ && !eval_not(c, s, l))
		FAIL();
	if (s->if_) {
		r = eval_if(c, s, l, mk);
		if (r < 0) {
			ok = 0;
			goto out;
		}
		if (!r)
			FAIL();
	}
	if (owned && (s->uneval_props || s->uneval_items) &&
	    !eval_uneval(c, s, l, &own))
		FAIL();
out:
	if (owned) {
		if (ok && m)
			marks_merge(m, &own);
		marks_release(&own);
	}
	if (pushed)
		c->nscope--;
	c->depth--;
	return ok && !c->oom;
}

/* ---- entry points ---- */

static int run(const struct ks_schema *schema, const struct ks_snode *root,
	       const struct ks_shape *shape, const struct ks_node *instance,
	       const char *path, const struct ks_validate_opts *opts,
	       struct ks_diags *d)
{
	struct ectx ctx, *c = &ctx;
	struct ks_diags mine = KS_DIAGS_INIT;
	struct loc l;
	size_t i;
	int ok, rc;

	if (!root || !instance)
		return 0;
	memset(c, 0, sizeof(*c));
	c->schema = schema;
	c->opts = opts;
	c->path = path;
	c->json = opts && (opts->flags & KS_VALIDATE_JSON);
	c->quick = 1;
	c->root = instance;
	memset(&l, 0, sizeof(l));
	l.node = instance;
	l.enter = root;
	l.shape = shape;
	l.shape_known = 1;
	loc_init(c, &l, NULL, NULL, 0, 0, instance, root);
	l.shape = shape;
	l.shape_known = 1;
	if (!c->json && shape)
		ks_val_read(&l.v, instance, shape->types, 0);
	ok = eval(c, root, &l, NULL) && !c->limited;
	if (!ok && !c->oom) {
		/* again, collecting every error this time */
		for (i = 0; i < c->nuniq; i++)
			ks_free(c->uniq[i].pointer);
		c->nuniq = 0;
		c->quick = 0;
		c->too_deep = 0;
		c->steps = 0;
		c->depth = 0;
		c->nscope = 0;
		c->d = &mine;
		c->top = &mine;
		ok = eval(c, root, &l, NULL);
		if (!mine.n && !c->oom)
			ks_diags_add(&mine, KS_SEV_ERROR, path, instance->line,
				     instance->col, "", NULL,
				     "the record does not match its schema");
		ks_diags_sort(&mine);
		ks_diags_move(d, &mine);
		ok = 0;
	}
	if (c->oom) {
		ks_error(d, -1, path, 0, 0, "out of memory");
		rc = -1;
	} else {
		rc = ok ? 0 : KS_EINVALID;
	}
	for (i = 0; i < c->nuniq; i++) {
		if (rc != -1)
			opts->unique_value(opts->ctx, c->uniq[i].pointer,
					   c->uniq[i].n);
		ks_free(c->uniq[i].pointer);
	}
	ks_free(c->uniq);
	ks_diags_release(&mine);
	if (c->md)
		pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mc);
	return rc;
}

int ks_schema_validate(const struct ks_schema *s,
		       const struct ks_node *instance, const char *path,
		       const struct ks_validate_opts *opts,
		       struct ks_diags *d)
{
	if (!s)
		return 0;
	return run(s, s->root, s->root_shape, instance, path, opts, d);
}

int ks_snode_validate(const struct ks_snode *n,
		      const struct ks_node *instance, const char *path,
		      const struct ks_validate_opts *opts,
		      struct ks_diags *d)
{
	return run(NULL, n, NULL, instance, path, opts, d);
}

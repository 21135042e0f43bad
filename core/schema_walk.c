/*
 * Schema compiler, keywords: walks a schema document and turns each
 * subschema into a struct ks_snode, checking the type of every keyword's
 * value and compiling patterns, so that a broken schema is reported where
 * it is written.  References are queued here and resolved by schema.c.
 */
#include "schema_int.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define VOCAB_VALIDATION \
	"https://json-schema.org/draft/2020-12/vocab/validation"
#define VOCAB_FORMAT \
	"https://json-schema.org/draft/2020-12/vocab/format-assertion"

/* Plain scalars count as strings where a keyword wants a string. */
const char *ks_sc_str(const struct ks_node *n)
{
	if (!n || n->kind != KS_NODE_SCALAR)
		return NULL;
	return n->u.scalar.str;
}

static int num_of(const struct ks_node *n, struct ks_val *v)
{
	if (!n || n->kind != KS_NODE_SCALAR || n->u.scalar.quoted)
		return -1;
	ks_val_read(v, n, KS_TYPE_NUMBER, 0);
	return v->t == KS_V_NUM && !isnan(v->d) ? 0 : -1;
}

static int size_of(const struct ks_node *n, size_t *out)
{
	struct ks_val v;

	if (num_of(n, &v) < 0 || !v.integral || v.d < 0)
		return -1;
	if (v.d >= (double)SIZE_MAX)
		*out = SIZE_MAX;
	else
		*out = (size_t)v.d;
	return 0;
}

static int bool_of(const struct ks_node *n)
{
	if (!n || n->kind != KS_NODE_SCALAR || n->u.scalar.quoted)
		return -1;
	return ks_scalar_bool(n);
}

static unsigned type_bit(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = {
		{ "null", KS_TYPE_NULL }, { "boolean", KS_TYPE_BOOLEAN },
		{ "object", KS_TYPE_OBJECT }, { "array", KS_TYPE_ARRAY },
		{ "number", KS_TYPE_NUMBER }, { "string", KS_TYPE_STRING },
		{ "integer", KS_TYPE_INTEGER },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, name))
			return t[i].bit;
	return 0;
}

enum kwid {
	K_UNKNOWN, K_ID, K_SCHEMA, K_ANCHOR, K_DYNANCHOR, K_REF, K_DYNREF,
	K_DEFS, K_COMMENT, K_VOCAB, K_ALLOF, K_ANYOF, K_ONEOF, K_NOT, K_IF,
	K_THEN, K_ELSE, K_DEPSCH, K_PREFIX, K_ITEMS, K_CONTAINS, K_PROPS,
	K_PATPROPS, K_ADDL, K_PROPNAMES, K_UNEVALITEMS, K_UNEVALPROPS,
	K_TYPE, K_ENUM, K_CONST, K_MULTIPLE, K_MAXIMUM, K_EXMAX, K_MINIMUM,
	K_EXMIN, K_MAXLEN, K_MINLEN, K_PATTERN, K_MAXITEMS, K_MINITEMS,
	K_UNIQUE, K_MAXCONT, K_MINCONT, K_MAXPROPS, K_MINPROPS, K_REQUIRED,
	K_DEPREQ, K_FORMAT, K_ANNOT, K_XREF, K_XUNIQUE, K_XKEY, K_XMERGE,
	K_XENUMTITLES, K_XCOMPARE, K_XDERIVED,
};

static const struct kwdef {
	const char *name;
	enum kwid id;
	int validation;		/* in the validation vocabulary */
} kwdefs[] = {
	{ "$id", K_ID, 0 }, { "$schema", K_SCHEMA, 0 },
	{ "$anchor", K_ANCHOR, 0 }, { "$dynamicAnchor", K_DYNANCHOR, 0 },
	{ "$ref", K_REF, 0 }, { "$dynamicRef", K_DYNREF, 0 },
	{ "$defs", K_DEFS, 0 }, { "definitions", K_DEFS, 0 },
	{ "$comment", K_COMMENT, 0 }, { "$vocabulary", K_VOCAB, 0 },
	{ "allOf", K_ALLOF, 0 }, { "anyOf", K_ANYOF, 0 },
	{ "oneOf", K_ONEOF, 0 }, { "not", K_NOT, 0 }, { "if", K_IF, 0 },
	{ "then", K_THEN, 0 }, { "else", K_ELSE, 0 },
	{ "dependentSchemas", K_DEPSCH, 0 },
	{ "prefixItems", K_PREFIX, 0 }, { "items", K_ITEMS, 0 },
	{ "contains", K_CONTAINS, 0 }, { "properties", K_PROPS, 0 },
	{ "patternProperties", K_PATPROPS, 0 },
	{ "additionalProperties", K_ADDL, 0 },
	{ "propertyNames", K_PROPNAMES, 0 },
	{ "unevaluatedItems", K_UNEVALITEMS, 0 },
	{ "unevaluatedProperties", K_UNEVALPROPS, 0 },
	{ "type", K_TYPE, 1 }, { "enum", K_ENUM, 1 },
	{ "const", K_CONST, 1 }, { "multipleOf", K_MULTIPLE, 1 },
	{ "maximum", K_MAXIMUM, 1 }, { "exclusiveMaximum", K_EXMAX, 1 },
	{ "minimum", K_MINIMUM, 1 }, { "exclusiveMinimum", K_EXMIN, 1 },
	{ "maxLength", K_MAXLEN, 1 }, { "minLength", K_MINLEN, 1 },
	{ "pattern", K_PATTERN, 1 }, { "maxItems", K_MAXITEMS, 1 },
	{ "minItems", K_MINITEMS, 1 }, { "uniqueItems", K_UNIQUE, 1 },
	{ "maxContains", K_MAXCONT, 1 }, { "minContains", K_MINCONT, 1 },
	{ "maxProperties", K_MAXPROPS, 1 },
	{ "minProperties", K_MINPROPS, 1 }, { "required", K_REQUIRED, 1 },
	{ "dependentRequired", K_DEPREQ, 1 }, { "format", K_FORMAT, 0 },
	{ "title", K_ANNOT, 0 }, { "description", K_ANNOT, 0 },
	{ "default", K_ANNOT, 0 }, { "examples", K_ANNOT, 0 },
	{ "readOnly", K_ANNOT, 0 }, { "writeOnly", K_ANNOT, 0 },
	{ "deprecated", K_ANNOT, 0 }, { "contentMediaType", K_ANNOT, 0 },
	{ "contentEncoding", K_ANNOT, 0 }, { "contentSchema", K_ANNOT, 0 },
	{ "x-ref", K_XREF, 0 }, { "x-unique", K_XUNIQUE, 0 },
	{ "x-key", K_XKEY, 0 }, { "x-merge", K_XMERGE, 0 },
	{ "x-enum-titles", K_XENUMTITLES, 0 },
	{ "x-compare", K_XCOMPARE, 0 },
	{ "x-derived", K_XDERIVED, 0 },
};

#define NKWDEFS (sizeof(kwdefs) / sizeof(kwdefs[0]))

static const struct kwdef *kw_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKWDEFS; i++)
		if (!strcmp(kwdefs[i].name, name))
			return &kwdefs[i];
	return NULL;
}

/* Edit distance, capped: enough to suggest a near keyword or property. */
size_t ks_schema_edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[65], prev;

	if (la > 64 || lb > 64)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	/* row[j]: the distance from the first i characters of a to b[0..j) */
	row[0] = 0;
	for (j = 1; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static const char *kw_suggest(const char *name)
{
	const char *best = NULL;
	size_t i, bd = 3;

	for (i = 0; i < NKWDEFS; i++) {
		size_t dd = ks_schema_edit_distance(name, kwdefs[i].name, 2);

		if (dd < bd) {
			bd = dd;
			best = kwdefs[i].name;
		}
	}
	return best;
}

/* The array of subschemas of allOf, anyOf, oneOf or prefixItems. */
static struct ks_snode **walk_list(struct ks_comp *c, const struct ks_pair *p,
				   const struct ks_wctx *w, int depth,
				   size_t *count)
{
	const struct ks_node *v = p->value;
	struct ks_snode **out;
	size_t i;

	*count = 0;
	if (v->kind != KS_NODE_SEQ || !v->u.seq.n) {
		ks_sc_error(c, w->file, v, p->key,
			    "%s must be a non-empty list of schemas", p->key);
		return NULL;
	}
	out = ks_sc_alloc(c->m, v->u.seq.n * sizeof(*out));
	if (!out) {
		ks_sc_oom(c);
		return NULL;
	}
	for (i = 0; i < v->u.seq.n; i++) {
		out[i] = ks_sc_walk(c, v->u.seq.v[i], w, depth + 1);
		if (!out[i])
			return NULL;
	}
	*count = v->u.seq.n;
	return out;
}

/*
 * ECMA-262 (the regex dialect of JSON Schema) spells Unicode properties
 * with long names such as \p{Letter} or \p{General_Category=Letter}; PCRE2
 * before 10.43 knows only the short ones.  Rewrites those it can.
 */
static const struct {
	const char *lng, *shrt;
} gc_names[] = {
	{ "Letter", "L" }, { "Cased_Letter", "L&" }, { "LC", "L&" },
	{ "Uppercase_Letter", "Lu" }, { "Lowercase_Letter", "Ll" },
	{ "Titlecase_Letter", "Lt" }, { "Modifier_Letter", "Lm" },
	{ "Other_Letter", "Lo" }, { "Mark", "M" }, { "Combining_Mark", "M" },
	{ "Nonspacing_Mark", "Mn" }, { "Spacing_Mark", "Mc" },
	{ "Enclosing_Mark", "Me" }, { "Number", "N" },
	{ "Decimal_Number", "Nd" }, { "digit", "Nd" },
	{ "Letter_Number", "Nl" }, { "Other_Number", "No" },
	{ "Punctuation", "P" }, { "punct", "P" },
	{ "Connector_Punctuation", "Pc" }, { "Dash_Punctuation", "Pd" },
	{ "Open_Punctuation", "Ps" }, { "Close_Punctuation", "Pe" },
	{ "Initial_Punctuation", "Pi" }, { "Final_Punctuation", "Pf" },
	{ "Other_Punctuation", "Po" }, { "Symbol", "S" },
	{ "Math_Symbol", "Sm" }, { "Currency_Symbol", "Sc" },
	{ "Modifier_Symbol", "Sk" }, { "Other_Symbol", "So" },
	{ "Separator", "Z" }, { "Space_Separator", "Zs" },
	{ "Line_Separator", "Zl" }, { "Paragraph_Separator", "Zp" },
	{ "Other", "C" }, { "Control", "Cc" }, { "cntrl", "Cc" },
	{ "Format", "Cf" }, { "Surrogate", "Cs" }, { "Private_Use", "Co" },
	{ "Unassigned", "Cn" },
};

static char *translate_re(const char *src)
{
	struct ks_buf b = KS_BUF_INIT;
	const char *p = src;
	int rc = 0;

	while (*p && !rc) {
		const char *close, *name;
		size_t i, n;

		if (p[0] != '\\') {
			rc = ks_buf_putc(&b, *p++);
			continue;
		}
		if (!p[1]) {
			rc = ks_buf_putc(&b, *p++);
			continue;
		}
		if ((p[1] != 'p' && p[1] != 'P') || p[2] != '{' ||
		    !(close = strchr(p + 3, '}'))) {
			rc = ks_buf_add(&b, p, 2);
			p += 2;
			continue;
		}
		name = p + 3;
		n = (size_t)(close - name);
		if (n > 17 && !strncmp(name, "General_Category=", 17)) {
			name += 17;
			n -= 17;
		} else if (n > 3 && !strncmp(name, "gc=", 3)) {
			name += 3;
			n -= 3;
		} else if (n > 7 && !strncmp(name, "Script=", 7)) {
			name += 7;
			n -= 7;
		} else if (n > 3 && !strncmp(name, "sc=", 3)) {
			name += 3;
			n -= 3;
		}
		for (i = 0; i < sizeof(gc_names) / sizeof(gc_names[0]); i++)
			if (strlen(gc_names[i].lng) == n &&
			    !strncmp(gc_names[i].lng, name, n))
				break;
		rc |= ks_buf_add(&b, p, 3);
		if (i < sizeof(gc_names) / sizeof(gc_names[0]))
			rc |= ks_buf_puts(&b, gc_names[i].shrt);
		else
			rc |= ks_buf_add(&b, name, n);
		rc |= ks_buf_putc(&b, '}');
		p = close + 1;
	}
	if (rc) {
		ks_buf_release(&b);
		return NULL;
	}
	return ks_buf_detach(&b, NULL);
}

static pcre2_code *compile_re(struct ks_comp *c, const char *src,
			      const struct ks_node *at, const char *file,
			      const char *kw)
{
	pcre2_code *re;
	struct pcre_item *it;
	int err;
	PCRE2_SIZE off;
	char *tr = translate_re(src);

	if (!tr) {
		ks_sc_oom(c);
		return NULL;
	}
	re = pcre2_compile((PCRE2_SPTR)tr, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF | PCRE2_UCP, &err, &off, c->cctx);
	ks_free(tr);
	if (!re) {
		PCRE2_UCHAR msg[256];

		if (err == PCRE2_ERROR_HEAP_FAILED ||
		    err == PCRE2_ERROR_NOMEMORY) {
			ks_sc_oom(c);
			return NULL;
		}
		pcre2_get_error_message(err, msg, sizeof(msg));
		ks_sc_error(c, file, at, kw, "invalid regular expression "
			    "\"%s\": %s at offset %zu", src, (const char *)msg,
			    (size_t)off);
		return NULL;
	}
	/* JIT is an optimisation only; a failure leaves the interpreter. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	it = ks_sc_alloc(c->m, sizeof(*it));
	if (!it) {
		pcre2_code_free(re);
		ks_sc_oom(c);
		return NULL;
	}
	it->re = re;
	it->next = c->m->pcres;
	c->m->pcres = it;
	return re;
}

/*
 * $schema naming a meta-schema other than the standard one: read its
 * $vocabulary, so that a meta-schema without the validation vocabulary
 * turns those keywords off, and one with format-assertion turns formats
 * on.  A meta-schema that cannot be fetched changes nothing.
 */
static void read_vocabulary(struct ks_comp *c, const char *uri,
			    struct ks_wctx *w)
{
	struct ks_doc *doc = NULL;
	struct ks_diags tmp = KS_DIAGS_INIT;
	const struct ks_node *v;
	char *u;
	size_t i;

	if (!strncmp(uri, "https://json-schema.org/", 24) ||
	    !strncmp(uri, "http://json-schema.org/", 23))
		return;
	/* the document, without a fragment */
	u = ks_strndup(uri, strcspn(uri, "#"));
	if (!u) {
		ks_sc_oom(c);
		return;
	}
	if (ks_sc_fetch(c, u, &doc, &tmp) == 0 && doc) {
		v = ks_map_get(ks_doc_root(doc), "$vocabulary");
		if (v && v->kind == KS_NODE_MAP) {
			w->novalid = 1;
			for (i = 0; i < v->u.map.n; i++) {
				const char *k = v->u.map.v[i].key;

				if (!strcmp(k, VOCAB_VALIDATION))
					w->novalid = 0;
				if (!strcmp(k, VOCAB_FORMAT))
					w->formats = 1;
			}
		}
	}
	ks_doc_free(doc);
	ks_diags_release(&tmp);
	ks_free(u);
}

static void build_enum(struct ks_comp *c, struct ks_snode *s,
		       const struct ks_node *en, const struct ks_node *ti,
		       const struct ks_wctx *w)
{
	size_t i, j;

	if (en) {
		if (en->kind != KS_NODE_SEQ) {
			ks_sc_error(c, w->file, en, "enum", "enum must be a "
				    "list");
		} else {
			s->enumv = ks_sc_alloc(c->m, (en->u.seq.n + 1) *
					       sizeof(*s->enumv));
			if (!s->enumv) {
				ks_sc_oom(c);
				return;
			}
			for (i = 0; i < en->u.seq.n; i++)
				ks_val_read(&s->enumv[i], en->u.seq.v[i],
					    s->types, 0);
			s->nenum = en->u.seq.n;
			s->kw |= KW_ENUM;
		}
	}
	if (!ti)
		return;
	if (ti->kind != KS_NODE_MAP) {
		ks_sc_error(c, w->file, ti, "x-enum-titles", "x-enum-titles "
			    "must be a mapping of values to labels");
		return;
	}
	if (!s->nenum)
		return;
	s->enum_titles = ks_sc_alloc(c->m, s->nenum * sizeof(char *));
	if (!s->enum_titles) {
		ks_sc_oom(c);
		return;
	}
	for (i = 0; i < ti->u.map.n; i++) {
		const struct ks_pair *p = &ti->u.map.v[i];
		int found = 0;

		for (j = 0; j < s->nenum; j++) {
			const struct ks_val *e = &s->enumv[j];

			if (e->n->kind == KS_NODE_SCALAR &&
			    e->n->u.scalar.len == p->key_len &&
			    !memcmp(e->n->u.scalar.str, p->key, p->key_len)) {
				s->enum_titles[j] = ks_sc_str(p->value);
				found = 1;
			}
		}
		if (!found) {
			struct ks_node at = { 0 };

			at.line = p->line;
			at.col = p->col;
			ks_sc_error(c, w->file, &at, "x-enum-titles",
				    "x-enum-titles "
				    "names \"%s\", which is not in the enum",
				    p->key);
		}
	}
}

static int seq_count(const struct ks_node *n)
{
	size_t i;
	int k = 0;

	for (i = 0; i < n->u.map.n; i++) {
		const struct ks_pair *p = &n->u.map.v[i];
		const struct ks_node *v = p->value;

		if ((!strcmp(p->key, "allOf") || !strcmp(p->key, "anyOf") ||
		     !strcmp(p->key, "oneOf")) && v->kind == KS_NODE_SEQ)
			k += (int)v->u.seq.n;
		else if (!strcmp(p->key, "dependentSchemas") &&
			 v->kind == KS_NODE_MAP)
			k += (int)v->u.map.n;
		else
			k++;
	}
	return k;
}

static void seq_add(struct ks_snode *s, enum ks_sseq_kind kind,
		    struct ks_snode *t)
{
	s->seq[s->nseq].kind = kind;
	s->seq[s->nseq].s = t;
	s->nseq++;
}

/* Formats JSON Schema defines; those khaosat does not check are notes. */
static int standard_format(const char *name)
{
	static const char *const std[] = {
		"date-time", "date", "time", "duration", "email", "idn-email",
		"hostname", "idn-hostname", "ipv4", "ipv6", "uri",
		"uri-reference", "iri", "iri-reference", "uuid",
		"uri-template", "json-pointer", "relative-json-pointer",
		"regex",
	};
	size_t i;

	for (i = 0; i < sizeof(std) / sizeof(std[0]); i++)
		if (!strcmp(std[i], name))
			return 1;
	return 0;
}

/* A format nobody defines is likely a typo: warn, with a suggestion. */
static void unknown_format(struct ks_comp *c, const struct ks_node *at,
			   const char *name, const struct ks_wctx *w)
{
	static const char *const ours[] = {
		"date", "date-time", "time", "email", "uri", "uuid", "ipv4",
		"hostname", "vn-tax-code", "vn-phone",
	};
	const char *best = NULL;
	size_t i, bd = 3;
	int strict = (c->flags & KS_SCHEMA_STRICT) != 0;

	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		size_t d = ks_schema_edit_distance(name, ours[i], 2);

		if (d < bd) {
			bd = d;
			best = ours[i];
		}
	}
	if (best)
		ks_diags_add(c->d, strict ? KS_SEV_ERROR : KS_SEV_WARNING,
			     w->file, at->line, at->col, NULL, "format",
			     "unknown format \"%s\"; did you mean \"%s\"?",
			     name, best);
	else
		ks_diags_add(c->d, strict ? KS_SEV_ERROR : KS_SEV_WARNING,
			     w->file, at->line, at->col, NULL, "format",
			     "unknown format \"%s\"", name);
	if (strict)
		c->errors++;
}

/* $ref and $dynamicRef: schema.c resolves them once every document is in. */
static int walk_ref(struct ks_comp *c, struct ks_snode *s,
		    const struct ks_pair *p, int dynamic,
		    const struct ks_wctx *w)
{
	const struct ks_node *v = p->value;
	const char *str = ks_sc_str(v);

	if (!str) {
		ks_sc_error(c, w->file, v, p->key, "%s must be a string",
			    p->key);
		return 0;
	}
	seq_add(s, dynamic ? KS_SEQ_DYNREF : KS_SEQ_REF, NULL);
	if (!dynamic) {
		s->ref_str = str;
		s->ref_at = v;
	}
	return ks_sc_pending(c, s, str, w->base, v, dynamic);
}

/* $defs: compiled even when nothing refers to them, so errors show. */
static int walk_defs(struct ks_comp *c, const struct ks_pair *p,
		     const struct ks_wctx *w, int depth)
{
	const struct ks_node *v = p->value;
	size_t i;

	if (v->kind != KS_NODE_MAP) {
		ks_sc_error(c, w->file, v, p->key,
			    "%s must be a mapping of schemas", p->key);
		return 0;
	}
	for (i = 0; i < v->u.map.n; i++)
		if (!ks_sc_walk(c, v->u.map.v[i].value, w, depth + 1))
			return -1;
	return 0;
}

/* allOf, anyOf, oneOf and prefixItems: lists of subschemas. */
static int walk_lists(struct ks_comp *c, struct ks_snode *s,
		      const struct ks_pair *p, enum kwid id,
		      const struct ks_wctx *w, int depth)
{
	size_t i;

	switch (id) {
	case K_ALLOF:
		s->allof = walk_list(c, p, w, depth, &s->nallof);
		for (i = 0; i < s->nallof; i++)
			seq_add(s, KS_SEQ_ALLOF, s->allof[i]);
		break;
	case K_ANYOF:
		s->anyof = walk_list(c, p, w, depth, &s->nanyof);
		for (i = 0; i < s->nanyof; i++)
			seq_add(s, KS_SEQ_COND, s->anyof[i]);
		break;
	case K_ONEOF:
		s->oneof = walk_list(c, p, w, depth, &s->noneof);
		for (i = 0; i < s->noneof; i++)
			seq_add(s, KS_SEQ_COND, s->oneof[i]);
		break;
	default:
		s->prefix = walk_list(c, p, w, depth, &s->nprefix);
		break;
	}
	return c->oom ? -1 : 0;
}

/*
 * Keywords whose value is one subschema.  Those of if, then and else may
 * apply, so they join the shapes as conditional members.
 */
static int walk_single(struct ks_comp *c, struct ks_snode *s,
		       const struct ks_pair *p, enum kwid id,
		       const struct ks_wctx *w, int depth)
{
	struct ks_snode *t = ks_sc_walk(c, p->value, w, depth + 1);
	int cond = 0;

	switch (id) {
	case K_NOT: s->not_ = t; break;
	case K_IF: s->if_ = t; cond = 1; break;
	case K_THEN: s->then_ = t; cond = 1; break;
	case K_ELSE: s->else_ = t; cond = 1; break;
	case K_ITEMS: s->items = t; break;
	case K_CONTAINS: s->contains = t; break;
	case K_ADDL: s->addl = t; break;
	case K_PROPNAMES: s->propnames = t; break;
	case K_UNEVALITEMS: s->uneval_items = t; s->has_uneval = 1; break;
	default: s->uneval_props = t; s->has_uneval = 1; break;
	}
	if (t && cond)
		seq_add(s, KS_SEQ_COND, t);
	return t ? 0 : -1;
}

static int walk_properties(struct ks_comp *c, struct ks_snode *s,
			   const struct ks_pair *p, const struct ks_wctx *w,
			   int depth)
{
	const struct ks_node *v = p->value;
	size_t i;

	if (v->kind != KS_NODE_MAP) {
		ks_sc_error(c, w->file, v, p->key,
			    "properties must be a mapping of schemas");
		return 0;
	}
	s->props = ks_sc_alloc(c->m, (v->u.map.n + 1) * sizeof(*s->props));
	s->props_sorted = ks_sc_alloc(c->m, (v->u.map.n + 1) *
				      sizeof(*s->props));
	if (!s->props || !s->props_sorted) {
		ks_sc_oom(c);
		return -1;
	}
	for (i = 0; i < v->u.map.n; i++) {
		const struct ks_pair *q = &v->u.map.v[i];

		s->props[i].name = q->key;
		s->props[i].len = q->key_len;
		s->props[i].s = ks_sc_walk(c, q->value, w, depth + 1);
		if (!s->props[i].s)
			return -1;
	}
	s->nprops = v->u.map.n;
	memcpy(s->props_sorted, s->props, s->nprops * sizeof(*s->props));
	qsort(s->props_sorted, s->nprops, sizeof(*s->props), ks_sc_prop_cmp);
	seq_add(s, KS_SEQ_PROPS, NULL);
	return 0;
}

/* A pattern that does not compile is reported and left out. */
static int walk_pattern_properties(struct ks_comp *c, struct ks_snode *s,
				   const struct ks_pair *p,
				   const struct ks_wctx *w, int depth)
{
	const struct ks_node *v = p->value;
	size_t i;

	if (v->kind != KS_NODE_MAP) {
		ks_sc_error(c, w->file, v, p->key, "patternProperties must "
			    "be a mapping of patterns to schemas");
		return 0;
	}
	s->pats = ks_sc_alloc(c->m, (v->u.map.n + 1) * sizeof(*s->pats));
	if (!s->pats) {
		ks_sc_oom(c);
		return -1;
	}
	for (i = 0; i < v->u.map.n; i++) {
		const struct ks_pair *q = &v->u.map.v[i];
		struct ks_node at = { 0 };
		struct ks_spat *sp = &s->pats[s->npats];

		at.line = q->line;
		at.col = q->col;
		sp->src = q->key;
		sp->s = ks_sc_walk(c, q->value, w, depth + 1);
		if (!sp->s)
			return -1;
		sp->re = compile_re(c, q->key, &at, w->file,
				    "patternProperties");
		if (c->oom)
			return -1;
		if (sp->re)
			s->npats++;
	}
	return 0;
}

static int walk_dependent_schemas(struct ks_comp *c, struct ks_snode *s,
				  const struct ks_pair *p,
				  const struct ks_wctx *w, int depth)
{
	const struct ks_node *v = p->value;
	size_t i;

	if (v->kind != KS_NODE_MAP) {
		ks_sc_error(c, w->file, v, p->key, "dependentSchemas "
			    "must be a mapping of schemas");
		return 0;
	}
	s->depsch = ks_sc_alloc(c->m, (v->u.map.n + 1) * sizeof(*s->depsch));
	if (!s->depsch) {
		ks_sc_oom(c);
		return -1;
	}
	for (i = 0; i < v->u.map.n; i++) {
		const struct ks_pair *q = &v->u.map.v[i];

		s->depsch[i].name = q->key;
		s->depsch[i].s = ks_sc_walk(c, q->value, w, depth + 1);
		if (!s->depsch[i].s)
			return -1;
		seq_add(s, KS_SEQ_COND, s->depsch[i].s);
	}
	s->ndepsch = v->u.map.n;
	return 0;
}

/* `type`: one name or a list of them. */
static void walk_type(struct ks_comp *c, struct ks_snode *s,
		      const struct ks_node *v, const struct ks_wctx *w)
{
	const char *str = ks_sc_str(v);
	size_t i;

	if (str) {
		s->types = type_bit(str);
		if (!s->types)
			ks_sc_error(c, w->file, v, "type",
				    "unknown type \"%s\"", str);
	} else if (v->kind == KS_NODE_SEQ) {
		for (i = 0; i < v->u.seq.n; i++) {
			const char *t = ks_sc_str(v->u.seq.v[i]);
			unsigned bit = t ? type_bit(t) : 0;

			if (!bit)
				ks_sc_error(c, w->file, v->u.seq.v[i], "type",
					    "unknown type \"%s\"",
					    t ? t : "(not a string)");
			s->types |= bit;
		}
	} else {
		ks_sc_error(c, w->file, v, "type", "type must be a type name "
			    "or a list of them");
	}
	if (s->types)
		s->kw |= KW_TYPE;
}

/* multipleOf and the bounds of numbers. */
static void walk_number(struct ks_comp *c, struct ks_snode *s,
			const struct ks_pair *p, enum kwid id,
			const struct ks_wctx *w)
{
	const struct ks_node *v = p->value;
	struct ks_val *dst;
	unsigned bit;

	switch (id) {
	case K_MULTIPLE: dst = &s->multiple; bit = KW_MULTIPLE; break;
	case K_MAXIMUM: dst = &s->maximum; bit = KW_MAXIMUM; break;
	case K_EXMAX: dst = &s->exmax; bit = KW_EXMAX; break;
	case K_MINIMUM: dst = &s->minimum; bit = KW_MINIMUM; break;
	default: dst = &s->exmin; bit = KW_EXMIN; break;
	}
	if (num_of(v, dst) < 0) {
		ks_sc_error(c, w->file, v, p->key, "%s must be a number",
			    p->key);
		return;
	}
	if (id == K_MULTIPLE && !(dst->d > 0)) {
		ks_sc_error(c, w->file, v, p->key,
			    "multipleOf must be greater than 0");
		return;
	}
	s->kw |= bit;
}

/* The bounds on lengths and counts. */
static void walk_size(struct ks_comp *c, struct ks_snode *s,
		      const struct ks_pair *p, enum kwid id,
		      const struct ks_wctx *w)
{
	size_t *dst;
	unsigned bit;

	switch (id) {
	case K_MAXLEN: dst = &s->maxlen; bit = KW_MAXLEN; break;
	case K_MINLEN: dst = &s->minlen; bit = KW_MINLEN; break;
	case K_MAXITEMS: dst = &s->maxitems; bit = KW_MAXITEMS; break;
	case K_MINITEMS: dst = &s->minitems; bit = KW_MINITEMS; break;
	case K_MAXCONT: dst = &s->maxcont; bit = KW_MAXCONT; break;
	case K_MINCONT: dst = &s->mincont; bit = KW_MINCONT; break;
	case K_MAXPROPS: dst = &s->maxprops; bit = KW_MAXPROPS; break;
	default: dst = &s->minprops; bit = KW_MINPROPS; break;
	}
	if (size_of(p->value, dst) < 0) {
		ks_sc_error(c, w->file, p->value, p->key, "%s must be a "
			    "non-negative integer", p->key);
		return;
	}
	s->kw |= bit;
}

static int walk_pattern(struct ks_comp *c, struct ks_snode *s,
			const struct ks_node *v, const struct ks_wctx *w)
{
	const char *str = ks_sc_str(v);

	if (!str) {
		ks_sc_error(c, w->file, v, "pattern",
			    "pattern must be a string");
		return 0;
	}
	s->pattern_src = str;
	s->pattern = compile_re(c, str, v, w->file, "pattern");
	if (s->pattern)
		s->kw |= KW_PATTERN;
	return c->oom ? -1 : 0;
}

/* uniqueItems and x-unique: true or false. */
static void walk_flag(struct ks_comp *c, struct ks_snode *s,
		      const struct ks_pair *p, enum kwid id,
		      const struct ks_wctx *w)
{
	int b = bool_of(p->value);

	if (b < 0)
		ks_sc_error(c, w->file, p->value, p->key,
			    "%s must be true or false", p->key);
	else if (id == K_XUNIQUE) {
		s->xunique = (unsigned char)b;
		c->s->has_unique |= b;
	}
	else if (b)
		s->kw |= KW_UNIQUE;
}

static int walk_required(struct ks_comp *c, struct ks_snode *s,
			 const struct ks_node *v, const struct ks_wctx *w)
{
	size_t i;

	if (v->kind != KS_NODE_SEQ) {
		ks_sc_error(c, w->file, v, "required", "required must be a "
			    "list of property names");
		return 0;
	}
	s->required = ks_sc_alloc(c->m, (v->u.seq.n + 1) * sizeof(char *));
	if (!s->required) {
		ks_sc_oom(c);
		return -1;
	}
	for (i = 0; i < v->u.seq.n; i++) {
		const char *name = ks_sc_str(v->u.seq.v[i]);

		if (!name) {
			ks_sc_error(c, w->file, v->u.seq.v[i], "required",
				    "required must list property names");
			continue;
		}
		s->required[s->nrequired++] = name;
	}
	s->kw |= KW_REQUIRED;
	return 0;
}

/* One entry of dependentRequired: a name and the names it needs. */
static int walk_dependency(struct ks_comp *c, struct ks_snode *s,
			   const struct ks_pair *p, const struct ks_pair *q,
			   const struct ks_wctx *w)
{
	struct ks_sdep *dp = &s->depreq[s->ndepreq];
	size_t j;

	if (q->value->kind != KS_NODE_SEQ) {
		ks_sc_error(c, w->file, q->value, p->key, "dependentRequired "
			    "must map \"%s\" to a list of property names",
			    q->key);
		return 0;
	}
	dp->name = q->key;
	dp->names = ks_sc_alloc(c->m, (q->value->u.seq.n + 1) *
				sizeof(char *));
	if (!dp->names) {
		ks_sc_oom(c);
		return -1;
	}
	for (j = 0; j < q->value->u.seq.n; j++) {
		const char *nm = ks_sc_str(q->value->u.seq.v[j]);

		if (nm)
			dp->names[dp->nnames++] = nm;
	}
	s->ndepreq++;
	return 0;
}

static int walk_dependent_required(struct ks_comp *c, struct ks_snode *s,
				   const struct ks_pair *p,
				   const struct ks_wctx *w)
{
	const struct ks_node *v = p->value;
	size_t i;

	if (v->kind != KS_NODE_MAP) {
		ks_sc_error(c, w->file, v, p->key, "dependentRequired must be "
			    "a mapping of property names to lists of names");
		return 0;
	}
	s->depreq = ks_sc_alloc(c->m, (v->u.map.n + 1) * sizeof(*s->depreq));
	if (!s->depreq) {
		ks_sc_oom(c);
		return -1;
	}
	for (i = 0; i < v->u.map.n; i++)
		if (walk_dependency(c, s, p, &v->u.map.v[i], w) < 0)
			return -1;
	s->kw |= KW_DEPREQ;
	return 0;
}

/* Asserted when khaosat knows the format and the schema asks for it. */
static void walk_format(struct ks_comp *c, struct ks_snode *s,
			const struct ks_node *v, const struct ks_wctx *w)
{
	const char *str = ks_sc_str(v);

	if (!str) {
		ks_sc_error(c, w->file, v, "format", "format must be a string");
		return;
	}
	s->format = str;
	if (!(c->flags & KS_SCHEMA_FORMAT_ANNOTATION) || w->formats) {
		s->fmt = ks_format_id(str);
		if (s->fmt >= 0)
			s->kw |= KW_FORMAT;
	}
	if (!ks_format_known(str) && !standard_format(str))
		unknown_format(c, v, str, w);
}

/* x-ref, x-key and x-merge: names khaosat reads elsewhere. */
static void walk_extension(struct ks_comp *c, struct ks_snode *s,
			   const struct ks_pair *p, enum kwid id,
			   const struct ks_wctx *w)
{
	const char *str = ks_sc_str(p->value);

	if (id == K_XMERGE) {
		if (!str || strcmp(str, "record"))
			ks_sc_error(c, w->file, p->value, p->key,
				    "x-merge must be \"record\"");
	} else if (!str || !*str) {
		ks_sc_error(c, w->file, p->value, p->key, id == K_XREF ?
			    "x-ref must name a record kind" :
			    "x-key must name a property of the items");
	} else if (id == K_XREF) {
		s->xref = str;
	} else {
		s->xkey = str;
	}
}

/*
 * x-derived: a mapping of fields to values that mark a value of this
 * object as made from other data (a position read from a photo); see
 * merge.h for what it changes.
 */
static void walk_xderived(struct ks_comp *c, struct ks_snode *s,
			  const struct ks_pair *p, const struct ks_wctx *w)
{
	const struct ks_node *v = p->value;
	size_t i;

	for (i = 0; v->kind == KS_NODE_MAP && i < v->u.map.n; i++)
		if (v->u.map.v[i].value->kind != KS_NODE_SCALAR)
			break;
	if (v->kind != KS_NODE_MAP || !v->u.map.n || i < v->u.map.n) {
		ks_sc_error(c, w->file, v, p->key,
			    "x-derived must map fields to the values that mark a value as derived");
		return;
	}
	s->xderived = v;
}

/* An operator of x-compare, or -1. */
static int xcompare_op(const char *op)
{
	static const char *const ops[] = { "<", "<=", ">", ">=" };
	size_t i;

	for (i = 0; op && i < sizeof(ops) / sizeof(*ops); i++)
		if (!strcmp(op, ops[i]))
			return (int)i;
	return -1;
}

/*
 * x-compare: rules between two properties of an object, each a list
 * [a, op, b], such as [insured, "<=", regular].
 */
static int walk_xcompare(struct ks_comp *c, struct ks_snode *s,
			 const struct ks_node *v, const struct ks_wctx *w)
{
	size_t i;

	if (v->kind != KS_NODE_SEQ) {
		ks_sc_error(c, w->file, v, "x-compare", "x-compare must be a "
			    "list of rules such as [insured, \"<=\", regular]");
		return 0;
	}
	s->xcompare = ks_sc_alloc(c->m, (v->u.seq.n + 1) * sizeof(*s->xcompare));
	if (!s->xcompare) {
		ks_sc_oom(c);
		return -1;
	}
	for (i = 0; i < v->u.seq.n; i++) {
		const struct ks_node *r = v->u.seq.v[i];
		struct ks_xcompare *x = &s->xcompare[s->nxcompare];
		int op;

		if (r->kind != KS_NODE_SEQ || r->u.seq.n != 3 ||
		    !(x->a = ks_sc_str(r->u.seq.v[0])) ||
		    !(x->b = ks_sc_str(r->u.seq.v[2])) ||
		    (op = xcompare_op(ks_sc_str(r->u.seq.v[1]))) < 0) {
			ks_sc_error(c, w->file, r, "x-compare", "an x-compare "
				    "rule is [property, operator, property], the "
				    "operator one of <, <=, >, >=");
			continue;
		}
		x->op = (enum ks_xop)op;
		s->nxcompare++;
	}
	return 0;
}

/* One keyword of a subschema; -1 stops the compile (out of memory). */
static int walk_keyword(struct ks_comp *c, struct ks_snode *s,
			const struct ks_pair *p, const struct kwdef *kd,
			const struct ks_wctx *w, int depth)
{
	switch (kd->id) {
	case K_ID: case K_SCHEMA: case K_ANCHOR: case K_DYNANCHOR:
	case K_COMMENT: case K_VOCAB: case K_ANNOT: case K_UNKNOWN:
	case K_ENUM: case K_XENUMTITLES:
		return 0;	/* handled before or after the loop */
	case K_REF: case K_DYNREF:
		return walk_ref(c, s, p, kd->id == K_DYNREF, w);
	case K_DEFS:
		return walk_defs(c, p, w, depth);
	case K_ALLOF: case K_ANYOF: case K_ONEOF: case K_PREFIX:
		return walk_lists(c, s, p, kd->id, w, depth);
	case K_NOT: case K_IF: case K_THEN: case K_ELSE: case K_ITEMS:
	case K_CONTAINS: case K_ADDL: case K_PROPNAMES: case K_UNEVALITEMS:
	case K_UNEVALPROPS:
		return walk_single(c, s, p, kd->id, w, depth);
	case K_PROPS:
		return walk_properties(c, s, p, w, depth);
	case K_PATPROPS:
		return walk_pattern_properties(c, s, p, w, depth);
	case K_DEPSCH:
		return walk_dependent_schemas(c, s, p, w, depth);
	case K_TYPE:
		walk_type(c, s, p->value, w);
		return 0;
	case K_CONST:
		/* read again after `type` is known: see ks_sc_walk() */
		s->kw |= KW_CONST;
		return 0;
	case K_MULTIPLE: case K_MAXIMUM: case K_EXMAX: case K_MINIMUM:
	case K_EXMIN:
		walk_number(c, s, p, kd->id, w);
		return 0;
	case K_MAXLEN: case K_MINLEN: case K_MAXITEMS: case K_MINITEMS:
	case K_MAXCONT: case K_MINCONT: case K_MAXPROPS: case K_MINPROPS:
		walk_size(c, s, p, kd->id, w);
		return 0;
	case K_PATTERN:
		return walk_pattern(c, s, p->value, w);
	case K_UNIQUE: case K_XUNIQUE:
		walk_flag(c, s, p, kd->id, w);
		return 0;
	case K_REQUIRED:
		return walk_required(c, s, p->value, w);
	case K_DEPREQ:
		return walk_dependent_required(c, s, p, w);
	case K_FORMAT:
		walk_format(c, s, p->value, w);
		return 0;
	case K_XREF: case K_XKEY: case K_XMERGE:
		walk_extension(c, s, p, kd->id, w);
		return 0;
	case K_XCOMPARE:
		return walk_xcompare(c, s, p->value, w);
	case K_XDERIVED:
		walk_xderived(c, s, p, w);
		return 0;
	}
	return c->oom ? -1 : 0;
}

/*
 * $id: the base URI for everything inside, and a resource of its own,
 * unless it names the document that was registered for it already.
 */
static int walk_id(struct ks_comp *c, struct ks_snode *s,
		   const struct ks_node *n, const struct ks_node *v,
		   const struct ks_wctx *w, struct ks_wctx *nw)
{
	const char *str = ks_sc_str(v), *au;
	char *u, *h;

	if (!str) {
		ks_sc_error(c, w->file, v, "$id", "$id must be a string");
		return 0;
	}
	u = ks_sc_uri_resolve(w->base, str);
	if (!u) {
		ks_sc_oom(c);
		return -1;
	}
	h = strchr(u, '#');
	if (h)
		*h = '\0';
	au = ks_sc_strdup(c, u);
	ks_free(u);
	if (!au)
		return -1;
	nw->base = au;
	if (w->doc_root && w->res && !w->res->root) {
		ks_sc_register(c, au, w->res);
	} else {
		nw->res = ks_sc_resource(c, au, n);
		if (!nw->res)
			return -1;
		nw->res->root = s;
	}
	return 0;
}

/*
 * Identity first, as it sets the base URI for everything inside: $id,
 * then $schema (which may turn vocabularies on or off) and the anchors.
 */
static int walk_identity(struct ks_comp *c, struct ks_snode *s,
			 const struct ks_node *n, const struct ks_wctx *w,
			 struct ks_wctx *nw)
{
	const struct ks_node *v = ks_map_get(n, "$id");

	if (v && walk_id(c, s, n, v, w, nw) < 0)
		return -1;
	if (w->doc_root && w->res && !w->res->root)
		w->res->root = s;
	s->res = nw->res;
	v = ks_map_get(n, "$schema");
	if (v && ks_sc_str(v) && (w->doc_root || nw->res != w->res))
		read_vocabulary(c, ks_sc_str(v), nw);
	v = ks_map_get(n, "$anchor");
	if (v && ks_sc_str(v))
		ks_sc_anchor(c, nw->res, ks_sc_str(v), s, 0);
	v = ks_map_get(n, "$dynamicAnchor");
	if (v && ks_sc_str(v))
		ks_sc_anchor(c, nw->res, ks_sc_str(v), s, 1);
	return c->oom ? -1 : 0;
}

/* A keyword nobody defines: a warning, an error when strict. */
static void unknown_keyword(struct ks_comp *c, const struct ks_pair *p,
			    const struct ks_wctx *w)
{
	const char *sug = kw_suggest(p->key);
	int strict = (c->flags & KS_SCHEMA_STRICT) != 0;

	if (sug)
		ks_diags_add(c->d, strict ? KS_SEV_ERROR : KS_SEV_WARNING,
			     w->file, p->line, p->col, NULL, p->key,
			     "unknown keyword \"%s\"; did you mean \"%s\"?",
			     p->key, sug);
	else
		ks_diags_add(c->d, strict ? KS_SEV_ERROR : KS_SEV_WARNING,
			     w->file, p->line, p->col, NULL, p->key,
			     "unknown keyword \"%s\"", p->key);
	if (strict)
		c->errors++;
}

/*
 * Every keyword in source order, then enum and const, read with the types
 * this subschema declares.  Keywords of a vocabulary the meta-schema
 * turned off are skipped.
 */
static int walk_keywords(struct ks_comp *c, struct ks_snode *s,
			 const struct ks_node *n, const struct ks_wctx *w,
			 int depth)
{
	const struct ks_node *en = NULL, *ti = NULL, *cn = NULL;
	size_t i;

	s->seq = ks_sc_alloc(c->m, (size_t)(seq_count(n) + 1) *
			     sizeof(*s->seq));
	if (!s->seq) {
		ks_sc_oom(c);
		return -1;
	}
	for (i = 0; i < n->u.map.n; i++) {
		const struct ks_pair *p = &n->u.map.v[i];
		const struct kwdef *kd = kw_find(p->key);

		if (!kd) {
			unknown_keyword(c, p, w);
			continue;
		}
		if (kd->validation && w->novalid)
			continue;
		if (kd->id == K_ENUM)
			en = p->value;
		else if (kd->id == K_XENUMTITLES)
			ti = p->value;
		else if (kd->id == K_CONST)
			cn = p->value;
		else if (kd->id == K_ANNOT && !strcmp(p->key, "title"))
			s->title = ks_sc_str(p->value);
		else if (kd->id == K_ANNOT && !strcmp(p->key, "description"))
			s->description = ks_sc_str(p->value);
		else if (kd->id == K_ANNOT && !strcmp(p->key, "readOnly"))
			s->read_only = p->value->kind == KS_NODE_SCALAR &&
				       !p->value->u.scalar.quoted &&
				       !strcmp(p->value->u.scalar.str, "true");
		if (walk_keyword(c, s, p, kd, w, depth) < 0 || c->oom)
			return -1;
	}
	build_enum(c, s, en, ti, w);
	if (cn)
		ks_val_read(&s->constv, cn, s->types, 0);
	return 0;
}

struct ks_snode *ks_sc_walk(struct ks_comp *c, const struct ks_node *n,
			    const struct ks_wctx *w, int depth)
{
	struct ks_snode *s = ks_sc_map_get(&c->map, n);
	struct ks_wctx nw = *w;

	if (s)
		return s;
	s = ks_sc_alloc(c->m, sizeof(*s));
	if (!s || ks_sc_map_put(&c->map, n, s) < 0 || ks_sc_track(c, s) < 0) {
		ks_sc_oom(c);
		return NULL;
	}
	s->id = c->nall - 1;
	s->src = n;
	s->file = w->file;
	s->fmt = -1;
	s->res = w->res;
	nw.doc_root = 0;
	if (depth > KS_SCHEMA_MAX_DEPTH) {
		ks_sc_error(c, w->file, n, NULL, "schema nesting too deep");
		s->is_bool = s->bool_val = 1;
		return s;
	}
	if (n->kind != KS_NODE_MAP) {
		int bv = bool_of(n);

		s->is_bool = 1;
		s->bool_val = bv != 0;
		if (bv < 0)
			ks_sc_error(c, w->file, n, NULL,
				    "a schema must be a mapping or true/false");
		return s;
	}
	if (walk_identity(c, s, n, w, &nw) < 0 ||
	    walk_keywords(c, s, n, &nw, depth) < 0)
		return NULL;
	if ((s->kw & KW_MINCONT) && !s->contains)
		s->kw &= ~KW_MINCONT;
	if ((s->kw & KW_MAXCONT) && !s->contains)
		s->kw &= ~KW_MAXCONT;
	return c->oom ? NULL : s;
}

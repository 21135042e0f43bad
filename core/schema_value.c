/*
 * Values as the schema reads them: a plain YAML scalar is typed by the
 * types the schema admits at its location (see schema.h), numbers compare
 * numerically (exactly, for integers), and structures compare deeply.
 * Used for enum and const (read once at compile time), uniqueItems, x-key
 * and every instance value.
 */
#include "schema_int.h"
#include "fnv.h"
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading values ---- */

/*
 * ks_scalar_type() with a shortcut: every core-schema null, boolean and
 * number starts with one of a few characters, so most text is known to be
 * a string from its first byte.
 */
enum ks_scalar_type ks_val_scalar_type(const struct ks_node *n)
{
	if (n->u.scalar.quoted)
		return KS_SCALAR_STRING;
	switch (n->u.scalar.str[0]) {
	case '\0':
		return KS_SCALAR_NULL;
	case '0': case '1': case '2': case '3': case '4': case '5': case '6':
	case '7': case '8': case '9': case '+': case '-': case '.': case '~':
	case 'n': case 'N': case 't': case 'T': case 'f': case 'F':
		return ks_scalar_type(n);
	default:
		return KS_SCALAR_STRING;
	}
}

static void read_number(struct ks_val *v, const struct ks_node *n,
			enum ks_scalar_type ct)
{
	const char *s = n->u.scalar.str, *p;

	v->t = KS_V_NUM;
	v->str = s;
	v->len = n->u.scalar.len;
	if (ct == KS_SCALAR_INT && strncmp(s, "0x", 2) &&
	    strncmp(s, "0o", 2)) {
		char *end;

		p = s;
		if (*p == '-' || *p == '+')
			v->neg = *p++ == '-';
		while (p[0] == '0' && p[1])
			p++;
		v->digits = p;
		v->ndigits = strlen(p);
		if (!strcmp(p, "0"))
			v->neg = 0;
		errno = 0;
		v->ll = strtoll(s, &end, 10);
		v->has_ll = !errno && !*end;
		v->d = v->has_ll ? (double)v->ll : strtod(s, NULL);
	} else if (ks_scalar_number(n, &v->d) < 0) {
		v->d = NAN;
	}
	v->integral = isfinite(v->d) && v->d == floor(v->d);
	if (!v->has_ll && v->integral && fabs(v->d) < 9.2e18) {
		v->ll = (long long)v->d;
		v->has_ll = 1;
	}
}

void ks_val_read_scalar(struct ks_val *v, const struct ks_node *n,
			enum ks_scalar_type ct, unsigned hint, int json)
{
	unsigned ok;

	v->str = n->u.scalar.str;
	v->len = n->u.scalar.len;
	v->t = KS_V_STR;
	if (ct == KS_SCALAR_STRING)
		return;
	if (hint && !json && (hint & KS_TYPE_STRING)) {
		switch (ct) {
		case KS_SCALAR_NULL:
			ok = hint & KS_TYPE_NULL;
			break;
		case KS_SCALAR_BOOL:
			ok = hint & KS_TYPE_BOOLEAN;
			break;
		case KS_SCALAR_INT:
			ok = hint & (KS_TYPE_INTEGER | KS_TYPE_NUMBER);
			break;
		default:
			ok = hint & KS_TYPE_NUMBER;
			if (!ok && (hint & KS_TYPE_INTEGER)) {
				double d;

				ok = ks_scalar_number(n, &d) == 0 &&
				     isfinite(d) && d == floor(d);
			}
			break;
		}
		if (!ok)
			return;	/* the schema makes it a string */
	}
	switch (ct) {
	case KS_SCALAR_NULL:
		v->t = KS_V_NULL;
		break;
	case KS_SCALAR_BOOL:
		v->t = KS_V_BOOL;
		v->b = v->str[0] == 't' || v->str[0] == 'T';
		break;
	default:
		read_number(v, n, ct);
		break;
	}
}

void ks_val_read(struct ks_val *v, const struct ks_node *n, unsigned hint,
		 int json)
{
	memset(v, 0, sizeof(*v));
	v->n = n;
	if (n->kind == KS_NODE_MAP) {
		v->t = KS_V_MAP;
		return;
	}
	if (n->kind == KS_NODE_SEQ) {
		v->t = KS_V_SEQ;
		return;
	}
	ks_val_read_scalar(v, n, ks_val_scalar_type(n), hint, json);
}

int ks_val_cmp_num(const struct ks_val *a, const struct ks_val *b)
{
	if (a->has_ll && b->has_ll)
		return a->ll < b->ll ? -1 : a->ll > b->ll;
	return a->d < b->d ? -1 : a->d > b->d;
}

static int num_equal(const struct ks_val *a, const struct ks_val *b)
{
	if (a->digits && b->digits)
		return a->neg == b->neg && a->ndigits == b->ndigits &&
		       !memcmp(a->digits, b->digits, a->ndigits);
	if (a->has_ll && b->has_ll)
		return a->ll == b->ll;
	return a->d == b->d;
}

static int node_equal(const struct ks_node *a, const struct ks_node *b,
		      int json);

int ks_val_equal(const struct ks_val *a, const struct ks_val *b, int json)
{
	size_t i, j;

	if (a->t != b->t)
		return 0;
	switch (a->t) {
	case KS_V_NULL:
		return 1;
	case KS_V_BOOL:
		return a->b == b->b;
	case KS_V_NUM:
		return num_equal(a, b);
	case KS_V_STR:
		return a->len == b->len && !memcmp(a->str, b->str, a->len);
	case KS_V_MAP:
		if (a->n->u.map.n != b->n->u.map.n)
			return 0;
		for (i = 0; i < a->n->u.map.n; i++) {
			const struct ks_pair *p = &a->n->u.map.v[i];

			for (j = 0; j < b->n->u.map.n; j++) {
				const struct ks_pair *q = &b->n->u.map.v[j];

				if (p->key_len == q->key_len &&
				    !memcmp(p->key, q->key, p->key_len))
					break;
			}
			if (j == b->n->u.map.n ||
			    !node_equal(p->value, b->n->u.map.v[j].value,
					json))
				return 0;
		}
		return 1;
	case KS_V_SEQ:
		if (a->n->u.seq.n != b->n->u.seq.n)
			return 0;
		for (i = 0; i < a->n->u.seq.n; i++)
			if (!node_equal(a->n->u.seq.v[i], b->n->u.seq.v[i],
					json))
				return 0;
		return 1;
	}
	return 0;
}

static int node_equal(const struct ks_node *a, const struct ks_node *b,
		      int json)
{
	struct ks_val x, y;

	ks_val_read(&x, a, 0, json);
	ks_val_read(&y, b, 0, json);
	return ks_val_equal(&x, &y, json);
}

uint64_t ks_val_hash(const struct ks_val *v, int json)
{
	uint64_t h = 1469598103934665603ull + (uint64_t)v->t;
	size_t i;

	switch (v->t) {
	case KS_V_NULL:
		return h;
	case KS_V_BOOL:
		return h + v->b;
	case KS_V_NUM: {
		double d = v->d == 0 ? 0 : v->d;

		if (isnan(d))
			return h;
		return ks_fnv(h, &d, sizeof(d));
	}
	case KS_V_STR:
		return ks_fnv(h, v->str, v->len);
	case KS_V_MAP:
		for (i = 0; i < v->n->u.map.n; i++) {
			const struct ks_pair *p = &v->n->u.map.v[i];
			struct ks_val c;

			ks_val_read(&c, p->value, 0, json);
			h += ks_fnv(7, p->key, p->key_len) * 31 +
			     ks_val_hash(&c, json);
		}
		return h;
	case KS_V_SEQ:
		for (i = 0; i < v->n->u.seq.n; i++) {
			struct ks_val c;

			ks_val_read(&c, v->n->u.seq.v[i], 0, json);
			h = (h ^ ks_val_hash(&c, json)) * 1099511628211ull;
		}
		return h;
	}
	return h;
}


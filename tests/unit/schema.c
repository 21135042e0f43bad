/*
 * Unit tests for the schema engine: each keyword, schema-typed scalars,
 * the exact messages and locations people see, formats, broken schemas,
 * introspection, the canonical writer's layout, the x- callbacks, $ref to
 * files, and allocation failures.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct ks_schema *compile_text(const char *yaml, unsigned flags,
				      struct ks_diags *d, int *rc)
{
	struct ks_doc *doc = NULL;
	struct ks_schema *s = NULL;

	*rc = ks_doc_parse(&doc, "schema.yaml", yaml, strlen(yaml), 0, d);
	if (*rc)
		return NULL;
	*rc = ks_schema_compile(&s, doc, NULL, flags, d);
	return s;
}

static struct ks_schema *must_compile(const char *yaml)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s;
	int rc;

	s = compile_text(yaml, 0, &d, &rc);
	if (rc) {
		size_t i;

		for (i = 0; i < d.n; i++)
			print_error("%d:%d: %s\n", d.v[i].line, d.v[i].col,
				    d.v[i].message);
	}
	assert_int_equal(rc, 0);
	ks_diags_release(&d);
	return s;
}

/* Validates YAML text; returns the status, diagnostics in d. */
static int check(const struct ks_schema *s, const char *yaml,
		 const struct ks_validate_opts *o, struct ks_diags *d)
{
	struct ks_doc *doc = NULL;
	int rc;

	rc = ks_doc_parse(&doc, "rec.yaml", yaml, strlen(yaml),
			  KS_PARSE_ALLOW_EMPTY, d);
	assert_int_equal(rc, 0);
	rc = ks_schema_validate(s, ks_doc_root(doc), "rec.yaml", o, d);
	ks_doc_free(doc);
	return rc;
}

/* ---- keywords, table-driven ---- */

struct kcase {
	const char *schema;
	const char *instance;
	int valid;
};

static const struct kcase keyword_cases[] = {
	/* type */
	{ "type: string", "abc", 1 },
	{ "type: string", "\"12\"", 1 },
	{ "type: integer", "12", 1 },
	{ "type: integer", "1.0", 1 },
	{ "type: integer", "1.5", 0 },
	{ "type: integer", "\"12\"", 0 },
	{ "type: number", "1e3", 1 },
	{ "type: [string, \"null\"]", "~", 1 },
	{ "type: boolean", "true", 1 },
	{ "type: boolean", "yes", 0 },
	{ "type: object", "{a: 1}", 1 },
	{ "type: array", "[1]", 1 },
	{ "type: array", "{}", 0 },
	/* enum and const: numbers compare numerically */
	{ "enum: [1, 2]", "1.0", 1 },
	{ "enum: [a, b]", "c", 0 },
	{ "enum: [[1, 2], {a: 1}]", "{a: 1.0}", 1 },
	{ "const: 1000", "1e3", 1 },
	{ "const: x", "y", 0 },
	{ "const: null", "~", 1 },
	/* numbers */
	{ "minimum: 0", "0", 1 },
	{ "minimum: 0", "-1", 0 },
	{ "maximum: 10", "10.5", 0 },
	{ "exclusiveMinimum: 0", "0", 0 },
	{ "exclusiveMaximum: 5", "4.99", 1 },
	{ "multipleOf: 0.1", "0.3", 1 },
	{ "multipleOf: 2", "7", 0 },
	{ "minimum: 9007199254740993", "9007199254740992", 0 },
	/* strings */
	{ "minLength: 2", "ắă", 1 },
	{ "maxLength: 2", "ắăâ", 0 },
	{ "pattern: \"^[0-9]+$\"", "\"123\"", 1 },
	{ "pattern: \"^\\\\p{Lu}\"", "Đông", 1 },
	{ "pattern: \"^\\\\p{Letter}+$\"", "Đông", 1 },
	{ "pattern: b", "abc", 1 },
	{ "pattern: \"^b\"", "abc", 0 },
	/* arrays */
	{ "items: {type: integer}", "[1, 2]", 1 },
	{ "items: {type: integer}", "[1, x]", 0 },
	{ "prefixItems: [{type: string}]\nitems: false", "[a]", 1 },
	{ "prefixItems: [{type: string}]\nitems: false", "[a, b]", 0 },
	{ "contains: {const: 2}", "[1, 2]", 1 },
	{ "contains: {const: 2}", "[1, 3]", 0 },
	{ "contains: {const: 2}\nminContains: 2", "[2, 2]", 1 },
	{ "contains: {const: 2}\nmaxContains: 1", "[2, 2]", 0 },
	{ "minItems: 1", "[]", 0 },
	{ "maxItems: 1", "[1, 2]", 0 },
	{ "uniqueItems: true", "[1, 1.0]", 0 },
	{ "uniqueItems: true", "[1, \"1\"]", 1 },
	{ "uniqueItems: true", "[{a: 1}, {a: 2}]", 1 },
	{ "uniqueItems: true", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
	  "15, 16, 17, 18, 19, 20]", 1 },
	{ "uniqueItems: true", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
	  "15, 16, 17, 18, 19, 20, {a: [1]}, {a: [1.0]}]", 0 },
	/* objects */
	{ "required: [a]", "{a: 1}", 1 },
	{ "required: [a]", "{b: 1}", 0 },
	{ "properties: {a: {type: string}}", "{a: 1}", 1 },
	{ "properties: {a: {type: integer}}", "{a: x}", 0 },
	{ "patternProperties: {\"^x-\": {type: integer}}", "{x-a: b}", 0 },
	/* A name the pattern cannot be matched against in bounded work is not
	 * taken as one it does not match: its subschema would be skipped. */
	{ "patternProperties: {\"^(a|aa)+$\": {type: integer}}",
	  "{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab: x}", 0 },
	{ "patternProperties: {\"^(a|aa)+$\": {type: integer}}", "{aaaa: 1}", 1 },
	{ "additionalProperties: false\nproperties: {a: true}", "{a: 1}", 1 },
	{ "additionalProperties: false\nproperties: {a: true}", "{b: 1}", 0 },
	{ "additionalProperties: {type: integer}", "{b: 1}", 1 },
	{ "propertyNames: {pattern: \"^[a-z]+$\"}", "{Ab: 1}", 0 },
	{ "minProperties: 1", "{}", 0 },
	{ "maxProperties: 1", "{a: 1, b: 2}", 0 },
	{ "dependentRequired: {a: [b]}", "{a: 1}", 0 },
	{ "dependentRequired: {a: [b]}", "{c: 1}", 1 },
	{ "dependentSchemas: {a: {required: [b]}}", "{a: 1}", 0 },
	/* composition */
	{ "allOf: [{minimum: 1}, {maximum: 2}]", "3", 0 },
	{ "anyOf: [{type: string}, {type: integer}]", "1", 1 },
	{ "anyOf: [{type: string}, {type: integer}]", "[true]", 0 },
	{ "anyOf: [{type: string}, {type: integer}]", "true", 1 },
	{ "oneOf: [{minimum: 1}, {minimum: 2}]", "3", 0 },
	{ "oneOf: [{minimum: 1}, {maximum: 0}]", "3", 1 },
	{ "not: {type: string}", "1", 1 },
	{ "not: {type: string}", "a", 0 },
	{ "if: {minimum: 10}\nthen: {multipleOf: 10}\nelse: {maximum: 5}",
	  "20", 1 },
	{ "if: {minimum: 10}\nthen: {multipleOf: 10}\nelse: {maximum: 5}",
	  "21", 0 },
	{ "if: {minimum: 10}\nthen: {multipleOf: 10}\nelse: {maximum: 5}",
	  "7", 0 },
	{ "unevaluatedProperties: false\nallOf: [{properties: {a: true}}]",
	  "{a: 1}", 1 },
	{ "unevaluatedProperties: false\nallOf: [{properties: {a: true}}]",
	  "{a: 1, b: 2}", 0 },
	{ "unevaluatedItems: false\nprefixItems: [true]", "[1, 2]", 0 },
	/* references */
	{ "$defs: {n: {type: integer}}\n$ref: \"#/$defs/n\"", "1", 1 },
	{ "$defs: {n: {type: integer}}\n$ref: \"#/$defs/n\"", "x", 0 },
	{ "$defs: {n: {$anchor: num, type: integer}}\n$ref: \"#num\"", "x",
	  0 },
	{ "$id: http://example.com/root\n"
	  "$defs: {a: {$id: a.json, type: integer}}\n"
	  "$ref: a.json", "x", 0 },
	{ "$ref: \"#/$defs/list\"\n"
	  "$defs: {list: {type: array, items: {$ref: \"#/$defs/list\"}}}",
	  "[[], [[]]]", 1 },
	{ "$dynamicAnchor: t\ntype: [object, integer]\n"
	  "properties: {a: {$dynamicRef: \"#t\"}}", "{a: {a: x}}", 0 },
	/* boolean schemas */
	{ "true", "anything", 1 },
	{ "false", "anything", 0 },
	{ "properties: {a: false}", "{a: 1}", 0 },
};

static void test_keywords(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keyword_cases) / sizeof(keyword_cases[0]);
	     i++) {
		const struct kcase *k = &keyword_cases[i];
		struct ks_diags d = KS_DIAGS_INIT;
		struct ks_schema *s = must_compile(k->schema);
		int rc = check(s, k->instance, NULL, &d);

		if ((rc == 0) != k->valid)
			print_error("case %zu: %s / %s: got %d\n", i,
				    k->schema, k->instance, rc);
		assert_int_equal(rc, k->valid ? 0 : KS_EINVALID);
		if (!k->valid)
			assert_true(d.n > 0);
		ks_diags_release(&d);
		ks_schema_free(s);
	}
}

/* ---- scalars are typed by the schema ---- */

static const char *typed_schema =
	"type: object\n"
	"properties:\n"
	"  phone: {type: string, format: vn-phone}\n"
	"  answer: {type: string, enum: [yes, no, \"true\"]}\n"
	"  surveyed_at: {$ref: \"#/$defs/date\"}\n"
	"  count: {type: integer}\n"
	"  amount: {type: number, const: 1000}\n"
	"  code: {type: string, pattern: \"^[0-9]{5}$\"}\n"
	"  anything: {enum: [\"5\"]}\n"
	"  later: true\n"
	"if: {required: [later]}\n"
	"then: {properties: {later: {type: string}}}\n"
	"allOf:\n"
	"  - properties: {code: {maxLength: 5}}\n"
	"$defs:\n"
	"  date: {type: string, format: date}\n";

static void test_typed_scalars(void **state)
{
	static const struct {
		const char *rec;
		int valid;
	} cases[] = {
		{ "phone: 0912345678", 1 },
		{ "answer: no", 1 },
		{ "answer: true", 1 },
		{ "surveyed_at: 2024-03-15", 1 },
		{ "surveyed_at: 2024-02-30", 0 },
		{ "count: 12", 1 },
		{ "count: \"12\"", 0 },
		{ "amount: 1e3", 1 },
		{ "amount: 1000.0", 1 },
		{ "code: 01234", 1 },
		{ "code: 012345", 0 },
		{ "anything: 5", 0 },
		{ "anything: \"5\"", 1 },
		{ "later: 5", 1 },
	};
	struct ks_schema *s = must_compile(typed_schema);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ks_diags d = KS_DIAGS_INIT;
		int rc = check(s, cases[i].rec, NULL, &d);

		if ((rc == 0) != cases[i].valid)
			print_error("typed case %zu: %s: %d %s\n", i,
				    cases[i].rec, rc,
				    d.n ? d.v[0].message : "");
		assert_int_equal(rc, cases[i].valid ? 0 : KS_EINVALID);
		ks_diags_release(&d);
	}
	ks_schema_free(s);
}

/* JSON instances keep their JSON types. */
static void test_json_instances(void **state)
{
	struct ks_schema *s = must_compile("type: string");
	struct ks_validate_opts o = { 0 };
	struct ks_diags d = KS_DIAGS_INIT;

	(void)state;
	assert_int_equal(check(s, "12", NULL, &d), 0);
	o.flags = KS_VALIDATE_JSON;
	assert_int_equal(check(s, "12", &o, &d), KS_EINVALID);
	assert_int_equal(check(s, "\"12\"", &o, &d), 0);
	ks_diags_release(&d);
	ks_schema_free(s);
}

/* ---- messages and locations ---- */

static const char *survey_schema =
	"$schema: https://json-schema.org/draft/2020-12/schema\n"	/* 1 */
	"title: Cơ sở\n"						/* 2 */
	"type: object\n"						/* 3 */
	"additionalProperties: false\n"				/* 4 */
	"required: [id, name, legal_type]\n"				/* 5 */
	"properties:\n"							/* 6 */
	"  id: {type: string, pattern: \"^[0-9]+$\"}\n"		/* 7 */
	"  name: {type: string, title: Tên cơ sở, maxLength: 200}\n"
	"  legal_type:\n"
	"    type: string\n"
	"    title: Loại hình\n"
	"    enum: [doanh_nghiep_tnhh, hop_tac_xa, ho_kinh_doanh]\n"
	"  tax_code: {type: string, title: Mã số thuế, format: vn-tax-code}\n"
	"  workers:\n"
	"    type: object\n"
	"    properties:\n"
	"      regular: {$ref: \"#/$defs/count\", title: Lao động thường "
	"xuyên}\n"
	"  birth_year: {type: integer}\n"
	"  products:\n"
	"    type: array\n"
	"    minItems: 1\n"
	"    items: {type: string}\n"
	"  phone: {type: string, format: vn-phone}\n"
	"$defs:\n"
	"  count: {type: integer, minimum: 0}\n";

struct mcase {
	const char *rec;
	int line, col;
	const char *pointer;
	const char *keyword;
	const char *message;
};

static const struct mcase message_cases[] = {
	{ "id: \"1\"\nname: A\nlegal_type: abc\n", 3, 13, "/legal_type",
	  "enum", "Loại hình: \"abc\" is not one of the choices: "
	  "doanh_nghiep_tnhh, hop_tac_xa, ho_kinh_doanh" },
	{ "id: \"1\"\nlegal_type: hop_tac_xa\n", 1, 1, "", "required",
	  "Tên cơ sở: required, but not filled in" },
	{ "id: \"1\"\nname: A\nlegal_type: hop_tac_xa\nnmae: B\n", 4, 1,
	  "/nmae", "additionalProperties",
	  "Cơ sở: the form has no field \"nmae\" here; did you mean "
	  "\"name\"?" },
	{ "id: \"1\"\nname: A\nlegal_type: hop_tac_xa\nzzzzzz: B\n", 4, 1,
	  "/zzzzzz", "additionalProperties",
	  "Cơ sở: the form has no field \"zzzzzz\" here" },
	{ "id: \"1\"\nname: A\nlegal_type: hop_tac_xa\nworkers:\n"
	  "  regular: -3\n", 5, 12, "/workers/regular", "minimum",
	  "workers \u203a Lao động thường xuyên: -3 is less than the smallest "
	  "allowed, 0" },
	{ "id: \"1\"\nname: A\nlegal_type: hop_tac_xa\nbirth_year: 12a\n",
	  4, 13, "/birth_year", "type",
	  "birth_year: expected a whole number, got \"12a\"" },
	{ "id: \"1\"\nname: A\nlegal_type: hop_tac_xa\n"
	  "tax_code: 0100233480\n", 4, 11, "/tax_code", "format",
	  "Mã số thuế: \"0100233480\" is not a valid tax code: tax code "
	  "check digit should be 8" },
	{ "id: x\nname: A\nlegal_type: hop_tac_xa\n", 1, 5, "/id",
	  "pattern", "id: \"x\" is not written the way this field must be "
	  "written" },
	{ "id: \"1\"\nlegal_type: hop_tac_xa\nname: \"0123456789012345678901"
	  "23456789012345678901234567890123456789012345678901234567890123456"
	  "78901234567890123456789012345678901234567890123456789012345678901"
	  "234567890123456789012345678901234567890123456789012345678901234"
	  "\"\n", 3, 7, "/name", "maxLength",
	  "Tên cơ sở: must have at most 200 characters" },
	{ "id: \"1\"\nname: A\nlegal_type: hop_tac_xa\nproducts: []\n", 4,
	  11, "/products", "minItems", "products: at least 1 item is needed" },
	{ "id: \"1\"\nname: A\nlegal_type: hop_tac_xa\n"
	  "phone: 0212345678\n", 4, 8, "/phone", "format",
	  "phone: \"0212345678\" is not a valid phone number: mobile numbers "
	  "start with 03, 05, 07, 08 or 09" },
};

static void test_messages(void **state)
{
	struct ks_schema *s = must_compile(survey_schema);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(message_cases) / sizeof(message_cases[0]);
	     i++) {
		const struct mcase *m = &message_cases[i];
		struct ks_diags d = KS_DIAGS_INIT;
		int rc = check(s, m->rec, NULL, &d);

		assert_int_equal(rc, KS_EINVALID);
		if (d.n != 1)
			print_error("case %zu: %zu diagnostics, first: %s\n",
				    i, d.n, d.n ? d.v[0].message : "");
		assert_int_equal(d.n, 1);
		assert_string_equal(d.v[0].message, m->message);
		assert_string_equal(d.v[0].pointer, m->pointer);
		assert_string_equal(d.v[0].keyword, m->keyword);
		assert_string_equal(d.v[0].path, "rec.yaml");
		assert_int_equal(d.v[0].line, m->line);
		assert_int_equal(d.v[0].col, m->col);
		assert_int_equal(d.v[0].severity, KS_SEV_ERROR);
		ks_diags_release(&d);
	}
	ks_schema_free(s);
}

/* Every error is reported, in file order. */
static void test_all_errors(void **state)
{
	struct ks_schema *s = must_compile(survey_schema);
	struct ks_diags d = KS_DIAGS_INIT;

	(void)state;
	assert_int_equal(check(s, "id: x\nlegal_type: abc\nbirth_year: y\n"
			       "extra: 1\n", NULL, &d), KS_EINVALID);
	assert_int_equal(d.n, 5);
	assert_int_equal(d.v[0].line, 1);	/* missing name, at the map */
	assert_string_equal(d.v[0].keyword, "required");
	assert_string_equal(d.v[1].keyword, "pattern");
	assert_string_equal(d.v[2].keyword, "enum");
	assert_string_equal(d.v[3].keyword, "type");
	assert_string_equal(d.v[4].keyword, "additionalProperties");
	ks_diags_release(&d);
	ks_schema_free(s);
}

static void test_composition_messages(void **state)
{
	struct ks_schema *s = must_compile(
		"oneOf:\n"
		"  - properties: {kind: {const: a}, x: {type: integer}}\n"
		"    required: [kind]\n"
		"  - properties: {kind: {const: b}, y: {type: string}}\n"
		"    required: [kind, y]\n");
	struct ks_schema *t = must_compile(
		"anyOf: [{type: integer}, {type: boolean}]");
	struct ks_schema *u = must_compile(
		"properties:\n"
		"  market: {type: string}\n"
		"  export: {type: array}\n"
		"if: {properties: {market: {const: home}}, required: [market]}\n"
		"then: {not: {required: [export]}}\n");
	struct ks_diags d = KS_DIAGS_INIT;

	(void)state;
	/* the branch whose const matched is the one reported */
	assert_int_equal(check(s, "kind: b\n", NULL, &d), KS_EINVALID);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].message, "y: required, but not filled in");
	ks_diags_release(&d);
	assert_int_equal(check(s, "kind: a\nx: z\n", NULL, &d), KS_EINVALID);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].pointer, "/x");
	ks_diags_release(&d);
	assert_int_equal(check(t, "abc", NULL, &d), KS_EINVALID);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].message,
			    "expected a whole number or yes/no (true or false), "
			    "got \"abc\"");
	ks_diags_release(&d);
	assert_int_equal(check(u, "market: home\nexport: [x]\n", NULL, &d),
			 KS_EINVALID);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].message,
			    "export: does not apply to the answers given, and "
			    "must be left out");
	assert_int_equal(d.v[0].line, 2);
	ks_diags_release(&d);
	ks_schema_free(s);
	ks_schema_free(t);
	ks_schema_free(u);
}

static void test_property_names(void **state)
{
	struct ks_schema *s = must_compile(
		"propertyNames: {pattern: \"^[a-z_]+$\"}");
	struct ks_diags d = KS_DIAGS_INIT;

	(void)state;
	assert_int_equal(check(s, "ok: 1\nBad: 2\n", NULL, &d), KS_EINVALID);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].message, "field name: \"Bad\" is not written "
			    "the way a field name here must be written");
	assert_string_equal(d.v[0].pointer, "/Bad");
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 1);
	ks_diags_release(&d);
	ks_schema_free(s);
}

static void test_pointer_escaping(void **state)
{
	struct ks_schema *s = must_compile(
		"additionalProperties: {type: integer}");
	struct ks_diags d = KS_DIAGS_INIT;

	(void)state;
	assert_int_equal(check(s, "\"a/b~c\": x\n", NULL, &d), KS_EINVALID);
	assert_string_equal(d.v[0].pointer, "/a~1b~0c");
	ks_diags_release(&d);
	ks_schema_free(s);
}

/* ---- formats ---- */

struct fcase {
	const char *format, *value;
	int result;
	const char *why;
};

static const struct fcase format_cases[] = {
	{ "vn-tax-code", "0100233488", 1, NULL },
	{ "vn-tax-code", "0314409058-002", 1, NULL },
	{ "vn-tax-code", "0100112437", 1, NULL },
	{ "vn-tax-code", "0312687878-001", 1, NULL },
	{ "vn-tax-code", "0100109106", 1, NULL },
	{ "vn-tax-code", "001088012345", 1, NULL },
	{ "vn-tax-code", "0100233480", 0, "tax code check digit should be 8" },
	{ "vn-tax-code", "0100109107", 0, "tax code check digit should be 6" },
	{ "vn-tax-code", "0314409058-000", 0,
	  "tax code branch number must be 001 to 999" },
	{ "vn-tax-code", "01002334", 0, "tax code must have 10 digits, "
	  "10 digits-3 digits, or 12 digits" },
	{ "vn-tax-code", "0100 233 488", 0, "tax code must have 10 digits, "
	  "10 digits-3 digits, or 12 digits" },
	{ "vn-tax-code", "0100000006", 0,
	  "tax code digits 3 to 9 cannot all be zero" },
	{ "vn-phone", "0912345678", 1, NULL },
	{ "vn-phone", "0931.564.555", 1, NULL },
	{ "vn-phone", "0912 345 678", 1, NULL },
	{ "vn-phone", "0912-345-678", 1, NULL },
	{ "vn-phone", "+84912345678", 1, NULL },
	{ "vn-phone", "+84 912 345 678", 1, NULL },
	{ "vn-phone", "02253123456", 1, NULL },
	{ "vn-phone", "+842253123456", 1, NULL },
	{ "vn-phone", "0112345678", 0,
	  "mobile numbers start with 03, 05, 07, 08 or 09" },
	{ "vn-phone", "091234567", 0, "phone number must have 10 digits "
	  "(mobile) or 11 digits starting with 02 (landline)" },
	{ "vn-phone", "03123456789", 0,
	  "11-digit numbers are landlines and start with 02" },
	{ "vn-phone", "+840912345678", 0,
	  "after +84 the number is written without its leading 0" },
	{ "vn-phone", "0912a45678", 0, "phone number may contain only "
	  "digits, spaces, dots and dashes" },
	{ "vn-phone", "0912  345678", 0, "spaces, dots and dashes may only "
	  "separate groups of digits" },
	{ "date", "2024-02-29", 1, NULL },
	{ "date", "2023-02-29", 0, "2023-02 has no day 29" },
	{ "date", "2024-13-01", 0, "there is no month 13" },
	{ "date", "15/03/2024", 0, "expected YYYY-MM-DD" },
	{ "date-time", "2024-03-15T08:30:00+07:00", 1, NULL },
	{ "date-time", "2024-03-15 08:30:00", 0, NULL },
	{ "time", "08:30:00Z", 1, NULL },
	{ "time", "08:30:00", 0, "a time zone (Z or +HH:MM) is required" },
	{ "email", "an.nguyen@example.vn", 1, NULL },
	{ "email", "an..nguyen@example.vn", 0, NULL },
	{ "uri", "https://example.vn/a?b#c", 1, NULL },
	{ "uri", "example.vn", 0, NULL },
	{ "uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d16380", 1, NULL },
	{ "uuid", "2eb8aa08aa9811eab4aa73b441d16380", 0, NULL },
	{ "ipv4", "192.168.1.1", 1, NULL },
	{ "ipv4", "192.168.01.1", 0, NULL },
	{ "hostname", "khuyencong.haiphong.gov.vn", 1, NULL },
	{ "hostname", "-bad.vn", 0, NULL },
	/* labels in punycode, judged by libidn2 once decoded */
	{ "hostname", "xn--hni-9ka0849a.vn", 1, NULL },		/* hànội */
	{ "hostname", "xn--khuyncng-93a1837e.haiphong.gov.vn", 1,
	  NULL },						/* khuyếncông */
	{ "hostname", "XN--vitnam-jk8b.vn", 1, NULL },		/* việtnam */
	{ "hostname", "xn--VITNAM-JK8B.vn", 0, "\"xn--VITNAM-JK8B\" has a "
	  "capital letter, which an internationalised name cannot have" },
	/* làngnghềđúcđồngmỹđồngxãhồngtháihuyệnanlãot: 63 bytes, then 64 */
	{ "hostname", "xn--lngnghcngmngxhngthihuynanlot-ujc1c4co05enycd6032"
	  "zfharqef20n.vn", 1, NULL },
	{ "hostname", "xn--lngnghcngmngxhngthihuynanloth-lmc2c6co37eezcd609"
	  "9zlha3qef04n.vn", 0, "each part of a host name has 1 to 63 "
	  "characters" },
	{ "hostname", "xn--hni-gfa8wi85n.vn", 0, "\"xn--hni-gfa8wi85n\" has "
	  "a character that host names do not allow" },	/* hà U+00AD nội */
	{ "hostname", "xn--vitnam-jk8b632d.vn", 0, "\"xn--vitnam-jk8b632d\" "
	  "has a character that host names do not allow" },	/* việt☺nam */
	{ "hostname", "xn--abc.vn", 0, "\"xn--abc\" has a character that "
	  "host names do not allow" },			/* U+0082 U+0081 U+0080 */
	{ "hostname", "xn--al-0ea.vn", 0, "\"xn--al-0ea\" has a character "
	  "that is not allowed where it stands" },	/* a·l: not l·l */
	{ "hostname", "xn--hello-zed.vn", 0, "\"xn--hello-zed\" starts "
	  "with a combining mark" },
	{ "hostname", "xn--11b2er09f.in", 0, "\"xn--11b2er09f\" has a "
	  "zero-width joiner or non-joiner where none may stand" },
	{ "hostname", "xn--a-0hc.il", 0, "\"xn--a-0hc\" breaks the rules "
	  "for right-to-left text" },			/* a, then alef */
	{ "hostname", "xn--abc--9ua.vn", 0, "\"xn--abc--9ua\" starts or "
	  "ends with \"-\" once decoded" },		/* ēabc- */
	{ "hostname", "xn--aa---o47jg78q.vn", 0, "\"xn--aa---o47jg78q\" "
	  "has \"--\" in the third and fourth places once decoded" },
	{ "hostname", "xn--x.vn", 0, "\"xn--x\" is not valid punycode" },
	{ "hostname", "ab--c.vn", 0, "\"--\" is only allowed after \"xn\"" },
	{ "email", "an@xn--hni-9ka0849a.vn", 1, NULL },
	{ "email", "an@xn--hni-gfa8wi85n.vn", 0, "\"xn--hni-gfa8wi85n\" has "
	  "a character that host names do not allow" },
	{ "no-such-format", "x", -1, NULL },
};

static void test_formats(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		const struct fcase *f = &format_cases[i];
		char why[128];
		int r = ks_format_check(f->format, f->value, strlen(f->value),
					why, sizeof(why));

		if (r != f->result)
			print_error("%s %s: %d (%s)\n", f->format, f->value,
				    r, why);
		assert_int_equal(r, f->result);
		if (f->why)
			assert_string_equal(why, f->why);
	}
	assert_true(ks_format_known("vn-phone"));
	assert_false(ks_format_known("duration"));
	/* a NULL reason buffer is fine */
	assert_int_equal(ks_format_check("date", "x", 1, NULL, 0), 0);
}

/* Unknown formats are annotations; FORMAT_ANNOTATION turns all off. */
static void test_format_modes(void **state)
{
	struct ks_schema *s = must_compile("format: duration");
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *t;
	int rc;

	(void)state;
	assert_int_equal(check(s, "not-a-duration", NULL, &d), 0);
	ks_schema_free(s);
	t = compile_text("format: date", KS_SCHEMA_FORMAT_ANNOTATION, &d,
			 &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(check(t, "not-a-date", NULL, &d), 0);
	ks_schema_free(t);
	ks_diags_release(&d);
}

/* ---- broken schemas ---- */

struct bcase {
	const char *schema;
	int line, col;
	const char *message;
};

static const struct bcase broken_cases[] = {
	{ "type: object\nproperties:\n  a: {pattern: \"([a-z\"}\n", 3, 16,
	  "invalid regular expression \"([a-z\": missing terminating ] for "
	  "character class at offset 5" },
	{ "minimum: \"x\"\n", 1, 10, "minimum must be a number" },
	{ "minLength: -1\n", 1, 12, "minLength must be a non-negative "
	  "integer" },
	{ "type: strin\n", 1, 7, "unknown type \"strin\"" },
	{ "$ref: \"#/$defs/nope\"\n", 1, 7,
	  "cannot resolve \"#/$defs/nope\": nothing at /$defs/nope" },
	{ "$ref: \"#nope\"\n", 1, 7,
	  "cannot resolve \"#nope\": no anchor \"nope\"" },
	{ "$defs:\n  a: {$ref: \"#/$defs/a\"}\n", 2, 13,
	  "$ref \"#/$defs/a\" loops back to itself without descending into "
	  "the value" },
	{ "$ref: \"#\"\n", 1, 7, "$ref \"#\" loops back to itself without "
	  "descending into the value" },
	{ "properties: [a]\n", 1, 13,
	  "properties must be a mapping of schemas" },
	{ "items: 3\n", 1, 8, "a schema must be a mapping or true/false" },
	{ "enum: [a]\nx-enum-titles: {b: B}\n", 2, 17,
	  "x-enum-titles names \"b\", which is not in the enum" },
	{ "$ref: other.yaml\n", 1, 7, "cannot resolve \"other.yaml\": no "
	  "schema at khaosat:/other.yaml" },
	{ "uniqueItems: maybe\n", 1, 14, "uniqueItems must be true or false" },
	{ "allOf: []\n", 1, 8, "allOf must be a non-empty list of schemas" },
};

static void test_broken_schemas(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(broken_cases) / sizeof(broken_cases[0]); i++) {
		const struct bcase *b = &broken_cases[i];
		struct ks_diags d = KS_DIAGS_INIT;
		struct ks_schema *s;
		int rc;

		s = compile_text(b->schema, 0, &d, &rc);
		assert_null(s);
		assert_int_equal(rc, KS_EINVALID);
		assert_true(d.n >= 1);
		if (strcmp(d.v[0].message, b->message) ||
		    d.v[0].line != b->line || d.v[0].col != b->col)
			print_error("case %zu: %d:%d: %s\n", i, d.v[0].line,
				    d.v[0].col, d.v[0].message);
		assert_string_equal(d.v[0].message, b->message);
		assert_string_equal(d.v[0].path, "schema.yaml");
		assert_int_equal(d.v[0].line, b->line);
		assert_int_equal(d.v[0].col, b->col);
		ks_diags_release(&d);
	}
}

static void test_unknown_keywords(void **state)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s;
	int rc;

	(void)state;
	s = compile_text("type: integer\nminimun: 3\nx-foo: 1\n"
			 "format: vn-phon\n", 0, &d, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.v[2].message, "unknown format \"vn-phon\"; "
			    "did you mean \"vn-phone\"?");
	assert_int_equal(d.v[2].severity, KS_SEV_WARNING);
	assert_int_equal(d.v[0].severity, KS_SEV_WARNING);
	assert_string_equal(d.v[0].message, "unknown keyword \"minimun\"; "
			    "did you mean \"minimum\"?");
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 1);
	ks_diags_release(&d);
	ks_schema_free(s);
	s = compile_text("type: integer\nminimun: 3\n", KS_SCHEMA_STRICT, &d,
			 &rc);
	assert_null(s);
	assert_int_equal(rc, KS_EINVALID);
	assert_int_equal(d.v[0].severity, KS_SEV_ERROR);
	ks_diags_release(&d);
}

/* ---- depth limits ---- */

static void test_depth(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s;
	int rc, i;

	(void)state;
	/* a schema nested deeper than the limit is reported */
	{
		struct ks_doc *doc = ks_doc_new("deep.yaml");
		struct ks_node *top = ks_node_map(doc), *cur = top;

		for (i = 0; i < KS_SCHEMA_MAX_DEPTH + 5; i++) {
			struct ks_node *next = ks_node_map(doc);

			assert_int_equal(ks_map_set(doc, cur, "items", next), 0);
			cur = next;
		}
		ks_doc_set_root(doc, top);
		rc = ks_schema_compile(&s, doc, NULL, 0, &d);
		assert_int_equal(rc, KS_EINVALID);
		assert_string_equal(d.v[0].message, "schema nesting too deep");
		ks_diags_release(&d);
	}
	(void)b;

	/* dynamic references that never descend stop at the limit */
	s = must_compile("$dynamicAnchor: a\n"
			 "$defs: {b: {$dynamicAnchor: a, $dynamicRef: \"#a\"}}\n"
			 "$dynamicRef: \"#a\"\n");
	assert_int_equal(check(s, "1", NULL, &d), KS_EINVALID);
	assert_string_equal(d.v[0].message,
			    "the value is nested too deep to check");
	ks_diags_release(&d);
	ks_schema_free(s);

	/* a value cut short is invalid even under `not` */
	s = must_compile("$dynamicAnchor: a\nnot: {$dynamicRef: \"#a\"}\n");
	assert_int_equal(check(s, "1", NULL, &d), KS_EINVALID);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].message,
			    "the value is nested too deep to check");
	ks_diags_release(&d);
	ks_schema_free(s);
}

/* Exponentially nested alternatives stop at a budget, located. */
static void test_budget(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s;
	int i;

	(void)state;
	ks_buf_puts(&b, "$ref: \"#/$defs/a0\"\n$defs:\n");
	for (i = 0; i < 40; i++)
		ks_buf_addf(&b, "  a%d: {anyOf: [{$ref: \"#/$defs/a%d\"}, "
			    "{$ref: \"#/$defs/a%d\"}]}\n", i, i + 1, i + 1);
	ks_buf_addf(&b, "  a%d: {type: string}\n", i);
	s = must_compile(b.ptr);
	assert_int_equal(check(s, "[1]", NULL, &d), KS_EINVALID);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].message,
			    "the form's rules are too complex to check this value");
	ks_diags_release(&d);
	ks_buf_release(&b);
	ks_schema_free(s);
}

/* ---- introspection and layout ---- */

static const char *intro_schema =
	"$id: workshop\n"
	"title: Cơ sở\n"
	"x-merge: record\n"
	"type: object\n"
	"required: [name]\n"
	"allOf: [{$ref: \"#/$defs/base\"}]\n"
	"properties:\n"
	"  name: {type: string, title: Tên}\n"
	"  legal_type:\n"
	"    $ref: \"#/$defs/legal\"\n"
	"    title: Loại hình\n"
	"  brand: {type: string, x-ref: brand}\n"
	"  products:\n"
	"    type: array\n"
	"    x-key: name\n"
	"    items:\n"
	"      type: object\n"
	"      properties: {name: {type: string}, tonnes: {type: number}}\n"
	"  year: {type: [integer, \"null\"]}\n"
	"if: {required: [legal_type]}\n"
	"then: {properties: {tax_code: {type: string, x-unique: true}}}\n"
	"$defs:\n"
	"  base:\n"
	"    required: [id]\n"
	"    properties:\n"
	"      id: {type: string, description: Mã phiếu}\n"
	"  legal:\n"
	"    type: string\n"
	"    enum: [tnhh, htx]\n"
	"    x-enum-titles: {tnhh: Công ty TNHH, htx: Hợp tác xã}\n";

static void test_introspection(void **state)
{
	struct ks_schema *s = must_compile(intro_schema);
	const struct ks_snode *r = ks_schema_root(s), *lt, *p, *it;

	(void)state;
	assert_string_equal(ks_schema_xmerge(s), "record");
	assert_string_equal(ks_snode_title(r), "Cơ sở");
	assert_int_equal(ks_snode_types(r), KS_TYPE_OBJECT);
	/* allOf comes first in the text, so its properties do too */
	assert_int_equal(ks_snode_property_count(r), 6);
	assert_string_equal(ks_snode_property_name(r, 0), "id");
	assert_string_equal(ks_snode_property_name(r, 1), "name");
	assert_string_equal(ks_snode_property_name(r, 5), "year");
	assert_null(ks_snode_property_name(r, 6));
	assert_true(ks_snode_is_required(r, "name"));
	assert_true(ks_snode_is_required(r, "id"));
	assert_false(ks_snode_is_required(r, "brand"));
	assert_string_equal(ks_snode_description(ks_snode_property(r, "id")),
			    "Mã phiếu");
	lt = ks_snode_property(r, "legal_type");
	assert_non_null(lt);
	assert_string_equal(ks_snode_title(lt), "Loại hình");
	assert_int_equal(ks_snode_types(lt), KS_TYPE_STRING);
	assert_int_equal(ks_snode_enum_count(lt), 2);
	assert_string_equal(ks_snode_enum_value(lt, 1)->u.scalar.str, "htx");
	assert_string_equal(ks_snode_enum_title(lt, 0), "Công ty TNHH");
	assert_null(ks_snode_enum_title(lt, 2));
	assert_string_equal(ks_snode_xref(ks_snode_property(r, "brand")),
			    "brand");
	p = ks_snode_property(r, "products");
	assert_string_equal(ks_snode_xkey(p), "name");
	it = ks_snode_items(p);
	assert_non_null(it);
	assert_int_equal(ks_snode_property_count(it), 2);
	assert_int_equal(ks_snode_types(ks_snode_property(it, "tonnes")),
			 KS_TYPE_NUMBER);
	assert_int_equal(ks_snode_types(ks_snode_property(r, "year")),
			 KS_TYPE_INTEGER | KS_TYPE_NULL);
	assert_null(ks_snode_property(r, "tax_code"));	/* only in then */
	assert_null(ks_snode_items(r));
	assert_null(ks_snode_format(r));
	assert_false(ks_snode_xunique(r));
	ks_schema_free(s);
}

static void test_layout(void **state)
{
	struct ks_schema *s = must_compile(intro_schema);
	const struct ks_layout *lay = ks_schema_layout();
	const void *root = ks_schema_layout_root(s), *prod, *item;

	(void)state;
	assert_non_null(root);
	assert_int_equal(lay->rank(root, "id"), 0);
	assert_int_equal(lay->rank(root, "name"), 1);
	assert_int_equal(lay->rank(root, "year"), 5);
	/* if/then count for the order too */
	assert_int_equal(lay->rank(root, "tax_code"), 6);
	assert_int_equal(lay->rank(root, "nope"), -1);
	assert_false(lay->is_string(root));
	assert_true(lay->is_string(lay->child(root, "name")));
	assert_true(lay->is_string(lay->child(root, "legal_type")));
	assert_true(lay->is_string(lay->child(root, "tax_code")));
	assert_false(lay->is_string(lay->child(root, "year")));
	assert_null(lay->child(root, "nope"));
	prod = lay->child(root, "products");
	item = lay->child(prod, NULL);
	assert_non_null(item);
	assert_int_equal(lay->rank(item, "tonnes"), 1);
	assert_false(lay->is_string(lay->child(item, "tonnes")));
	assert_null(lay->child(NULL, "x"));
	assert_int_equal(lay->rank(NULL, "x"), -1);
	assert_false(lay->is_string(NULL));
	ks_schema_free(s);
}

/* The canonical writer quotes what the schema types as a string. */
static void test_layout_writer(void **state)
{
	struct ks_schema *s = must_compile(
		"properties:\n"
		"  b: {type: string}\n"
		"  a: {type: integer}\n");
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf out = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	const char *in = "a: 1\nb: 0912345678\n";

	(void)state;
	assert_int_equal(ks_doc_parse(&doc, "x.yaml", in, strlen(in), 0, &d),
			 0);
	assert_int_equal(ks_doc_write(&out, ks_doc_root(doc),
				      ks_schema_layout(),
				      ks_schema_layout_root(s)), 0);
	assert_string_equal(out.ptr, "b: \"0912345678\"\na: 1\n");
	ks_buf_release(&out);
	ks_doc_free(doc);
	ks_schema_free(s);
}

/* ---- x-ref, x-unique, x-key ---- */

struct seen {
	int refs, uniques;
	char last[64];
};

static int ref_exists(void *ctx, const char *kind, const char *id)
{
	struct seen *sn = ctx;

	sn->refs++;
	return !strcmp(kind, "brand") && !strcmp(id, "br01-0001");
}

static void unique_value(void *ctx, const char *pointer,
			 const struct ks_node *value)
{
	struct seen *sn = ctx;

	sn->uniques++;
	snprintf(sn->last, sizeof(sn->last), "%s=%s", pointer,
		 value->u.scalar.str);
}

static void test_extensions(void **state)
{
	struct ks_schema *s = must_compile(
		"properties:\n"
		"  brand: {type: string, x-ref: brand, title: Nhãn hiệu}\n"
		"  tax_code: {type: string, x-unique: true}\n"
		"  machines:\n"
		"    type: array\n"
		"    x-key: name\n"
		"    items: {type: object}\n"
		"allOf:\n"
		"  - properties: {tax_code: {minLength: 1}}\n");
	struct seen sn;
	struct ks_validate_opts o = { ref_exists, unique_value, &sn, 0 };
	struct ks_diags d = KS_DIAGS_INIT;

	(void)state;
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(check(s, "brand: br01-0001\ntax_code: 0100233488\n",
			       &o, &d), 0);
	assert_int_equal(sn.refs, 1);
	assert_int_equal(sn.uniques, 1);
	assert_string_equal(sn.last, "/tax_code=0100233488");

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(check(s, "brand: br01-0002\ntax_code: 0100233488\n"
			       "machines:\n  - name: Lò 1\n  - name: Lò 2\n"
			       "  - name: Lò 1\n", &o, &d), KS_EINVALID);
	assert_int_equal(sn.uniques, 1);	/* once, on the full pass */
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].message,
			    "Nhãn hiệu: there is no brand record with the id "
			    "\"br01-0002\"");
	assert_string_equal(d.v[0].keyword, "x-ref");
	assert_string_equal(d.v[1].message,
			    "machines 3 \u203a name: \"Lò 1\" is already in item 1");
	assert_string_equal(d.v[1].pointer, "/machines/2/name");
	assert_int_equal(d.v[1].line, 6);
	assert_int_equal(d.v[1].col, 11);
	ks_diags_release(&d);

	/* without callbacks, x-ref and x-unique are not checked */
	assert_int_equal(check(s, "brand: nope\n", NULL, &d), 0);
	ks_diags_release(&d);
	ks_schema_free(s);
}

/* ---- subschema validation (interactive forms) ---- */

static void test_snode_validate(void **state)
{
	struct ks_schema *s = must_compile(survey_schema);
	const struct ks_snode *w = ks_snode_property(ks_schema_root(s),
						     "workers");
	const struct ks_snode *reg = ks_snode_property(w, "regular");
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;

	(void)state;
	assert_int_equal(ks_doc_parse(&doc, NULL, "-3", 2, 0, &d), 0);
	assert_int_equal(ks_snode_validate(reg, ks_doc_root(doc), "form",
					   NULL, &d), KS_EINVALID);
	assert_string_equal(d.v[0].message,
			    "Lao động thường xuyên: -3 is less than the "
			    "smallest allowed, 0");
	assert_string_equal(d.v[0].pointer, "");
	ks_diags_release(&d);
	ks_doc_free(doc);
	ks_schema_free(s);
}

/* ---- files ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_files(void **state)
{
	char dir[] = "/tmp/ks-schema-XXXXXX";
	struct ks_buf p = KS_BUF_INIT, q = KS_BUF_INIT, r = KS_BUF_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	struct ks_doc *doc = NULL;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ks_buf_addf(&p, "%s/main.yaml", dir);
	ks_buf_addf(&q, "%s/common.yaml", dir);
	ks_buf_addf(&r, "%s/bad.yaml", dir);
	write_file(p.ptr, "properties:\n"
			  "  year: {$ref: \"common.yaml#/$defs/year\"}\n");
	write_file(q.ptr, "$defs:\n  year: {type: integer, minimum: 1900}\n");
	write_file(r.ptr, "properties:\n  a: {$ref: missing.yaml}\n"
			  "  b: {$ref: \"common.yaml#/$defs/nope\"}\n");

	rc = ks_schema_load(&s, p.ptr, "schema/main.yaml", 0, &d);
	assert_int_equal(rc, 0);
	assert_int_equal(check(s, "year: 1800\n", NULL, &d), KS_EINVALID);
	assert_string_equal(d.v[0].message, "year: 1800 is less than the smallest allowed, 1900");
	ks_diags_release(&d);
	ks_schema_free(s);

	rc = ks_schema_load(&s, r.ptr, "schema/bad.yaml", 0, &d);
	assert_int_equal(rc, KS_EINVALID);
	assert_null(s);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].path, "schema/bad.yaml");
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 13);
	assert_non_null(strstr(d.v[0].message, "missing.yaml"));
	assert_int_equal(d.v[1].line, 3);
	assert_string_equal(d.v[1].message, "cannot resolve "
			    "\"common.yaml#/$defs/nope\": nothing at "
			    "/$defs/nope");
	ks_diags_release(&d);

	/* running out of memory while loading files unwinds cleanly */
	{
		long n;

		for (n = 0; n < 400; n++) {
			ks_alloc_fail_after(n);
			rc = ks_schema_load(&s, p.ptr, "main.yaml", 0, &d);
			ks_alloc_fail_after(-1);
			/* reading the file itself may fail too (KS_EIO) */
			if (rc != 0 && rc != -1 && rc != KS_EIO)
				print_error("n=%ld rc=%d %s\n", n, rc,
					    d.n ? d.v[0].message : "");
			assert_true(rc == 0 || rc == -1 || rc == KS_EIO);
			ks_schema_free(s);
			s = NULL;
			ks_diags_release(&d);
		}
	}

	/* a file outside the schema's folder is not read */
	write_file(p.ptr, "$ref: ../../etc/passwd\n");
	rc = ks_schema_load(&s, p.ptr, NULL, 0, &d);
	assert_int_equal(rc, KS_EINVALID);
	ks_diags_release(&d);
	write_file(p.ptr, "$ref: \"%2e%2e/%2e%2e/etc/passwd\"\n");
	rc = ks_schema_load(&s, p.ptr, NULL, 0, &d);
	assert_int_equal(rc, KS_EINVALID);
	ks_diags_release(&d);

	rc = ks_schema_load(&s, "/nonexistent/x.yaml", NULL, 0, &d);
	assert_int_equal(rc, KS_ENOTFOUND);
	ks_diags_release(&d);

	/* compile with a base directory */
	write_file(p.ptr, "$ref: common.yaml#/$defs/year\n");
	assert_int_equal(ks_doc_load(&doc, p.ptr, "main.yaml", 0, &d), 0);
	assert_int_equal(ks_schema_compile(&s, doc, dir, 0, &d), 0);
	ks_schema_free(s);

	unlink(p.ptr);
	unlink(q.ptr);
	unlink(r.ptr);
	rmdir(dir);
	ks_buf_release(&p);
	ks_buf_release(&q);
	ks_buf_release(&r);
	ks_diags_release(&d);
}

/* ---- documents from elsewhere, through the fetch hook ---- */

static int fetch_hook(void *ctx, const char *uri, struct ks_doc **out,
		      struct ks_diags *d)
{
	const char *text = "$defs: {code: {type: string, minLength: 2}}\n";

	(void)ctx;
	if (strcmp(uri, "https://example.vn/common"))
		return KS_ENOTFOUND;
	return ks_doc_parse(out, "common", text, strlen(text), 0, d);
}

static void test_fetch(void **state)
{
	const char *text = "$id: https://example.vn/main\n"
			   "$ref: \"common#/$defs/code\"\n";
	struct ks_schema_opts o = KS_SCHEMA_OPTS_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	struct ks_doc *doc = NULL;

	(void)state;
	o.fetch = fetch_hook;
	assert_int_equal(ks_doc_parse(&doc, "main", text, strlen(text), 0,
				      &d), 0);
	assert_int_equal(ks_schema_compile_opts(&s, doc, &o, &d), 0);
	assert_int_equal(check(s, "x", NULL, &d), KS_EINVALID);
	assert_string_equal(d.v[0].message,
			    "must have at least 2 characters");
	ks_diags_release(&d);
	ks_schema_free(s);
}

/* ---- running out of memory anywhere unwinds cleanly ---- */

static void test_alloc_failures(void **state)
{
	const char *rec = "id: x\nname: A\nlegal_type: abc\nnmae: 1\n"
			  "workers: {regular: -3}\nproducts: [a, b]\n";
	long n;
	int done = 0;

	(void)state;
	for (n = 0; !done && n < 100000; n++) {
		struct ks_diags d = KS_DIAGS_INIT;
		struct ks_doc *doc = NULL, *rd = NULL;
		struct ks_schema *s = NULL;
		int rc;

		rc = ks_doc_parse(&doc, "s.yaml", survey_schema,
				  strlen(survey_schema), 0, &d);
		assert_int_equal(rc, 0);
		rc = ks_doc_parse(&rd, "r.yaml", rec, strlen(rec), 0, &d);
		assert_int_equal(rc, 0);
		ks_alloc_fail_after(n);
		rc = ks_schema_compile(&s, doc, NULL, 0, &d);
		if (rc == 0) {
			rc = ks_schema_validate(s, ks_doc_root(rd), "r.yaml",
						NULL, &d);
			assert_true(rc == KS_EINVALID || rc == -1);
			if (rc == KS_EINVALID)
				done = 1;
		} else {
			if (rc != -1)
				print_error("n=%ld: %s\n", n, d.n ? d.v[0].message : "");
			assert_int_equal(rc, -1);
			assert_null(s);
		}
		ks_alloc_fail_after(-1);
		ks_schema_free(s);
		ks_doc_free(rd);
		ks_diags_release(&d);
	}
	assert_true(done);
}

/* x-compare: a rule between two properties, reported at the first. */
static void test_xcompare(void **state)
{
	struct ks_schema *s = must_compile(
		"type: object\n"
		"properties:\n"
		"  regular: {type: integer, title: Lao động thường xuyên}\n"
		"  insured: {type: integer, title: Lao động có BHXH}\n"
		"  applied: {type: string, format: date, title: Ngày nộp đơn}\n"
		"  granted: {type: string, format: date, title: Ngày cấp}\n"
		"x-compare:\n"
		"  - [insured, \"<=\", regular]\n"
		"  - [granted, \">=\", applied]\n");
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_diags e = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;

	(void)state;
	assert_int_equal(check(s, "regular: 10\ninsured: 10\n", NULL, &d), 0);
	assert_int_equal(check(s, "insured: 99\n", NULL, &d), 0);
	assert_int_equal(check(s, "applied: 2024-01-05\ngranted: 2024-03-01\n",
			       NULL, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(check(s, "regular: 10\ninsured: 12\n", NULL, &d),
			 KS_EINVALID);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].pointer, "/insured");
	assert_string_equal(d.v[0].keyword, "x-compare");
	assert_non_null(strstr(d.v[0].message,
			       "must not be more than Lao động thường xuyên, which is 10"));
	ks_diags_release(&d);
	assert_int_equal(check(s, "applied: 2024-03-01\ngranted: 2024-01-05\n",
			       NULL, &d), KS_EINVALID);
	assert_string_equal(d.v[0].pointer, "/granted");
	assert_non_null(strstr(d.v[0].message,
			       "must not be before Ngày nộp đơn, which is 2024-03-01"));
	ks_diags_release(&d);
	ks_schema_free(s);
	/* A rule that is not [property, operator, property] is refused. */
	assert_int_equal(ks_doc_parse(&doc, "schema.yaml",
				      "x-compare: [[a, \"=<\", b]]\n", 26, 0, &e), 0);
	assert_int_not_equal(ks_schema_compile(&s, doc, NULL, 0, &e), 0);
	assert_true(e.n > 0);
	ks_diags_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_typed_scalars),
		cmocka_unit_test(test_json_instances),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_all_errors),
		cmocka_unit_test(test_composition_messages),
		cmocka_unit_test(test_property_names),
		cmocka_unit_test(test_pointer_escaping),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_format_modes),
		cmocka_unit_test(test_broken_schemas),
		cmocka_unit_test(test_unknown_keywords),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_introspection),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_layout_writer),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_snode_validate),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_fetch),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_xcompare),
	};

	KS_RUN_TESTS(tests);
}

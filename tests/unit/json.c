/*
 * Unit tests for core/json.h: commas and colons where they belong at any
 * depth, strings escaped (control characters, quotes, bytes that are not
 * UTF-8) with valid UTF-8 passed through, items on lines of their own
 * when asked, and errors sticky: a failed allocation or a call out of
 * place marks the text failed, and nothing more is added after it.
 * Then the export's JSON writer, which builds each record with it: out of
 * memory at any allocation fails the export and leaves no file behind.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "export_int.h"
#include "json.h"
#include "record.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The text of one string value. */
static void check_str(const char *s, const char *want)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_json j;

	ks_json_init(&j, &b);
	assert_int_equal(ks_json_str(&j, s), 0);
	assert_int_equal(ks_json_end(&j), 0);
	assert_string_equal(b.ptr, want);
	ks_buf_release(&b);
}

static void test_escaping(void **state)
{
	(void)state;
	check_str("", "\"\"");
	check_str("plain", "\"plain\"");
	check_str("say \"hi\" \\ o/", "\"say \\\"hi\\\" \\\\ o/\"");
	check_str("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"");
	check_str("\x01\x08\x0c\x1f", "\"\\u0001\\u0008\\u000c\\u001f\"");
	/* DEL and "</" need no escape in JSON. */
	check_str("\x7f</x>", "\"\x7f</x>\"");
	/* Valid UTF-8, two to four bytes, passes as it is. */
	check_str("Nguyễn Thị Hoa", "\"Nguyễn Thị Hoa\"");
	check_str("€ 𝄞", "\"€ 𝄞\"");
	/* Bytes that are not UTF-8 become U+FFFD, one each. */
	check_str("caf\xe9!", "\"caf\xef\xbf\xbd!\"");
	check_str("\xc3", "\"\xef\xbf\xbd\"");
	check_str("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");	/* overlong */
	check_str("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");	/* surrogate */
	check_str("\xf4\x90\x80\x80x", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx\"");
}

static void test_nesting(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_json j;

	(void)state;
	ks_json_init(&j, &b);
	ks_json_begin_object(&j);
	ks_json_field_str(&j, "name", "x");
	ks_json_field_int(&j, "n", -3);
	ks_json_field_uint(&j, "big", 18446744073709551615ULL);
	ks_json_key(&j, "list");
	ks_json_begin_array(&j);
	ks_json_bool(&j, 1);
	ks_json_bool(&j, 0);
	ks_json_null(&j);
	ks_json_str(&j, NULL);
	ks_json_begin_object(&j);
	ks_json_end_object(&j);
	ks_json_begin_array(&j);
	ks_json_end_array(&j);
	ks_json_raw(&j, "1.5e3");
	ks_json_end_array(&j);
	ks_json_key(&j, "k\"ey");
	ks_buf_puts(ks_json_value_buf(&j), "{\"made\":\"elsewhere\"}");
	ks_json_field_bool(&j, "last", 1);
	ks_json_end_object(&j);
	assert_int_equal(ks_json_end(&j), 0);
	assert_string_equal(b.ptr,
		"{\"name\":\"x\",\"n\":-3,\"big\":18446744073709551615,"
		"\"list\":[true,false,null,null,{},[],1.5e3],"
		"\"k\\\"ey\":{\"made\":\"elsewhere\"},\"last\":true}");
	ks_buf_release(&b);
}

static void test_lines(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_json j;
	int i;

	(void)state;
	ks_buf_puts(&b, "before ");
	ks_json_init(&j, &b);
	ks_json_begin_object(&j);
	ks_json_key(&j, "rows");
	ks_json_begin_lines(&j);
	for (i = 0; i < 3; i++) {
		ks_json_begin_object(&j);
		ks_json_field_int(&j, "i", i);
		ks_json_field_int(&j, "j", i);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_json_newline(&j);
	ks_json_field_int(&j, "total", 3);
	ks_json_field_int(&j, "more", 0);
	ks_json_end_object(&j);
	assert_int_equal(ks_json_end(&j), 0);
	assert_string_equal(b.ptr,
		"before {\"rows\":[{\"i\":0,\"j\":0},\n {\"i\":1,\"j\":1},\n"
		" {\"i\":2,\"j\":2}],\n \"total\":3,\"more\":0}");
	/* A line asked for before the first item is not a line. */
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	ks_json_begin_lines(&j);
	ks_json_newline(&j);
	ks_json_int(&j, 1);
	ks_json_int(&j, 2);
	ks_json_end_array(&j);
	assert_string_equal(b.ptr, "[1,\n 2]");
	ks_buf_release(&b);
}

/* Writes one small document; 0 when it is whole. */
static int document(struct ks_buf *b, const char *big)
{
	struct ks_json j;

	ks_json_init(&j, b);
	ks_json_begin_object(&j);
	ks_json_field_str(&j, "big", big);
	ks_json_key(&j, "after");
	ks_json_begin_array(&j);
	ks_json_int(&j, 1);
	ks_json_end_array(&j);
	ks_json_end_object(&j);
	return ks_json_end(&j);
}

static void test_failed_allocation_sticks(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	char big[300];
	size_t len;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ks_buf_puts(&b, "{");
	len = b.len;
	ks_alloc_fail_after(0);
	assert_int_equal(document(&b, big), -1);
	ks_alloc_fail_after(-1);
	assert_true(ks_buf_failed(&b));
	/* Nothing was added after the failure, even once memory is back. */
	assert_true(b.len <= len + 64);
	assert_null(strstr(b.ptr, "after"));
	/* A new document on a reset buffer is whole. */
	ks_buf_reset(&b);
	assert_int_equal(document(&b, "small"), 0);
	assert_string_equal(b.ptr, "{\"big\":\"small\",\"after\":[1]}");
	ks_buf_release(&b);
}

/* Each call out of place fails the text, and the failure stays. */
static void test_misuse(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_json j;
	int i;

	(void)state;
	/* A value in an object without its key. */
	ks_json_init(&j, &b);
	ks_json_begin_object(&j);
	assert_int_equal(ks_json_int(&j, 1), -1);
	assert_true(ks_buf_failed(&b));
	assert_int_equal(ks_json_end_object(&j), -1);
	assert_string_equal(b.ptr, "");
	/* A key in an array; a key after a key. */
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	ks_json_begin_array(&j);
	assert_int_equal(ks_json_key(&j, "k"), -1);
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	ks_json_begin_object(&j);
	ks_json_key(&j, "a");
	assert_int_equal(ks_json_key(&j, "b"), -1);
	/* An object closed before its member's value. */
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	ks_json_begin_object(&j);
	ks_json_key(&j, "a");
	assert_int_equal(ks_json_end_object(&j), -1);
	/* Closing what is not open: nothing, or the other kind. */
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	assert_int_equal(ks_json_end_array(&j), -1);
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	ks_json_begin_array(&j);
	assert_int_equal(ks_json_end_object(&j), -1);
	/* Two values at the top; a document left open or empty. */
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	ks_json_int(&j, 1);
	assert_int_equal(ks_json_int(&j, 2), -1);
	assert_string_equal(b.ptr, "");
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	ks_json_begin_array(&j);
	assert_int_equal(ks_json_end(&j), -1);
	assert_true(ks_buf_failed(&b));
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	assert_int_equal(ks_json_end(&j), -1);
	/* Too deep. */
	ks_buf_reset(&b);
	ks_json_init(&j, &b);
	for (i = 0; i < KS_JSON_MAX_DEPTH; i++)
		assert_int_equal(ks_json_begin_array(&j), 0);
	assert_int_equal(ks_json_begin_array(&j), -1);
	assert_true(ks_buf_failed(&b));
	assert_int_equal(ks_buf_puts(ks_json_value_buf(&j), "1"), -1);
	ks_buf_release(&b);
}

#define RECORD "{\"kind\":\"workshop\",\"id\":\"md01-0001\"," \
	"\"file\":\"records/workshop/md01-0001.yaml\",\"status\":\"invalid\"," \
	"\"errors\":[{\"line\":2,\"column\":8,\"pointer\":\"/staff\"," \
	"\"message\":\"-3 is \\\"below\\\" 0\"}],\"conflicts\":[\"/phone\"]," \
	"\"files\":[\"attachments/workshop/md01/000/md01-0001/ab.jpg\"]," \
	"\"record\":{\"name\":\"Đúc\",\"staff\":-3}}"

/* Three records and the information, into `path`: 0 or the failure. */
static int export_json(const char *path, const struct ks_node *root,
		       struct ks_diags *d)
{
	static const char *const info[] = { "Survey", "Mỹ Đồng" };
	static const char *const conflicts[] = { "/phone" };
	static const char *const files[] = { "attachments/workshop/md01/000/md01-0001/ab.jpg" };
	struct ks_diags errors = KS_DIAGS_INIT;
	struct ks_xjson *j = NULL;
	int err, i;

	ks_diags_add(&errors, KS_SEV_ERROR, "r.yaml", 2, 8, "/staff", "minimum",
		     "%s", "-3 is \"below\" 0");
	err = errors.n == 1 ? ks_xjson_open(&j, path, NULL, 0, d) : -1;
	for (i = 0; !err && i < 3; i++)
		err = ks_xjson_record(j, "workshop", "md01-0001",
				      "records/workshop/md01-0001.yaml",
				      "invalid", &errors, conflicts, 1, files, 1,
				      root, NULL, d);
	if (!err)
		err = ks_xjson_finish(j, info, 2, d);
	if (err)
		ks_xjson_abort(j);
	ks_diags_release(&errors);
	return err;
}

/* RFC 6901: tokens decoded, "~01" is "~1", an empty token is a token. */
static void test_pointer_tokens(void **state)
{
	struct ks_buf tok = KS_BUF_INIT;
	const char *p = "/a~1b/~01/0//x";

	(void)state;
	assert_int_equal(ks_json_pointer_next(&p, &tok), 1);
	assert_string_equal(tok.ptr, "a/b");
	assert_int_equal(ks_json_pointer_next(&p, &tok), 1);
	assert_string_equal(tok.ptr, "~1");
	assert_int_equal(ks_json_pointer_next(&p, &tok), 1);
	assert_string_equal(tok.ptr, "0");
	assert_int_equal(ks_json_pointer_next(&p, &tok), 1);
	assert_int_equal(tok.len, 0);
	assert_int_equal(ks_json_pointer_next(&p, &tok), 1);
	assert_string_equal(tok.ptr, "x");
	assert_int_equal(ks_json_pointer_next(&p, &tok), 0);
	p = "";
	assert_int_equal(ks_json_pointer_next(&p, &tok), 0);
	ks_buf_release(&tok);
}

static void test_export_out_of_memory(void **state)
{
	static const char yaml[] = "name: Đúc\nstaff: -3\n";
	char dir[] = "/tmp/ks-json-XXXXXX", path[64];
	struct ks_buf got = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	struct ks_diags d = KS_DIAGS_INIT;
	long n;
	int err = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.json", dir);
	assert_int_equal(ks_doc_parse(&doc, "r.yaml", yaml, strlen(yaml),
				      KS_PARSE_RECORD, &d), 0);
	for (n = 0; err && n < 2000; n++) {
		ks_alloc_fail_after(n);
		err = export_json(path, ks_doc_root(doc), &d);
		ks_alloc_fail_after(-1);
		ks_diags_release(&d);
		ks_diags_init(&d);
		/* Never a file cut short: none at all. */
		if (err)
			assert_int_equal(access(path, F_OK), -1);
	}
	print_message("succeeded after %ld failed allocations\n", n - 1);
	assert_int_equal(err, 0);
	assert_true(n > 3);
	assert_int_equal(ks_buf_read_file(&got, path, 0), 0);
	assert_string_equal(got.ptr, "{\"records\": [\n" RECORD ",\n" RECORD ",\n"
			    RECORD "\n],\n\"info\": {\n \"Survey\":\"Mỹ Đồng\"\n}}\n");
	unlink(path);
	rmdir(dir);
	ks_buf_release(&got);
	ks_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_failed_allocation_sticks),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_pointer_tokens),
		cmocka_unit_test(test_export_out_of_memory),
	};

	KS_RUN_TESTS(tests);
}

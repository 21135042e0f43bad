/*
 * A JSON writer on a ks_buf: the caller says what comes (an object, a key,
 * a string, a number...) and the writer puts the commas and colons, quotes
 * and escapes strings, and keeps a stack of the objects and arrays open,
 * so that no command builds JSON by hand.
 *
 * Errors are sticky, as the buffer's are: a failed addition, or a call out
 * of place (a value in an object without its key, an end that closes
 * nothing, nesting deeper than KS_JSON_MAX_DEPTH), marks the buffer failed
 * and every later call is refused.  A caller may write a whole document
 * without checking each call and check ks_buf_failed() (or ks_json_end())
 * once, before it uses the text.
 *
 * The text is compact ({"a":1,"b":[true,null]}); ks_json_begin_lines()
 * and ks_json_newline() start items on lines of their own, indented by
 * one space, where a report is easier to read so.
 */
#ifndef KS_JSON_H
#define KS_JSON_H

#include <stddef.h>

struct ks_buf;

#define KS_JSON_MAX_DEPTH 16

struct ks_json {
	struct ks_buf *out;
	unsigned depth;		/* objects and arrays open */
	int done;		/* a whole value is written at depth 0 */
	int keyed;		/* a key is written; its value comes next */
	int newline;		/* the next item starts a line */
	unsigned char level[KS_JSON_MAX_DEPTH];	/* what each one open is */
};

/*
 * Starts a JSON value at the end of `out` (which may hold text already);
 * the writer holds no memory of its own, so there is nothing to release.
 */
void ks_json_init(struct ks_json *j, struct ks_buf *out);

/* Each returns 0, or -1 when memory ran out or the call is out of place. */
int ks_json_begin_object(struct ks_json *j);
int ks_json_end_object(struct ks_json *j);
int ks_json_begin_array(struct ks_json *j);
/* An array whose elements after the first each start a line: "[1,\n 2]". */
int ks_json_begin_lines(struct ks_json *j);
int ks_json_end_array(struct ks_json *j);
/* The next member or element, unless it is the first, starts a line. */
int ks_json_newline(struct ks_json *j);

/* A member's key, in an object; its value is the next call's. */
int ks_json_key(struct ks_json *j, const char *key);

/*
 * Values.  A string is quoted, with ", \ and control characters escaped;
 * valid UTF-8 passes as it is and a byte that is not is written as
 * U+FFFD, so the text is always valid JSON.  ks_json_str(j, NULL) writes
 * null.
 */
int ks_json_str(struct ks_json *j, const char *s);
int ks_json_int(struct ks_json *j, long long v);
int ks_json_uint(struct ks_json *j, unsigned long long v);
int ks_json_bool(struct ks_json *j, int v);
int ks_json_null(struct ks_json *j);
/*
 * The text built in `s`, as a string.  When `s` failed the writer fails
 * too: a cut text is never written as if it were whole.
 */
int ks_json_str_buf(struct ks_json *j, const struct ks_buf *s);
/* A number, or other JSON text, the caller vouches for: written as given. */
int ks_json_raw(struct ks_json *j, const char *text);
/*
 * For a value another function writes into the buffer itself (such as
 * ks_value_json): puts what goes before a value and returns the buffer.
 * After a failure it is the failed buffer, which takes nothing more.
 */
struct ks_buf *ks_json_value_buf(struct ks_json *j);

/*
 * `s` as a JSON string literal at the end of `b`, for text written
 * without a writer: quoted, escaped as ks_json_str() does.
 */
int ks_json_string(struct ks_buf *b, const char *s);
/* 1 when `s` is a number as JSON writes one (RFC 8259), 0 when not. */
int ks_json_is_number(const char *s);

/* A key and its value in one call. */
int ks_json_field_str(struct ks_json *j, const char *key, const char *s);
int ks_json_field_int(struct ks_json *j, const char *key, long long v);
int ks_json_field_uint(struct ks_json *j, const char *key,
		       unsigned long long v);
int ks_json_field_bool(struct ks_json *j, const char *key, int v);

/*
 * 0 when one whole value was written, every object and array closed, and
 * nothing failed; -1 otherwise (and the buffer is then marked failed).
 */
int ks_json_end(struct ks_json *j);

/*
 * The next reference token of the JSON Pointer at `*p` (which starts with
 * '/'), decoded (~1 is '/', ~0 is '~') into `tok`; `*p` moves past it.
 * 1 when a token was read, 0 at the end, -1 when memory runs out.
 */
int ks_json_pointer_next(const char **p, struct ks_buf *tok);

#endif

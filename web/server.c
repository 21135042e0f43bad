/*
 * khaosat serve's HTTP server: see server.h.
 */
#include "server.h"
#include "pages.h"
#include "post.h"
#include "html.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "intl.h"
#include "repo.h"
#include "text.h"
#include "attachpath.h"
#include "changes.h"
#include "lock.h"
#include "watch.h"
#include "mhd.h"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <strings.h>
#include <unistd.h>

#define SECRET_BYTES 16
#define MAX_URL 2048
#define MAX_BODY (256 * 1024)	/* a form's fields; files come another way */
#define MAX_LOGIN_FAILURES 20

struct ks_server {
	struct MHD_Daemon *mhd;
	struct ks_repo *repo;
	struct ks_web_index *index;	/* NULL: pages read the records */
	int writable;		/* forms may save (this laptop only) */
	/* Writing over a LAN: the password's keyed hash, and the cookie
	   that who gave it carries. */
	int can_login, failures;
	unsigned char pw_key[crypto_generichash_KEYBYTES];
	unsigned char pw_hash[crypto_generichash_BYTES];
	char write_token[2 * SECRET_BYTES + 1];
	long lock_ms;
	const char *version;
	char secret[2 * SECRET_BYTES + 1];	/* hex */
	char csrf[2 * SECRET_BYTES + 1];	/* in every form, hex */
	char host[2][80];	/* the Host headers that name this server */
	char url[160];
};

/* The headers every answer carries: nothing runs, nothing is fetched. */
static void guard(struct MHD_Response *resp)
{
	ks_mhd.add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; script-src 'self'; connect-src 'self'; "
				"style-src 'self'; img-src 'self' data:; "
				"form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	ks_mhd.add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ks_mhd.add_response_header(resp, "Referrer-Policy", "same-origin");
	ks_mhd.add_response_header(resp, "Cache-Control", "no-store");
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status,
				const char *type, const char *body, size_t len,
				const char *cookie, const char *location)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = ks_mhd.create_response_from_buffer(len, (void *)body,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	guard(resp);
	ks_mhd.add_response_header(resp, "Content-Type", type);
	if (cookie)
		ks_mhd.add_response_header(resp, "Set-Cookie", cookie);
	if (location)
		ks_mhd.add_response_header(resp, "Location", location);
	ret = ks_mhd.queue_response(c, status, resp);
	ks_mhd.destroy_response(resp);
	return ret;
}

/* A page, or a redirection. */
static enum MHD_Result send_page(struct MHD_Connection *c,
				 const struct ks_web_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char again[16];

	resp = ks_mhd.create_response_from_buffer(r->body.len, r->body.ptr,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	guard(resp);
	ks_mhd.add_response_header(resp, "Content-Type", r->type);
	if (r->location)
		ks_mhd.add_response_header(resp, "Location", r->location);
	if (r->refresh) {
		snprintf(again, sizeof(again), "%u", r->refresh);
		ks_mhd.add_response_header(resp, "Refresh", again);
	}
	ret = ks_mhd.queue_response(c, r->status, resp);
	ks_mhd.destroy_response(resp);
	return ret;
}

/* A download, from its open file (which MHD then owns and closes). */
static enum MHD_Result send_file(struct MHD_Connection *c,
				 struct ks_web_reply *r)
{
	struct MHD_Response *resp = ks_mhd.create_response_from_fd(r->fsize, r->fd);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	r->fd = -1;
	guard(resp);
	ks_mhd.add_response_header(resp, "Content-Type", r->type);
	if (r->disposition)
		ks_mhd.add_response_header(resp, "Content-Disposition", r->disposition);
	ret = ks_mhd.queue_response(c, r->status, resp);
	ks_mhd.destroy_response(resp);
	return ret;
}

/* A refusal a person can read: what happened and what to do. */
static enum MHD_Result refuse(struct MHD_Connection *c, unsigned status,
			      const char *why)
{
	struct ks_buf b = KS_BUF_INIT;
	enum MHD_Result ret;

	ks_buf_addf(&b, "%u ", status);
	ks_buf_puts(&b, why);
	ks_buf_putc(&b, '\n');
	ret = ks_buf_failed(&b) ? MHD_NO
				: send_buf(c, status, "text/plain; charset=utf-8",
					   b.ptr, b.len, NULL, NULL);
	ks_buf_release(&b);
	return ret;
}

static int same_secret(const struct ks_server *s, const char *given)
{
	return given && strlen(given) == sizeof(s->secret) - 1 &&
	       sodium_memcmp(given, s->secret, sizeof(s->secret) - 1) == 0;
}

static int same_secret_csrf(const struct ks_server *s, const char *given)
{
	return given && strlen(given) == sizeof(s->csrf) - 1 &&
	       sodium_memcmp(given, s->csrf, sizeof(s->csrf) - 1) == 0;
}

static int has_body(struct MHD_Connection *c)
{
	const char *len = ks_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (len && strcmp(len, "0")) ||
	       ks_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static const char *query_arg(void *ctx, const char *name)
{
	return ks_mhd.lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

/* What the raw request line told, before MHD decoded it. */
static char uri_fine, uri_long, uri_nul, uri_done;

/*
 * Sees the request's target as sent: too long, or hiding a NUL ("%00")
 * that the decoded path would end at, is refused before any page sees it.
 */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	if (strlen(uri) > MAX_URL)
		return &uri_long;
	if (strstr(uri, "%00"))
		return &uri_nul;
	return &uri_fine;
}

/* A form being received: its body, bounded. */
struct upload {
	struct ks_buf body;
	int too_big;
	/* multipart (a record's files): small fields, and files on disk */
	struct MHD_PostProcessor *pp;
	struct ks_web_form fields;
	struct ks_web_upload *files;
	size_t nfiles, alloc;
	int fd;			/* the file being received, or -1 */
	unsigned long long got;
	const char *bad;	/* why the form is refused (to translate) */
	char *dir;		/* .git/khaosat/uploads */
};

#define MAX_UPLOAD (2ull * KS_ATTACH_MAX_INPUT)	/* the files of one form */
#define MAX_UPLOAD_FILES 100
#define MAX_FIELD (64 * 1024)

static void upload_release(struct upload *u)
{
	size_t i;

	if (u->pp)
		ks_mhd.destroy_post_processor(u->pp);
	if (u->fd >= 0)
		close(u->fd);
	for (i = 0; i < u->nfiles; i++) {
		unlink(u->files[i].path);
		ks_free(u->files[i].path);
		ks_free(u->files[i].name);
	}
	ks_free(u->files);
	ks_web_form_release(&u->fields);
	ks_buf_release(&u->body);
	ks_free(u->dir);
	ks_free(u);
}

/* 1 for text a record may hold: UTF-8, no NUL. */
static int text_ok(const char *s, size_t len)
{
	int line, col;

	return ks_utf8_check(s, len, &line, &col) == 0;
}

/* A file's name as the sender gave it, without folders or controls. */
static char *file_name(const char *given)
{
	const char *base = strrchr(given, '/'), *b2 = strrchr(given, '\\');
	struct ks_buf b = KS_BUF_INIT;

	base = base ? base + 1 : given;
	if (b2 && b2 + 1 > base)
		base = b2 + 1;
	for (; *base && b.len < 200; base++)
		ks_buf_putc(&b, (unsigned char)*base < 0x20 || *base == 0x7f ? '_' : *base);
	if (!b.len || !text_ok(b.ptr, b.len)) {
		ks_buf_reset(&b);
		ks_buf_puts(&b, "file");	/* a name that is no text */
	}
	return ks_buf_failed(&b) ? NULL : ks_buf_detach(&b, NULL);
}

/* A part of a multipart form: a file to disk, a field to memory. */
static enum MHD_Result part(void *cls, enum MHD_ValueKind kind,
			    const char *key, const char *filename,
			    const char *ctype, const char *enc,
			    const char *data, uint64_t off, size_t size)
{
	struct upload *u = cls;

	(void)kind;
	(void)ctype;
	(void)enc;
	if (u->bad || !key)
		return MHD_YES;
	if (filename) {
		struct ks_web_upload *f;
		size_t done = 0;

		if (strcmp(key, "file") || !*filename)
			return MHD_YES;	/* no file chosen, or not a file field */
		if (!off) {
			struct ks_buf tmp = KS_BUF_INIT;

			if (u->fd >= 0)
				close(u->fd);
			u->fd = -1;
			if (u->nfiles == MAX_UPLOAD_FILES) {
				u->bad = N_("too many files in one form");
				return MHD_YES;
			}
			if (ks_grow(&u->files, u->nfiles, &u->alloc, sizeof(*u->files), 4) < 0 ||
			    ks_buf_addf(&tmp, "%s/upload-XXXXXX", u->dir) < 0 ||
			    (u->fd = mkstemp(tmp.ptr)) < 0) {
				ks_buf_release(&tmp);
				u->bad = N_("the file cannot be received: out of memory or space");
				return MHD_YES;
			}
			f = &u->files[u->nfiles++];
			f->path = ks_buf_detach(&tmp, NULL);
			f->name = file_name(filename);
			if (!f->name)
				u->bad = N_("out of memory");
		}
		if ((u->got += size) > MAX_UPLOAD) {
			u->too_big = 1;
			return MHD_YES;
		}
		while (u->fd >= 0 && done < size) {
			ssize_t n = write(u->fd, data + done, size - done);

			if (n <= 0) {
				u->bad = N_("the file cannot be received: out of memory or space");
				break;
			}
			done += (size_t)n;
		}
		return MHD_YES;
	}
	/* a small field: csrf, caption; a long one arrives in pieces */
	if ((u->got += size) > MAX_UPLOAD || (off + size > MAX_FIELD)) {
		u->bad = N_("a field of the form is too long");
		return MHD_YES;
	}
	if (memchr(data, '\0', size)) {
		u->bad = N_("a field of the form is not text (UTF-8)");
		return MHD_YES;
	}
	if (!off || !u->fields.n || strcmp(u->fields.v[u->fields.n - 1].name, key)) {
		struct ks_web_field *fl;

		if (ks_grow(&u->fields.v, u->fields.n, &u->fields.alloc,
			    sizeof(*u->fields.v), 4) < 0) {
			u->bad = N_("out of memory");
			return MHD_YES;
		}
		fl = &u->fields.v[u->fields.n++];
		fl->name = ks_strdup(key);
		fl->value = ks_strndup(data, size);
		if (!fl->name || !fl->value)
			u->bad = N_("out of memory");
	} else {
		struct ks_web_field *fl = &u->fields.v[u->fields.n - 1];
		size_t had = strlen(fl->value);
		char *v = ks_realloc(fl->value, had + size + 1);

		if (!v) {
			u->bad = N_("out of memory");
			return MHD_YES;
		}
		memcpy(v + had, data, size);
		v[had + size] = '\0';
		fl->value = v;
	}
	return MHD_YES;
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode why)
{
	struct upload *u = *state;

	(void)cls;
	(void)c;
	(void)why;
	if (!(u == (void *)&uri_fine || u == (void *)&uri_long ||
	      u == (void *)&uri_nul || u == (void *)&uri_done || !u)) {
		upload_release(u);
		*state = NULL;
	}
	/*
	 * A page that read the whole survey freed tens of megabytes that the
	 * allocator would keep for ever: between requests the server holds
	 * what it uses, no more.  (Windows' heap gives freed blocks back
	 * by itself.)
	 */
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* "application/x-www-form-urlencoded", with or without a charset. */
static int is_form(struct MHD_Connection *c)
{
	static const char want[] = "application/x-www-form-urlencoded";
	const char *t = ks_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_TYPE);

	return t && !strncasecmp(t, want, sizeof(want) - 1) &&
	       (!t[sizeof(want) - 1] || t[sizeof(want) - 1] == ';');
}

/*
 * A browser says where a form came from; one from another site (or from
 * a page that hides where it is, "null") does not write here, whatever
 * else it carries.  The pages' own Referrer-Policy, same-origin, lets a
 * browser name this server as the origin of its own forms.
 */
static int same_origin(const struct ks_server *s, struct MHD_Connection *c,
		       const char *host)
{
	const char *origin = ks_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
							 "Origin");

	(void)s;
	return !origin || (!strncmp(origin, "http://", 7) &&
			   !strcmp(origin + 7, host));
}

static void password_hash(unsigned char *out, const struct ks_server *s,
			  const char *password)
{
	crypto_generichash(out, crypto_generichash_BYTES,
			   (const unsigned char *)password, strlen(password),
			   s->pw_key, sizeof(s->pw_key));
}

/* Whether the request may change the survey. */
static int may_write(const struct ks_server *s, struct MHD_Connection *c)
{
	const char *token;

	if (s->writable)
		return 1;
	token = ks_mhd.lookup_connection_value(c, MHD_COOKIE_KIND, "kw");
	return s->can_login && token &&
	       strlen(token) == sizeof(s->write_token) - 1 &&
	       sodium_memcmp(token, s->write_token, sizeof(s->write_token) - 1) == 0;
}

/*
 * POST /login: the password for writing over the LAN.  Right, the write
 * cookie and back to the overview; wrong, a second's wait and the login
 * page again.
 */
static enum MHD_Result login(struct ks_server *s, struct MHD_Connection *c,
			     const struct ks_web_form *form)
{
	const char *given = ks_web_form_get(form, "password");
	unsigned char h[crypto_generichash_BYTES];
	char cookie[sizeof(s->write_token) + 64];

	if (!s->can_login || s->failures >= MAX_LOGIN_FAILURES)
		return refuse(c, MHD_HTTP_FORBIDDEN,
			      _("writing is not open on this server; start it again to try more passwords"));
	password_hash(h, s, given ? given : "");
	if (!given || sodium_memcmp(h, s->pw_hash, sizeof(h))) {
		s->failures++;
		sleep(1);	/* a password is not guessed a thousand a second */
		return refuse(c, MHD_HTTP_FORBIDDEN, _("wrong password; nothing was changed"));
	}
	snprintf(cookie, sizeof(cookie), "kw=%s; Path=/; HttpOnly; SameSite=Strict",
		 s->write_token);
	return send_buf(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0,
			cookie, "/");
}

/* Runs the page for a checked request and sends what it made. */
static enum MHD_Result run_page(struct ks_server *s, struct MHD_Connection *c,
				const char *url, const struct ks_web_form *form,
				const struct upload *u)
{
	struct ks_web_req q;
	struct ks_web_reply r = { 0, NULL, NULL, KS_BUF_INIT, -1, 0, NULL, 0 };
	enum MHD_Result ret;

	memset(&q, 0, sizeof(q));
	q.repo = s->repo;
	q.index = s->index;
	q.path = url;
	q.arg = query_arg;
	q.ctx = c;
	q.form = form;
	q.files = u ? u->files : NULL;
	q.nfiles = u ? u->nfiles : 0;
	q.csrf = s->csrf;
	q.writable = may_write(s, c);
	q.can_login = s->can_login && !q.writable;
	ks_page_set_writable(q.writable, q.can_login);
	q.lock_ms = s->lock_ms;
	q.version = s->version;
	if ((form ? ks_web_post(&q, &r) : ks_web_page(&q, &r)) < 0 ||
	    ks_buf_failed(&r.body))
		ret = refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, _("out of memory"));
	else if (r.fd >= 0)
		ret = send_file(c, &r);
	else
		ret = send_page(c, &r);
	if (r.fd >= 0)
		close(r.fd);
	ks_buf_release(&r.body);
	ks_free(r.location);
	ks_free(r.disposition);
	return ret;
}

/* The whole form has arrived: decode it, check its token, write. */
static enum MHD_Result posted(struct ks_server *s, struct MHD_Connection *c,
			      const char *url, struct upload *u)
{
	struct ks_web_form form = { NULL, 0, 0 };
	const char *why;
	enum MHD_Result ret;
	int err;

	if (u->too_big)
		return refuse(c, MHD_HTTP_CONTENT_TOO_LARGE,
			      _("the form sent is too large"));
	if (ks_buf_failed(&u->body))
		return refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, _("out of memory"));
	err = ks_web_form_parse(&form, u->body.ptr ? u->body.ptr : "",
				u->body.len, &why);
	if (err == KS_EINVALID)
		ret = refuse(c, MHD_HTTP_BAD_REQUEST, _(why));
	else if (err)
		ret = refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, _("out of memory"));
	else if (!same_secret_csrf(s, ks_web_form_get(&form, "csrf")))
		ret = refuse(c, MHD_HTTP_FORBIDDEN,
			     _("the form is not one this server gave out (or it is from before the server was started again); open the page again and send it from there"));
	else if (!strcmp(url, "/login"))
		ret = login(s, c, &form);
	else if (!may_write(s, c))
		ret = refuse(c, MHD_HTTP_FORBIDDEN,
			     _("this server shows the survey read-only: records are changed on the laptop that serves it"));
	else
		ret = run_page(s, c, url, &form, NULL);
	ks_web_form_release(&form);
	return ret;
}

/* A multipart form has arrived whole: its token checked, its page run. */
static enum MHD_Result posted_files(struct ks_server *s,
				    struct MHD_Connection *c, const char *url,
				    struct upload *u)
{
	size_t i;

	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (u->too_big)
		return refuse(c, MHD_HTTP_CONTENT_TOO_LARGE,
			      _("the files sent are too large together"));
	if (u->bad)
		return refuse(c, MHD_HTTP_BAD_REQUEST, _(u->bad));
	for (i = 0; i < u->fields.n; i++)
		if (!text_ok(u->fields.v[i].value, strlen(u->fields.v[i].value)))
			return refuse(c, MHD_HTTP_BAD_REQUEST,
				      _("a field of the form is not text (UTF-8)"));
	if (!same_secret_csrf(s, ks_web_form_get(&u->fields, "csrf")))
		return refuse(c, MHD_HTTP_FORBIDDEN,
			      _("the form is not one this server gave out (or it is from before the server was started again); open the page again and send it from there"));
	if (!may_write(s, c))
		return refuse(c, MHD_HTTP_FORBIDDEN,
			      _("this server shows the survey read-only: records are changed on the laptop that serves it"));
	return run_page(s, c, url, &u->fields, u);
}

/* "multipart/form-data; boundary=..." */
static int is_multipart(struct MHD_Connection *c)
{
	static const char want[] = "multipart/form-data";
	const char *t = ks_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_TYPE);

	return t && !strncasecmp(t, want, sizeof(want) - 1) &&
	       t[sizeof(want) - 1] == ';';
}

/* Only a record's files come as multipart: POST /records/ID/attach. */
static int takes_files(const char *url)
{
	const char *rest = !strncmp(url, "/records/", 9) ? url + 9 : NULL;
	const char *slash = rest ? strchr(rest, '/') : NULL;

	return slash && slash > rest && !strcmp(slash, "/attach");
}

/* The first call of a multipart form: where its files will wait. */
static enum MHD_Result begin_files(struct ks_server *s, struct MHD_Connection *c,
				   const char *len, void **state)
{
	struct upload *u;
	struct ks_buf dir = KS_BUF_INIT;

	if (len && strtoull(len, NULL, 10) > MAX_UPLOAD)
		return refuse(c, MHD_HTTP_CONTENT_TOO_LARGE,
			      _("the files sent are too large together"));
	if (!(u = ks_calloc(1, sizeof(*u))))
		return refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, _("out of memory"));
	ks_buf_init(&u->body);
	u->fd = -1;
	if (ks_buf_addf(&dir, "%skhaosat", git_repository_path(ks_repo_git(s->repo))) < 0 ||
	    (mkdir(dir.ptr, 0777) < 0 && errno != EEXIST) ||
	    ks_buf_puts(&dir, "/uploads") < 0 ||
	    (mkdir(dir.ptr, 0700) < 0 && errno != EEXIST) ||
	    !(u->dir = ks_buf_detach(&dir, NULL)) ||
	    !(u->pp = ks_mhd.create_post_processor(c, 64 * 1024, part, u))) {
		ks_buf_release(&dir);
		upload_release(u);
		return refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			      _("the files cannot be received here"));
	}
	*state = u;
	return MHD_YES;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct ks_server *s = cls;
	const char *host, *key, *len;
	struct upload *u;
	int post;

	(void)version;
	if (*state == &uri_done) {
		/* a request refused at its first call: its body is dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*state != &uri_fine && *state != &uri_long && *state != &uri_nul) {
		/* the body of a form, as it arrives */
		u = *state;
		if (u->pp) {
			if (!*upload_size)
				return posted_files(s, c, url, u);
			if (!u->too_big && !u->bad &&
			    ks_mhd.post_process(u->pp, upload, *upload_size) != MHD_YES)
				u->bad = N_("the form's files are not sent as a web form sends them");
			*upload_size = 0;
			return MHD_YES;
		}
		if (!*upload_size)
			return posted(s, c, url, u);
		if (u->too_big || u->body.len + *upload_size > MAX_BODY)
			u->too_big = 1;
		else
			ks_buf_add(&u->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	/*
	 * Everything else is decided on the first call, from the headers.
	 */
	if (*state == &uri_long) {
		*state = &uri_done;
		return refuse(c, MHD_HTTP_URI_TOO_LONG, _("the address is too long"));
	}
	if (*state == &uri_nul) {
		*state = &uri_done;
		return refuse(c, MHD_HTTP_BAD_REQUEST,
			      _("the address holds a character that cannot be in one"));
	}
	*state = &uri_done;
	post = !strcmp(method, MHD_HTTP_METHOD_POST);
	if (!post && strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return refuse(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			      _("only reading pages and sending forms are served here"));
	if (!post && has_body(c))
		return refuse(c, MHD_HTTP_BAD_REQUEST,
			      _("a request to read sends no body"));
	host = ks_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_HOST);
	if (!host || (strcmp(host, s->host[0]) && strcmp(host, s->host[1])))
		return refuse(c, 421, _("this server answers only at the address khaosat serve printed"));
	key = ks_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "k");
	if (!post && key && same_secret(s, key)) {
		char cookie[sizeof(s->secret) + 64];

		/* the secret leaves the address bar for a cookie */
		snprintf(cookie, sizeof(cookie),
			 "ks=%s; Path=/; HttpOnly; SameSite=Strict", s->secret);
		/* back to the page asked for: a path, never a header's end */
		return send_buf(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8",
				"", 0, cookie,
				*url == '/' && url[1] != '/' &&
				!strpbrk(url, "\r\n\\") ? url : "/");
	}
	if (!same_secret(s, ks_mhd.lookup_connection_value(c, MHD_COOKIE_KIND, "ks")))
		return refuse(c, MHD_HTTP_FORBIDDEN,
			      _("open the address that khaosat serve printed, with its key"));
	if (!post)
		return run_page(s, c, url, NULL, NULL);
	if (!s->writable && !s->can_login)
		return refuse(c, MHD_HTTP_FORBIDDEN,
			      _("this server shows the survey read-only: records are changed on the laptop that serves it"));
	if (!same_origin(s, c, host))
		return refuse(c, MHD_HTTP_FORBIDDEN,
			      _("the form was sent from another site; nothing was changed"));
	len = ks_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
					  MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (is_multipart(c) && takes_files(url))
		return begin_files(s, c, len, state);
	if (!is_form(c))
		return refuse(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
			      _("only a web form's fields are taken here"));
	if (len && strtoull(len, NULL, 10) > MAX_BODY)
		return refuse(c, MHD_HTTP_CONTENT_TOO_LARGE,
			      _("the form sent is too large"));
	if (!(u = ks_calloc(1, sizeof(*u))))
		return refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, _("out of memory"));
	ks_buf_init(&u->body);
	u->fd = -1;
	*state = u;
	return MHD_YES;
}

/*
 * git's index with the stat data of the work tree, once, as a writer: a
 * survey copied from another disk would otherwise have each form's check
 * read and hash every record.  Skipped when another command writes now.
 */
static void refresh_git_index(struct ks_repo *r)
{
	struct ks_lock_opts o = { "khaosat serve", 0, NULL, NULL };
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_changes ch = { 0 };
	struct ks_lock *l = NULL;

	if (ks_lock_take(&l, git_repository_path(ks_repo_git(r)), 1, &o,
			 &quiet) == 0) {
		ks_repo_set_writer(r, 1);
		ks_changes_list(&ch, r, &quiet);
		ks_repo_set_writer(r, 0);
		ks_changes_release(&ch);
	}
	ks_lock_free(l);
	ks_diags_release(&quiet);
}

int ks_server_start(struct ks_server **out, struct ks_repo *r,
		    const struct ks_serve_opts *o, struct ks_diags *d)
{
	const char *addr = o->listen ? o->listen : "127.0.0.1";
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	unsigned char raw[SECRET_BYTES];
	struct ks_server *s;
	unsigned port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)o->port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"\"%s\" is not an IPv4 address to listen on", addr);
	if (sodium_init() < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot start the random number generator");
	if (ks_mhd_load(d))
		return KS_EIO;
	if (!(s = ks_calloc(1, sizeof(*s))))
		return -1;
	s->repo = r;
	{
		/* without the index, pages read the records themselves */
		struct ks_diags quiet = KS_DIAGS_INIT;
		int err = ks_web_index_open(&s->index, r, &quiet);

		ks_diags_release(&quiet);
		if (err == -1) {
			ks_free(s);
			return -1;
		}
	}
	refresh_git_index(r);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(s->secret, sizeof(s->secret), raw, sizeof(raw));
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(s->csrf, sizeof(s->csrf), raw, sizeof(raw));
	s->writable = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
	if (!s->writable && o->write_password && *o->write_password) {
		s->can_login = 1;
		randombytes_buf(s->pw_key, sizeof(s->pw_key));
		password_hash(s->pw_hash, s, o->write_password);
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(s->write_token, sizeof(s->write_token), raw, sizeof(raw));
	}
	s->lock_ms = o->lock_ms;
	s->version = o->version;
	sodium_memzero(raw, sizeof(raw));
	s->mhd = ks_mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				  answer, s,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				  MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL,
				  MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				  MHD_OPTION_END);
	if (!s->mhd) {
		ks_web_index_close(s->index);
		ks_free(s);
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot listen on %s port %u: it is in use, or not this computer's",
				addr, o->port);
	}
	info = ks_mhd.get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	port = info ? info->port : o->port;
	snprintf(s->host[0], sizeof(s->host[0]), "%s:%u", addr, port);
	snprintf(s->host[1], sizeof(s->host[1]), "%s:%u",
		 o->listen ? addr : "localhost", port);
	snprintf(s->url, sizeof(s->url), "http://%s:%u/?k=%s", addr, port,
		 s->secret);
	*out = s;
	return 0;
}

const char *ks_server_url(const struct ks_server *s)
{
	return s->url;
}

void ks_server_stop(struct ks_server *s)
{
	if (!s)
		return;
	ks_mhd.stop_daemon(s->mhd);
	sodium_memzero(s->secret, sizeof(s->secret));
	sodium_memzero(s->csrf, sizeof(s->csrf));
	sodium_memzero(s->pw_key, sizeof(s->pw_key));
	sodium_memzero(s->pw_hash, sizeof(s->pw_hash));
	sodium_memzero(s->write_token, sizeof(s->write_token));
	ks_web_index_close(s->index);
	ks_free(s);
}

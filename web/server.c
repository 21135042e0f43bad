/*
 * khaosat serve's HTTP server: see server.h.
 */
#include "server.h"
#include "pages.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "intl.h"
#include "repo.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SECRET_BYTES 16
#define MAX_URL 2048

struct ks_server {
	struct MHD_Daemon *mhd;
	struct ks_repo *repo;
	char secret[2 * SECRET_BYTES + 1];	/* hex */
	char host[2][80];	/* the Host headers that name this server */
	char url[160];
};

/* The headers every answer carries: nothing runs, nothing is fetched. */
static void guard(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; style-src 'self'; img-src 'self' data:; "
				"form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status,
				const char *type, const char *body, size_t len,
				const char *cookie, const char *location)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)body,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	guard(resp);
	MHD_add_response_header(resp, "Content-Type", type);
	if (cookie)
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	if (location)
		MHD_add_response_header(resp, "Location", location);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
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

static int has_body(struct MHD_Connection *c)
{
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (len && strcmp(len, "0")) ||
	       MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static const char *query_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
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

static enum MHD_Result answer(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct ks_server *s = cls;
	const char *host, *key;
	struct ks_web_req q;
	struct ks_web_reply r = { 0, NULL, KS_BUF_INIT };
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	/*
	 * Everything is decided on the first call, from the headers: a body
	 * is never read, only refused (MHD then closes the connection).
	 */
	if (*state == &uri_done) {
		*upload_size = 0;
		return MHD_YES;
	}
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
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return refuse(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			      _("only reading is served here"));
	if (has_body(c))
		return refuse(c, MHD_HTTP_BAD_REQUEST,
			      _("a request to read sends no body"));
	host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_HOST);
	if (!host || (strcmp(host, s->host[0]) && strcmp(host, s->host[1])))
		return refuse(c, 421, _("this server answers only at the address khaosat serve printed"));
	key = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "k");
	if (key && same_secret(s, key)) {
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
	if (!same_secret(s, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "ks")))
		return refuse(c, MHD_HTTP_FORBIDDEN,
			      _("open the address that khaosat serve printed, with its key"));
	q.repo = s->repo;
	q.path = url;
	q.arg = query_arg;
	q.ctx = c;
	if (ks_web_page(&q, &r) < 0 || ks_buf_failed(&r.body))
		ret = refuse(c, MHD_HTTP_INTERNAL_SERVER_ERROR, _("out of memory"));
	else
		ret = send_buf(c, r.status, r.type, r.body.ptr, r.body.len,
			       NULL, NULL);
	ks_buf_release(&r.body);
	return ret;
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
	if (!(s = ks_calloc(1, sizeof(*s))))
		return -1;
	s->repo = r;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(s->secret, sizeof(s->secret), raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				  answer, s,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				  MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL,
				  MHD_OPTION_END);
	if (!s->mhd) {
		ks_free(s);
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot listen on %s port %u: it is in use, or not this computer's",
				addr, o->port);
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
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
	MHD_stop_daemon(s->mhd);
	sodium_memzero(s->secret, sizeof(s->secret));
	ks_free(s);
}

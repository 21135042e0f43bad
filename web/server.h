/*
 * khaosat serve's HTTP server (libmicrohttpd): the survey's pages on the
 * laptop itself, behind a secret only the person who started it has.
 *
 * Every request is checked before any page sees it:
 *   - the Host header names the address served (no DNS rebinding);
 *   - the secret arrives once in the printed address (?k=...), is turned
 *     into an HttpOnly, SameSite=Strict cookie, and every later request
 *     must carry that cookie;
 *   - only GET and HEAD are answered (the pages write nothing yet), with
 *     bounded URLs and headers;
 *   - every answer carries a Content-Security-Policy that allows no
 *     script and nothing from elsewhere.
 * Requests are answered one at a time, on the server's own thread.
 */
#ifndef KS_WEB_SERVER_H
#define KS_WEB_SERVER_H

struct ks_diags;
struct ks_repo;
struct ks_server;

struct ks_serve_opts {
	const char *listen;	/* IPv4 address to listen on; NULL: 127.0.0.1 */
	unsigned port;		/* 0: a free port */
};

/*
 * Starts serving `r` (which the server's thread then uses; the caller
 * leaves it alone until ks_server_stop).  0, or KS_EIO/KS_EINVALID with
 * the reason in `d`.
 */
int ks_server_start(struct ks_server **out, struct ks_repo *r,
		    const struct ks_serve_opts *o, struct ks_diags *d);
/* The address to open: "http://127.0.0.1:PORT/?k=SECRET". */
const char *ks_server_url(const struct ks_server *s);
/* Stops accepting, finishes the request under way, frees everything. */
void ks_server_stop(struct ks_server *s);

#endif

/*
 * khaosat serve's HTTP server (libmicrohttpd): the survey's pages on the
 * laptop itself, behind a secret only the person who started it has.
 *
 * Every request is checked before any page sees it:
 *   - the Host header names the address served (no DNS rebinding);
 *   - the secret arrives once in the printed address (?k=...), is turned
 *     into an HttpOnly, SameSite=Strict cookie, and every later request
 *     must carry that cookie;
 *   - GET and HEAD read; POST sends a form (bounded, strictly decoded),
 *     and must also carry the per-run token every form holds (CSRF) and,
 *     when the browser says where it came from, this server's own origin;
 *   - forms are taken when the server listens on this laptop alone
 *     (127.0.0.1); on a LAN address the survey is shown read-only, unless
 *     the centre set a password for writing: who gives it at /login gets
 *     a second HttpOnly cookie that lets their forms in (a wrong password
 *     costs a second; after 20 of them logins stop until a restart);
 *   - every answer carries a Content-Security-Policy that allows nothing
 *     from elsewhere and no inline script.
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
	long lock_ms;		/* how long a save waits for the survey lock */
	const char *version;	/* the program's, on what it exports */
	/* On a LAN address: who gives this may write (NULL: nobody). */
	const char *write_password;
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

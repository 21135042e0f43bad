/*
 * libmicrohttpd, loaded when khaosat serve starts rather than with every
 * command.  Linked, it and GnuTLS under it cost every command 3 MB of
 * memory and about 1.4 ms of start; only serve uses them.
 *
 * Each function is called through ks_mhd with the library's own name and
 * type (MHD_queue_response as ks_mhd.queue_response), so the compiler
 * checks every call against <microhttpd.h>.
 */
#ifndef KS_MHD_H
#define KS_MHD_H

#include <microhttpd.h>

struct ks_diags;

struct ks_mhd {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_create_response_from_fd) *create_response_from_fd;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_create_post_processor) *create_post_processor;
	__typeof__(MHD_post_process) *post_process;
	__typeof__(MHD_destroy_post_processor) *destroy_post_processor;
};

/* Filled by ks_mhd_load(); all NULL before. */
extern struct ks_mhd ks_mhd;

/*
 * Loads the library once (later calls return at once).  0, or KS_EIO with
 * an error that names the library and the package it comes in.
 */
int ks_mhd_load(struct ks_diags *d);

#endif

/* A client for the Docker Engine API (Docker, or Podman's compatible service) on a
 * unix socket or over TCP with or without TLS, over libcurl. */
#ifndef VOLOWN_DOCTOR_ENGINE_H
#define VOLOWN_DOCTOR_ENGINE_H

#include <jansson.h>

#include "util.h"

struct engine;

/* Connect to HOST_OPTION (-H; NULL: DOCKER_HOST, else /var/run/docker.sock), with
 * the TLS settings of DOCKER_TLS_VERIFY, DOCKER_TLS and DOCKER_CERT_PATH, and check
 * that the engine answers. Returns NULL with *err set (owned) when it does not. */
struct engine *engine_open(const char *host_option, char **err);
void engine_close(struct engine *e);

/* The endpoint, for messages: "unix:///var/run/docker.sock", "tcp://h:2376 (TLS...)". */
const char *engine_where(const struct engine *e);
/* The unix socket's path, or NULL over TCP. */
const char *engine_socket(const struct engine *e);

/* One request. PATH starts with "/" and is put after the API version. BODY, when
 * not NULL, is sent as JSON. At most LIMIT bytes of the answer are kept in OUT
 * (the transfer stops there). Returns the HTTP status, or -1 with *err set. */
long engine_request(struct engine *e, const char *method, const char *path,
		    const json_t *body, struct buf *out, size_t limit, char **err);

/* A GET whose answer is handed to EAT piece by piece as it arrives; EAT returns 0
 * for more, 1 when it has all it wants (the transfer stops), -1 on a bad answer.
 * Returns the HTTP status, or -1 with *err set. */
long engine_stream(struct engine *e, const char *path, int (*eat)(const void *p, size_t n, void *ctx),
		   void *ctx, char **err);

/* A request whose answer is JSON. Returns the status; *out is the parsed answer
 * (or NULL). On a status of 400 or more *err is the engine's message. */
long engine_json(struct engine *e, const char *method, const char *path,
		 const json_t *body, json_t **out, char **err);

/* Percent-encode S for a URL's path or query. Owned. */
char *engine_escape(struct engine *e, const char *s);

#endif

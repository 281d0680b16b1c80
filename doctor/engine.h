/* A client for the Docker Engine API on its unix socket, over libcurl. */
#ifndef VOLOWN_DOCTOR_ENGINE_H
#define VOLOWN_DOCTOR_ENGINE_H

#include <jansson.h>

#include "util.h"

struct engine;

/* Connect to DOCKER_HOST (unix://PATH) or /var/run/docker.sock and check that the
 * engine answers. Returns NULL with *err set (owned) when it does not. */
struct engine *engine_open(char **err);
void engine_close(struct engine *e);

/* One request. PATH starts with "/" and is put after the API version. BODY, when
 * not NULL, is sent as JSON. At most LIMIT bytes of the answer are kept in OUT
 * (the transfer stops there). Returns the HTTP status, or -1 with *err set. */
long engine_request(struct engine *e, const char *method, const char *path,
		    const json_t *body, struct buf *out, size_t limit, char **err);

/* A request whose answer is JSON. Returns the status; *out is the parsed answer
 * (or NULL). On a status of 400 or more *err is the engine's message. */
long engine_json(struct engine *e, const char *method, const char *path,
		 const json_t *body, json_t **out, char **err);

/* Percent-encode S for a URL's path or query. Owned. */
char *engine_escape(struct engine *e, const char *s);

#endif

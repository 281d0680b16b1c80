#include "engine.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

/* The oldest API version that has everything we use (Mounts with NoCopy, archive). */
#define API_VERSION "v1.40"
#define DEFAULT_SOCKET "/var/run/docker.sock"
#define JSON_LIMIT (16u << 20)

struct engine {
	CURL *curl;
	char *socket;
};

struct sink {
	struct buf *out;
	size_t limit;
	int truncated;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;

	if (s->out->len + len > s->limit) {
		buf_add(s->out, p, s->limit - s->out->len);
		s->truncated = 1;
		return 0; /* stop the transfer: we have what we need */
	}
	buf_add(s->out, p, len);
	return len;
}

static char *socket_path(char **err)
{
	const char *host = getenv("DOCKER_HOST");

	if (!host || !*host)
		return xstrdup(DEFAULT_SOCKET);
	if (strncmp(host, "unix://", 7) == 0)
		return xstrdup(host + 7);
	*err = xasprintf("DOCKER_HOST=\"%s\" is not a unix:// socket; only a local engine "
			 "can be checked", host);
	return NULL;
}

struct engine *engine_open(char **err)
{
	struct engine *e;
	struct buf out = { 0 };
	long status;

	*err = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*err = xstrdup("cannot initialise libcurl");
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->socket = socket_path(err);
	if (!e->socket || !(e->curl = curl_easy_init())) {
		if (!*err)
			*err = xstrdup("cannot initialise libcurl");
		engine_close(e);
		return NULL;
	}
	status = engine_request(e, "GET", "/_ping", NULL, &out, 4096, err);
	buf_free(&out);
	if (status != 200) {
		char *why = *err ? *err : xasprintf("HTTP status %ld", status);

		*err = xasprintf("the Docker engine does not answer on %s: %s "
				 "(is dockerd running? may this user use the socket?)", e->socket, why);
		free(why);
		engine_close(e);
		return NULL;
	}
	return e;
}

void engine_close(struct engine *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	free(e->socket);
	free(e);
	curl_global_cleanup();
}

char *engine_escape(struct engine *e, const char *s)
{
	char *q = curl_easy_escape(e->curl, s, 0);
	char *r;

	if (!q)
		die("out of memory");
	r = xstrdup(q);
	curl_free(q);
	return r;
}

long engine_request(struct engine *e, const char *method, const char *path,
		    const json_t *body, struct buf *out, size_t limit, char **err)
{
	struct sink sink = { .out = out, .limit = limit };
	struct curl_slist *headers = NULL;
	char *url = xasprintf("http://localhost/" API_VERSION "%s", path);
	char *json = NULL;
	long status = -1;
	CURLcode rc;

	*err = NULL;
	curl_easy_reset(e->curl);
	curl_easy_setopt(e->curl, CURLOPT_UNIX_SOCKET_PATH, e->socket);
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	if (body) {
		json = json_dumps(body, JSON_COMPACT);
		if (!json)
			die("cannot encode a request to the engine");
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, json);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, "");
	}
	rc = curl_easy_perform(e->curl);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && sink.truncated))
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
	else
		*err = xasprintf("%s %s: %s", method, path, curl_easy_strerror(rc));
	curl_slist_free_all(headers);
	free(json);
	free(url);
	return status;
}

long engine_json(struct engine *e, const char *method, const char *path,
		 const json_t *body, json_t **out, char **err)
{
	struct buf b = { 0 };
	long status = engine_request(e, method, path, body, &b, JSON_LIMIT, err);
	json_error_t jerr;

	*out = NULL;
	if (status < 0) {
		buf_free(&b);
		return status;
	}
	if (b.len > 0)
		*out = json_loadb(b.data, b.len, 0, &jerr);
	if (status >= 400) {
		const char *msg = json_string_value(json_object_get(*out, "message"));

		*err = xasprintf("%s %s: %s", method, path, msg ? msg : b.data ? b.data : "no message");
		json_decref(*out);
		*out = NULL;
	}
	buf_free(&b);
	return status;
}

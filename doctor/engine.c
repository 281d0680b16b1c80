#include "engine.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "interrupt.h"

/* The oldest API version that has everything we use (Mounts with NoCopy, archive). */
#define API_VERSION "v1.40"
#define JSON_LIMIT (16u << 20)

struct engine {
	CURL *curl;
	struct endpoint ep;
	char *base; /* "http://localhost/v1.40", "https://HOST:PORT/v1.40" */
	char errbuf[CURL_ERROR_SIZE];
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

/* Cut a transfer short when a signal asks the doctor to stop (interrupt.h). */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)ctx, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return interrupt_abort() ? 1 : 0;
}

/* What to check when the engine does not answer, for the message. */
static const char *hint(const struct endpoint *ep)
{
	if (ep->kind == ENDPOINT_UNIX)
		return "is the engine running? may this user use the socket?";
	if (ep->tls)
		return "is the engine listening there with TLS? are DOCKER_CERT_PATH's ca.pem, "
		       "cert.pem and key.pem the ones it expects?";
	return "is the engine listening there, without TLS? (DOCKER_TLS_VERIFY=1 for TLS)";
}

struct engine *engine_open(const char *host_option, char **err)
{
	struct endpoint_env env;
	struct engine *e;
	struct buf out = { 0 };
	long status;

	*err = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*err = xstrdup("cannot initialise libcurl");
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	endpoint_env_read(&env, host_option);
	if (endpoint_parse(&env, &e->ep, err) < 0) {
		engine_close(e);
		return NULL;
	}
	if (e->ep.kind == ENDPOINT_UNIX)
		e->base = xstrdup("http://localhost/" API_VERSION);
	else
		e->base = xasprintf("%s://%s:%u/" API_VERSION, e->ep.tls ? "https" : "http", e->ep.host,
				    e->ep.port);
	if (!(e->curl = curl_easy_init())) {
		*err = xstrdup("cannot initialise libcurl");
		engine_close(e);
		return NULL;
	}
	status = engine_request(e, "GET", "/_ping", NULL, &out, 4096, err);
	if (status != 200) {
		char *why = *err ? *err : xasprintf("HTTP status %ld%s%.200s", status, out.len ? ": " : "",
						    out.len ? out.data : "");

		*err = xasprintf("the engine does not answer on %s: %s (%s)", e->ep.shown, why, hint(&e->ep));
		free(why);
		buf_free(&out);
		engine_close(e);
		return NULL;
	}
	buf_free(&out);
	return e;
}

const char *engine_where(const struct engine *e)
{
	return e->ep.shown;
}

const char *engine_socket(const struct engine *e)
{
	return e->ep.kind == ENDPOINT_UNIX ? e->ep.path : NULL;
}

void engine_close(struct engine *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	endpoint_free(&e->ep);
	free(e->base);
	free(e);
	curl_global_cleanup();
}

/* The connection settings of every request: the socket, or TLS with its files. */
static void set_transport(struct engine *e)
{
	const struct endpoint *ep = &e->ep;

	if (ep->kind == ENDPOINT_UNIX) {
		curl_easy_setopt(e->curl, CURLOPT_UNIX_SOCKET_PATH, ep->path);
		return;
	}
	if (!ep->tls)
		return;
	curl_easy_setopt(e->curl, CURLOPT_SSL_VERIFYPEER, ep->verify ? 1L : 0L);
	curl_easy_setopt(e->curl, CURLOPT_SSL_VERIFYHOST, ep->verify ? 2L : 0L);
	if (ep->ca)
		curl_easy_setopt(e->curl, CURLOPT_CAINFO, ep->ca);
	if (ep->cert)
		curl_easy_setopt(e->curl, CURLOPT_SSLCERT, ep->cert);
	if (ep->key)
		curl_easy_setopt(e->curl, CURLOPT_SSLKEY, ep->key);
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

/* The options every request to the engine shares: its transport, the URL, the error
 * buffer, no signals, a connect timeout, and the progress callback (interrupts). */
static void prepare(struct engine *e, const char *url)
{
	curl_easy_reset(e->curl);
	set_transport(e);
	e->errbuf[0] = '\0';
	curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, e->errbuf);
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e->curl, CURLOPT_NOPROGRESS, 0L);
}

long engine_request(struct engine *e, const char *method, const char *path,
		    const json_t *body, struct buf *out, size_t limit, char **err)
{
	struct sink sink = { .out = out, .limit = limit };
	struct curl_slist *headers = NULL;
	char *url = xasprintf("%s%s", e->base, path);
	char *json = NULL;
	long status = -1;
	CURLcode rc;

	*err = NULL;
	prepare(e, url);
	curl_easy_setopt(e->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &sink);
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
		*err = rc == CURLE_ABORTED_BY_CALLBACK
			       ? xasprintf("%s %s: interrupted", method, path)
			       : xasprintf("%s %s: %s", method, path,
					   e->errbuf[0] ? e->errbuf : curl_easy_strerror(rc));
	curl_slist_free_all(headers);
	free(json);
	free(url);
	return status;
}

struct stream {
	int (*eat)(const void *p, size_t n, void *ctx);
	void *ctx;
	int stopped; /* 1: done early, -1: the eater refused the answer */
	long status;
	CURL *curl;
};

static size_t on_stream(char *p, size_t size, size_t n, void *ctx)
{
	struct stream *s = ctx;
	int rc;

	/* An error status's body is not the stream: let it through unread. */
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status != 200)
		return size * n;
	rc = s->eat(p, size * n, s->ctx);
	if (rc == 0)
		return size * n;
	s->stopped = rc;
	return 0;
}

long engine_stream(struct engine *e, const char *path, int (*eat)(const void *p, size_t n, void *ctx),
		   void *ctx, char **err)
{
	struct stream st = { .eat = eat, .ctx = ctx, .curl = e->curl };
	char *url = xasprintf("%s%s", e->base, path);
	long status = -1;
	CURLcode rc;

	*err = NULL;
	prepare(e, url);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &st);
	rc = curl_easy_perform(e->curl);
	if (st.stopped < 0)
		*err = xasprintf("GET %s: the engine sent an answer that could not be read", path);
	else if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && st.stopped > 0))
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
	else
		*err = xasprintf("GET %s: %s", path, e->errbuf[0] ? e->errbuf : curl_easy_strerror(rc));
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

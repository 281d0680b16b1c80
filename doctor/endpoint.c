#include "endpoint.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* The docker CLI's defaults for tcp:// without a host or a port (opts.ParseTCPAddr
 * with DefaultTCPHost), with or without TLS. */
#define DEFAULT_TCP_HOST "localhost"
#define DEFAULT_TCP_PORT 2375u

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

void endpoint_env_read(struct endpoint_env *env, const char *host_option)
{
	env->host = nonempty(host_option) ? host_option : getenv("DOCKER_HOST");
	env->tls_verify = getenv("DOCKER_TLS_VERIFY");
	env->tls = getenv("DOCKER_TLS");
	env->cert_path = getenv("DOCKER_CERT_PATH");
	env->config_dir = getenv("DOCKER_CONFIG");
	env->home = getenv("HOME");
}

static int parse_port(const char *s, size_t n, unsigned *port)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/* "HOST:PORT", "[V6]:PORT", "HOST", ":PORT", "", each maybe followed by "/". */
static int parse_tcp(const char *addr, struct endpoint *ep, char **err)
{
	const char *slash = strchr(addr, '/');
	size_t len = slash ? (size_t)(slash - addr) : strlen(addr);
	const char *colon = NULL;

	if (slash && slash[1] != '\0') {
		*err = xasprintf("tcp://%s: a path after the address is not supported", addr);
		return -1;
	}
	if (len > 0 && addr[0] == '[') {
		const char *close = memchr(addr, ']', len);

		if (!close || (close + 1 < addr + len && close[1] != ':')) {
			*err = xasprintf("tcp://%s: a bad IPv6 address (write it as [ADDRESS]:PORT)", addr);
			return -1;
		}
		ep->host = xstrndup(addr, (size_t)(close - addr) + 1);
		colon = close + 1 < addr + len ? close + 1 : NULL;
	} else {
		for (const char *p = addr; p < addr + len; p++)
			if (*p == ':') {
				if (colon) {
					*err = xasprintf("tcp://%s: write an IPv6 address as [ADDRESS]:PORT", addr);
					return -1;
				}
				colon = p;
			}
		ep->host = xstrndup(addr, colon ? (size_t)(colon - addr) : len);
	}
	if (!*ep->host) {
		free(ep->host);
		ep->host = xstrdup(DEFAULT_TCP_HOST);
	}
	ep->port = DEFAULT_TCP_PORT;
	if (colon && parse_port(colon + 1, (size_t)(addr + len - colon - 1), &ep->port) < 0) {
		*err = xasprintf("tcp://%s: the port must be a number from 1 to 65535", addr);
		return -1;
	}
	return 0;
}

/* The file DIR/NAME if it exists, else NULL (owned). */
static char *existing_file(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);

	if (access(p, F_OK) == 0)
		return p;
	free(p);
	return NULL;
}

static void parse_tls(const struct endpoint_env *env, struct endpoint *ep)
{
	char *dir;

	ep->verify = nonempty(env->tls_verify) != NULL;
	ep->tls = ep->verify || nonempty(env->tls) != NULL;
	if (!ep->tls)
		return;
	if (nonempty(env->cert_path))
		dir = xstrdup(env->cert_path);
	else if (nonempty(env->config_dir))
		dir = xstrdup(env->config_dir);
	else
		dir = xasprintf("%s/.docker", nonempty(env->home) ? env->home : "");
	if (ep->verify)
		ep->ca = xasprintf("%s/ca.pem", dir);
	ep->cert = existing_file(dir, "cert.pem");
	ep->key = existing_file(dir, "key.pem");
	free(dir);
}

static char *shown(const struct endpoint *ep)
{
	if (ep->kind == ENDPOINT_UNIX)
		return xasprintf("unix://%s", ep->path);
	if (!ep->tls)
		return xasprintf("tcp://%s:%u", ep->host, ep->port);
	if (!ep->verify)
		return xasprintf("tcp://%s:%u (TLS, the engine's certificate not verified)", ep->host, ep->port);
	return xasprintf("tcp://%s:%u (TLS, verified against %s)", ep->host, ep->port, ep->ca);
}

int endpoint_parse(const struct endpoint_env *env, struct endpoint *ep, char **err)
{
	const char *host = nonempty(env->host);
	const char *sep;

	memset(ep, 0, sizeof(*ep));
	*err = NULL;
	if (!host) {
		ep->kind = ENDPOINT_UNIX;
		ep->path = xstrdup(ENDPOINT_DEFAULT_SOCKET);
	} else if (strncmp(host, "unix://", 7) == 0) {
		ep->kind = ENDPOINT_UNIX;
		ep->path = xstrdup(host[7] ? host + 7 : ENDPOINT_DEFAULT_SOCKET);
	} else if (strncmp(host, "tcp://", 6) == 0 || !strstr(host, "://")) {
		ep->kind = ENDPOINT_TCP;
		if (parse_tcp(strncmp(host, "tcp://", 6) == 0 ? host + 6 : host, ep, err) < 0)
			goto fail;
		parse_tls(env, ep);
	} else {
		sep = strstr(host, "://");
		if (strncmp(host, "ssh://", 6) == 0)
			*err = xasprintf("DOCKER_HOST=\"%s\": ssh:// is not supported; forward the engine's "
					 "socket (ssh -L /tmp/docker.sock:/var/run/docker.sock HOST) and use "
					 "DOCKER_HOST=unix:///tmp/docker.sock", host);
		else
			*err = xasprintf("DOCKER_HOST=\"%s\": %.*s:// is not supported (unix:// or tcp://)",
					 host, (int)(sep - host), host);
		goto fail;
	}
	ep->shown = shown(ep);
	return 0;
fail:
	endpoint_free(ep);
	return -1;
}

void endpoint_free(struct endpoint *ep)
{
	free(ep->path);
	free(ep->host);
	free(ep->ca);
	free(ep->cert);
	free(ep->key);
	free(ep->shown);
	memset(ep, 0, sizeof(*ep));
}

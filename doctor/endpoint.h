/* Where the engine's API is and how to reach it, from -H or DOCKER_HOST and the
 * TLS variables, read as the docker CLI reads them. */
#ifndef VOLOWN_DOCTOR_ENDPOINT_H
#define VOLOWN_DOCTOR_ENDPOINT_H

#include <stdbool.h>

#define ENDPOINT_DEFAULT_SOCKET "/var/run/docker.sock"

enum endpoint_kind { ENDPOINT_UNIX, ENDPOINT_TCP };

struct endpoint {
	enum endpoint_kind kind;
	char *path;    /* unix: the socket */
	char *host;    /* tcp: a name, an IPv4 address or [an IPv6 address] */
	unsigned port; /* tcp */
	bool tls;      /* tcp: https */
	bool verify;   /* tcp with TLS: check the engine's certificate and name */
	char *ca;      /* with verify: the CA certificate */
	char *cert;    /* the client certificate and its key, NULL when absent */
	char *key;
	char *shown; /* for messages: "tcp://127.0.0.1:2376 (TLS, verified against /x/ca.pem)" */
};

/* What the endpoint is read from: each NULL when unset. */
struct endpoint_env {
	const char *host;	/* -H, else DOCKER_HOST */
	const char *tls_verify; /* DOCKER_TLS_VERIFY: non-empty means TLS and verify */
	const char *tls;	/* DOCKER_TLS: non-empty means TLS without verify */
	const char *cert_path;	/* DOCKER_CERT_PATH, else the config directory */
	const char *config_dir; /* DOCKER_CONFIG, else $HOME/.docker */
	const char *home;	/* HOME */
};

/* The environment's values, HOST_OPTION (-H) winning over DOCKER_HOST. */
void endpoint_env_read(struct endpoint_env *env, const char *host_option);

/* Parse ENV into EP. Returns 0, or -1 with *err set (owned): a scheme the doctor
 * cannot speak (ssh://, fd://, npipe://), a bad port, a path after the port. The
 * certificate and key are kept only if the files exist, as the docker CLI does. */
int endpoint_parse(const struct endpoint_env *env, struct endpoint *ep, char **err);
void endpoint_free(struct endpoint *ep);

#endif

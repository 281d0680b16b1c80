/* Unit tests of how the doctor reaches an engine and maps ids: DOCKER_HOST and the
 * TLS variables read as the docker CLI reads them, subordinate id files, and the
 * translation between container and host ids. Table-driven, TAP output. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endpoint.h"
#include "idmap.h"
#include "tap.h"

static void test_hosts(void)
{
	static const struct {
		const char *host;
		const char *shown; /* NULL: an error, whose message must contain `error` */
		const char *error;
	} cases[] = {
		{ NULL, "unix:///var/run/docker.sock", NULL },
		{ "", "unix:///var/run/docker.sock", NULL },
		{ "unix:///run/user/1000/docker.sock", "unix:///run/user/1000/docker.sock", NULL },
		{ "unix://", "unix:///var/run/docker.sock", NULL },
		{ "tcp://127.0.0.1:2376", "tcp://127.0.0.1:2376", NULL },
		{ "tcp://engine.example:2375/", "tcp://engine.example:2375", NULL },
		{ "tcp://engine.example", "tcp://engine.example:2375", NULL },
		{ "tcp://:4243", "tcp://localhost:4243", NULL },
		{ "tcp://", "tcp://localhost:2375", NULL },
		{ "engine.example:2375", "tcp://engine.example:2375", NULL },
		{ "tcp://[::1]:2376", "tcp://[::1]:2376", NULL },
		{ "tcp://[::1]", "tcp://[::1]:2375", NULL },
		{ "tcp://h:0", NULL, "the port must be a number from 1 to 65535" },
		{ "tcp://h:65536", NULL, "the port must be a number from 1 to 65535" },
		{ "tcp://h:23x", NULL, "the port must be a number" },
		{ "tcp://h:2375/v1", NULL, "a path after the address" },
		{ "tcp://::1:2375", NULL, "[ADDRESS]:PORT" },
		{ "tcp://[::1", NULL, "a bad IPv6 address" },
		{ "ssh://me@engine", NULL, "ssh:// is not supported; forward the engine's socket" },
		{ "fd://", NULL, "fd:// is not supported" },
		{ "npipe:////./pipe/docker_engine", NULL, "npipe:// is not supported" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct endpoint_env env = { .host = cases[i].host };
		struct endpoint ep;
		char *err = NULL;
		int rc = endpoint_parse(&env, &ep, &err);

		if (cases[i].shown) {
			is_str(rc == 0 ? ep.shown : err, cases[i].shown, "DOCKER_HOST=\"%s\"",
			       cases[i].host ? cases[i].host : "(unset)");
			endpoint_free(&ep);
		} else {
			ok(rc < 0 && err && strstr(err, cases[i].error), "DOCKER_HOST=\"%s\" is refused (%s)",
			   cases[i].host, err ? err : "no message");
		}
		free(err);
	}
}

/* A directory with the files NAMES ("ca.pem", ...) in it; owned by the caller. */
static char *cert_dir(const char *const *names)
{
	char *dir = strdup("/tmp/volown-unit-certs-XXXXXX");

	if (!dir || !mkdtemp(dir))
		abort();
	for (; *names; names++) {
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, *names);
		f = fopen(path, "w");
		if (!f)
			abort();
		fclose(f);
	}
	return dir;
}

static void remove_dir(char *dir)
{
	const char *names[] = { "ca.pem", "cert.pem", "key.pem" };

	for (size_t i = 0; i < 3; i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	free(dir);
}

static void test_tls(void)
{
	const char *all[] = { "ca.pem", "cert.pem", "key.pem", NULL };
	const char *ca_only[] = { "ca.pem", NULL };
	char *full = cert_dir(all), *bare = cert_dir(ca_only);
	char want[300];
	struct endpoint ep;
	char *err = NULL;

	/* DOCKER_TLS_VERIFY (any non-empty value, even "0", as the docker CLI reads it). */
	struct endpoint_env env = { .host = "tcp://h:2376", .tls_verify = "0", .cert_path = full };
	ok(endpoint_parse(&env, &ep, &err) == 0 && ep.tls && ep.verify, "DOCKER_TLS_VERIFY=0 still verifies");
	snprintf(want, sizeof(want), "%s/ca.pem", full);
	is_str(ep.ca, want, "the CA is DOCKER_CERT_PATH/ca.pem");
	snprintf(want, sizeof(want), "%s/cert.pem", full);
	is_str(ep.cert, want, "the client certificate is DOCKER_CERT_PATH/cert.pem");
	snprintf(want, sizeof(want), "tcp://h:2376 (TLS, verified against %s/ca.pem)", full);
	is_str(ep.shown, want, "the endpoint says how it is checked");
	endpoint_free(&ep);

	/* No client certificate in the directory: none is sent, as with the CLI. */
	env = (struct endpoint_env){ .host = "tcp://h:2376", .tls_verify = "1", .cert_path = bare };
	ok(endpoint_parse(&env, &ep, &err) == 0 && ep.verify && !ep.cert && !ep.key,
	   "missing cert.pem and key.pem are left out");
	endpoint_free(&ep);

	/* DOCKER_TLS without DOCKER_TLS_VERIFY: TLS, the engine's certificate unchecked. */
	env = (struct endpoint_env){ .host = "tcp://h:2376", .tls = "1", .cert_path = full };
	ok(endpoint_parse(&env, &ep, &err) == 0 && ep.tls && !ep.verify && !ep.ca && ep.cert,
	   "DOCKER_TLS=1: TLS without verification, with the client certificate");
	is_str(ep.shown, "tcp://h:2376 (TLS, the engine's certificate not verified)", "and says so");
	endpoint_free(&ep);

	/* The certificates' directory: DOCKER_CERT_PATH, else DOCKER_CONFIG, else ~/.docker. */
	env = (struct endpoint_env){ .host = "tcp://h:2376", .tls_verify = "1", .config_dir = "/cfg",
				     .home = "/home/u" };
	ok(endpoint_parse(&env, &ep, &err) == 0, "DOCKER_CONFIG");
	is_str(ep.ca, "/cfg/ca.pem", "the CA in DOCKER_CONFIG");
	endpoint_free(&ep);
	env = (struct endpoint_env){ .host = "tcp://h:2376", .tls_verify = "1", .home = "/home/u" };
	ok(endpoint_parse(&env, &ep, &err) == 0, "HOME");
	is_str(ep.ca, "/home/u/.docker/ca.pem", "the CA in ~/.docker");
	endpoint_free(&ep);

	/* No TLS variable: plain HTTP; TLS variables do not apply to a unix socket. */
	env = (struct endpoint_env){ .host = "tcp://h:2375", .cert_path = full };
	ok(endpoint_parse(&env, &ep, &err) == 0 && !ep.tls && !ep.ca, "plain tcp:// without TLS");
	endpoint_free(&ep);
	env = (struct endpoint_env){ .host = "unix:///s", .tls_verify = "1", .cert_path = full };
	ok(endpoint_parse(&env, &ep, &err) == 0 && !ep.tls, "unix:// ignores DOCKER_TLS_VERIFY");
	endpoint_free(&ep);
	remove_dir(full);
	remove_dir(bare);
}

static void test_idmap(void)
{
	static const char subuid[] = "alice:100000:65536\n"
				     "dockremap:165536:65536\n"
				     "1002:231072:1000\n"
				     "bad line\n"
				     "dockremap:300000:10\n"
				     "zero:400000:0\n";
	struct idmap m = { 0 };
	char *owner, *words;

	ok(idmap_to_host(&m, 1000) == 1000 && idmap_to_container(&m, 5) == 5, "no map is the identity");

	/* --userns-remap: the user whose range starts at the data root's uid, every range. */
	owner = subid_owner_at(subuid, 165536);
	is_str(owner, "dockremap", "the user whose range starts at 165536");
	ok(subid_append(&m, subuid, owner, -1, 0) == 2, "both of its ranges");
	ok(idmap_to_host(&m, 0) == 165536 && idmap_to_host(&m, 1000) == 166536, "container 0 and 1000");
	ok(idmap_to_host(&m, 65535) == 231071 && idmap_to_host(&m, 65536) == 300000,
	   "the second range follows the first");
	ok(idmap_to_host(&m, 65546) == -1, "past every range: no host id");
	ok(idmap_to_container(&m, 166536) == 1000 && idmap_to_container(&m, 300009) == 65545,
	   "host ids back to the container's");
	ok(idmap_to_container(&m, 0) == -1 && idmap_to_container(&m, 1000) == -1,
	   "the host's root and users are outside the namespace");
	words = idmap_describe(&m);
	is_str(words, "0-65535 -> 165536-231071, 65536-65545 -> 300000-300009", "described");
	free(words);
	free(owner);
	idmap_free(&m);

	/* Rootless: 0 is the user, 1 and up its subordinate ids; a line may name the uid. */
	idmap_add(&m, 0, 1002, 1);
	ok(subid_append(&m, subuid, "carol", 1002, 1) == 1, "a line naming the uid 1002");
	ok(idmap_to_host(&m, 0) == 1002 && idmap_to_host(&m, 1) == 231072 && idmap_to_host(&m, 1000) == 232071,
	   "rootless: 0 -> the user, 1000 -> its subordinate 999th");
	ok(idmap_to_host(&m, 1001) == -1, "past its 1000 ids: none");
	idmap_free(&m);

	ok(subid_append(&m, subuid, "nobody", -1, 0) == 0 && m.n == 0, "a user without ranges");
	ok(subid_append(&m, subuid, "zero", -1, 0) == 0, "a range of 0 ids is not one");
	owner = subid_owner_at(subuid, 123);
	ok(owner == NULL, "no range starts at 123");
	free(owner);
}

int main(void)
{
	test_hosts();
	test_tls();
	test_idmap();
	return tap_done();
}

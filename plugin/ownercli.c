/* ownercli.c - see ownercli.h */
#include "ownercli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "ownfile.h"
#include "owners.h"
#include "ownstate.h"
#include "tenancy.h"
#include "text.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cnauthz owners [--state-dir DIR] list [--json]\n"
		"       cnauthz owners [--state-dir DIR] set KIND REF OWNER [--ou OU]\n"
		"       cnauthz owners [--state-dir DIR] unset KIND REF\n"
		"KIND: container, exec, volume, network, image; OWNER: a CN or @local.\n"
		"  --state-dir DIR  the daemon's state directory (default %s,\n"
		"                   or CNAUTHZ_STATE_DIR)\n"
		"  --json           list: the state file's JSON\n"
		"  --ou OU          set: the owner's certificate OU, for share-ou=\n",
		CNAUTHZ_STATE_DIR);
}

/*
 * One request to the daemon's control socket: its whole answer in *out.
 * 0; -1 with errno ENOENT or ECONNREFUSED when no daemon listens, other
 * errors said on stderr.
 */
static int ask(const char *dir, const char *request, struct buf *out)
{
	struct sockaddr_un sa;
	size_t off = 0, len = strlen(request);
	int fd, e;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	tenancy_control_path(dir, sa.sun_path, sizeof sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	while (off < len) {
		ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);

		if (n <= 0) {
			fprintf(stderr, "cnauthz owners: %s: %s\n", sa.sun_path,
				strerror(errno));
			close(fd);
			errno = EIO;
			return -1;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		char b[16384];
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0) {
			fprintf(stderr, "cnauthz owners: the daemon did not answer\n");
			close(fd);
			errno = EIO;
			return -1;
		}
		n = read(fd, b, sizeof b);
		if (n <= 0)
			break;
		buf_add(out, b, (size_t)n);
	}
	close(fd);
	if (buf_cstr(out) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static void print_table(const char *text, size_t len)
{
	static const char *const sections[] = {"containers", "execs", "volumes",
					       "networks", "tags"};
	static const char *const kinds[] = {"container", "exec", "volume",
					    "network", "image"};
	static const char *const keys[] = {"id", "id", "name", "id", "tag"};
	json_t *root = json_loadb(text, len, 0, NULL);

	printf("%-10s %-20s %-12s %-14s %s\n", "KIND", "OWNER", "OU", "ID",
	       "NAME");
	for (size_t s = 0; s < 5; s++) {
		json_t *list = json_object_get(root, sections[s]), *e;
		size_t i;

		json_array_foreach(list, i, e) {
			const char *key = json_string_value(json_object_get(e, keys[s]));
			const char *cn = json_string_value(json_object_get(e, "owner"));
			const char *ou = json_string_value(json_object_get(e, "ou"));
			const char *name = json_string_value(json_object_get(e, "name"));
			bool id = s != 2 && s != 4;

			if (key == NULL)
				continue;
			printf("%-10s %-20s %-12s %-14.*s %s\n", kinds[s],
			       cn ? cn : "-", ou ? ou : "-", id ? 12 : 1,
			       id ? key : "-", id ? (name ? name : "-") : key);
		}
	}
	json_decref(root);
}

static int list(const char *dir, bool json)
{
	struct buf out;
	const char *nl;
	char why[600];
	size_t len;
	int status = 0;

	buf_init(&out);
	if (ask(dir, "{\"cmd\":\"dump\"}\n", &out) < 0) {
		struct owners *o;
		char *text;

		if (errno != ENOENT && errno != ECONNREFUSED) {
			buf_free(&out);
			return 2;
		}
		o = ownfile_read(dir, why, sizeof why);
		if (o == NULL) {
			fprintf(stderr, "cnauthz owners: %s\n", why);
			buf_free(&out);
			return 2;
		}
		fprintf(stderr,
			"cnauthz owners: no daemon answers on %s/control.sock: "
			"%s/%s as it was last written\n", dir, dir, OWNFILE_NAME);
		text = owners_dump(o, &len, NULL);
		owners_free(o);
		if (text == NULL)
			return 2;
		if (json)
			fwrite(text, 1, len, stdout);
		else
			print_table(text, len);
		free(text);
		return 0;
	}
	nl = memchr(out.p, '\n', out.len);
	if (nl == NULL || strncmp(out.p, "ok ", 3) != 0) {
		fprintf(stderr, "cnauthz owners: %s\n", out.p);
		buf_free(&out);
		return 2;
	}
	if (strncmp(out.p, "ok ownership can be judged", 26) != 0) {
		fprintf(stderr, "cnauthz owners: %.*s\n", (int)(nl - out.p - 3),
			out.p + 3);
		status = 1;
	}
	len = out.len - (size_t)(nl + 1 - out.p);
	if (json)
		fwrite(nl + 1, 1, len, stdout);
	else
		print_table(nl + 1, len);
	buf_free(&out);
	return status;
}

static int set(const char *dir, const char *kind, const char *ref,
	       const char *owner, const char *ou)
{
	json_t *rq = json_pack("{s:s,s:s,s:s,s:s}", "cmd", "set", "kind", kind,
			       "ref", ref, "owner", owner);
	struct buf out;
	char *text;
	int status;

	if (rq == NULL)
		return 2;
	if (ou != NULL)
		json_object_set_new(rq, "ou", json_string(ou));
	text = json_dumps(rq, JSON_COMPACT);
	json_decref(rq);
	if (text == NULL)
		return 2;
	buf_init(&out);
	{
		char *line = realloc(text, strlen(text) + 2);

		if (line == NULL) {
			free(text);
			return 2;
		}
		text = line;
	}
	strcat(text, "\n");
	if (ask(dir, text, &out) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr,
				"cnauthz owners: no daemon answers on %s/control.sock: "
				"owners are assigned through the running daemon\n",
				dir);
		free(text);
		buf_free(&out);
		return 2;
	}
	free(text);
	status = strncmp(out.p, "ok ", 3) == 0 ? 0 : 1;
	fprintf(status ? stderr : stdout, "%s%s",
		status ? "cnauthz owners: " : "", out.p + (status ? 0 : 3));
	buf_free(&out);
	return status;
}

/* A usage error: what is wrong, then where the options are; exit 2. */
static int misuse(const char *what)
{
	fprintf(stderr, "cnauthz owners: %s\n"
			"(cnauthz owners --help lists the options)\n", what);
	return 2;
}

/* The state directory: --state-dir, else CNAUTHZ_STATE_DIR, else the
 * daemon's default (as serve, test and replay take it). */
static const char *default_dir(void)
{
	const char *d = getenv("CNAUTHZ_STATE_DIR");

	return d != NULL && d[0] != '\0' ? d : CNAUTHZ_STATE_DIR;
}

int ownercli_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"state-dir", required_argument, NULL, 'S'},
		{"json", no_argument, NULL, 'j'},
		{"ou", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = default_dir(), *ou = NULL, *cmd = NULL;
	char what[200];
	bool json = false;
	int c;

	optind = 1;
	opterr = 0; /* what is wrong is said below, in a sentence */
	/* options before and after the command */
	for (int pass = 0; pass < 2; pass++) {
		while ((c = getopt_long(argc, argv, pass ? ":h" : "+:h",
					longopts, NULL)) != -1) {
			switch (c) {
			case 'S': dir = optarg; break;
			case 'j': json = true; break;
			case 'o': ou = optarg; break;
			case 'h': opterr = 1; usage(stdout); return 0;
			case ':':
				opterr = 1;
				snprintf(what, sizeof what, "%s needs a value",
					 argv[optind - 1]);
				return misuse(what);
			default:
				opterr = 1;
				snprintf(what, sizeof what,
					 "unknown option \"%.100s\"",
					 argv[optind - 1]);
				return misuse(what);
			}
		}
		if (pass == 0) {
			if (optind == argc) {
				opterr = 1;
				return misuse("list, set or unset?");
			}
			cmd = argv[optind++];
		}
	}
	opterr = 1;
	if (strcmp(cmd, "list") == 0) {
		if (optind != argc)
			goto extra;
		if (ou != NULL)
			return misuse("--ou goes with set");
		return list(dir, json);
	}
	if (strcmp(cmd, "set") == 0 || strcmp(cmd, "unset") == 0) {
		bool is_set = cmd[0] == 's';
		int want = is_set ? 3 : 2;

		if (json)
			return misuse("--json goes with list");
		if (ou != NULL && !is_set)
			return misuse("--ou goes with set");
		if (argc - optind < want) {
			snprintf(what, sizeof what, "%s takes %s", cmd,
				 is_set ? "KIND REF OWNER" : "KIND REF");
			return misuse(what);
		}
		if (argc - optind > want) {
			optind += want;
			goto extra;
		}
		return set(dir, argv[optind], argv[optind + 1],
			   is_set ? argv[optind + 2] : "", is_set ? ou : NULL);
	}
	snprintf(what, sizeof what,
		 "unknown command \"%.100s\" (list, set or unset)", cmd);
	return misuse(what);
extra:
	snprintf(what, sizeof what, "unexpected argument \"%.100s\"",
		 argv[optind]);
	return misuse(what);
}

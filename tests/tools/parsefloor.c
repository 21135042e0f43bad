/*
 * parsefloor: the least work any YAML record checker must do, as a floor
 * for benchmarking `khaosat check`: walk the folders, read each .yaml file
 * and run libyaml's parser over all its events.  Nothing is built, checked
 * or kept.
 *
 *   parsefloor DIR...
 *
 * Prints "N files, E events, B bytes" on standard output.  Exit 0, or 1
 * when a file cannot be read or parsed (named on standard error).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

static unsigned long nfiles, nevents;
static unsigned long long nbytes;
static unsigned char *data;
static size_t cap;

static int parse_file(const char *path)
{
	yaml_parser_t p;
	yaml_event_t ev;
	size_t len = 0;
	int fd = open(path, O_RDONLY), done = 0, err = 0;

	if (fd < 0) {
		fprintf(stderr, "parsefloor: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			unsigned char *bigger;

			cap = cap ? cap * 2 : 65536;
			bigger = realloc(data, cap);
			if (!bigger) {
				close(fd);
				return -1;
			}
			data = bigger;
		}
		n = read(fd, data + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "parsefloor: %s: %s\n", path,
				strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	nfiles++;
	nbytes += len;
	if (!yaml_parser_initialize(&p))
		return -1;
	yaml_parser_set_input_string(&p, data, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "parsefloor: %s:%zu:%zu: %s\n", path,
				p.problem_mark.line + 1,
				p.problem_mark.column + 1,
				p.problem ? p.problem : "parse error");
			err = -1;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		nevents++;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return err;
}

static int walk(char *path, size_t len, size_t cap_path)
{
	DIR *dh = opendir(path);
	struct dirent *e;
	int err = 0;

	if (!dh) {
		fprintf(stderr, "parsefloor: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(dh))) {
		size_t n = strlen(e->d_name);
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (len + 1 + n + 1 > cap_path) {
			err = -1;
			continue;
		}
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			err |= walk(path, len + 1 + n, cap_path);
		else if (S_ISREG(st.st_mode) && n > 5 &&
			 !strcmp(e->d_name + n - 5, ".yaml"))
			err |= parse_file(path);
	}
	path[len] = '\0';
	closedir(dh);
	return err;
}

int main(int argc, char **argv)
{
	char path[4096];
	int i, err = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: parsefloor DIR...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (n >= sizeof(path))
			return 2;
		memcpy(path, argv[i], n + 1);
		while (n > 1 && path[n - 1] == '/')
			path[--n] = '\0';
		err |= walk(path, n, sizeof(path));
	}
	printf("%lu files, %lu events, %llu bytes\n", nfiles, nevents, nbytes);
	free(data);
	return err ? 1 : 0;
}

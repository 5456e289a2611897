// The C twin of app.js: the same command built with Debian's clang and
// wasi-libc (WASI preview 1), made a WASI 0.2 component with jco's preview-1
// command adapter (scripts/build_examples.ts). It prints what app.js prints,
// but for its first line, through libc instead of the WASI interfaces.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int compare(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

// JSON.stringify of a string, for the ASCII and UTF-8 text the tests pass.
static void print_json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
    else putchar(*s);
  }
  putchar('"');
}

int main(int argc, char **argv) {
  printf("wasi-command: hello from C in a component\n");
  printf("args: %d [", argc);
  for (int i = 0; i < argc; i++) {
    if (i > 0) putchar(',');
    print_json_string(argv[i]);
  }
  printf("]\n");

  size_t count = 0;
  while (environ[count] != NULL) count++;
  char **sorted = malloc(count * sizeof(char *));
  memcpy(sorted, environ, count * sizeof(char *));
  qsort(sorted, count, sizeof(char *), compare);
  for (size_t i = 0; i < count; i++) printf("env: %s\n", sorted[i]);
  free(sorted);

  char cwd[256];
  printf("cwd: %s\n", getcwd(cwd, sizeof cwd) == NULL ? "(none)" : cwd);

  if (argc < 2) {
    fprintf(stderr, "usage: wasi-command FILE\n");
    return 2;
  }
  const char *path = argv[1];
  struct timespec start, end, resolution;
  clock_gettime(CLOCK_MONOTONIC, &start);
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    fprintf(stderr, "wasi-command: cannot read %s: %s\n", path, strerror(errno));
    return 1;
  }
  static char text[65536];
  size_t size = fread(text, 1, sizeof text - 1, file);
  fclose(file);
  text[size] = '\0';
  clock_gettime(CLOCK_MONOTONIC, &end);

  int lines = 0;
  for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    if (lines++ == 0) printf("file: %s (%zu bytes)\n", path, size);
    printf("| %s\n", line);
  }

  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  struct tm utc;
  gmtime_r(&wall.tv_sec, &utc);
  char iso[32];
  strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &utc);
  printf("wall-clock: %s.%03ldZ\n", iso, wall.tv_nsec / 1000000);
  clock_getres(CLOCK_MONOTONIC, &resolution);
  long long elapsed = (long long)(end.tv_sec - start.tv_sec) * 1000000000LL +
                      (end.tv_nsec - start.tv_nsec);
  printf("monotonic: read took %lld ns, resolution %lld ns\n", elapsed,
         (long long)resolution.tv_sec * 1000000000LL + resolution.tv_nsec);
  unsigned char random[16];
  if (getentropy(random, sizeof random) != 0) return 1;
  printf("random: ");
  for (size_t i = 0; i < sizeof random; i++) printf("%02x", random[i]);
  printf("\n");

  const char *code = getenv("EXIT_CODE");
  int status = code == NULL ? 0 : atoi(code);
  printf("exit: %d\n", status);
  fflush(stdout);
  return status;
}

// cli_hello: a WASI command (wasi-libc + the preview1 command adapter) for host tests.
//
// Every run prints "hello\n" with printf, then performs one subcommand given as argv[1]:
//   args A B ...      prints "argc=N" (counting argv[0]) and "argv[i]=<arg>" for i >= 1;
//                     argv[0] is left out because each runner names the program differently
//   env NAME ...      prints "NAME=value", or "NAME unset", for each name in order
//   cat PATH          copies the file at PATH to stdout
//   ls DIR            prints the entries of DIR (without . and ..), sorted, one per line
//   write PATH TEXT   creates/truncates PATH with TEXT and prints "wrote N bytes to PATH"
//   stderr TEXT       writes "TEXT\n" to stderr
//   alloc MB          mallocs 1 MiB blocks until MB MiB or the first failure, and
//                     prints "allocated N MiB" (libc's heap grows the linear memory: a runner's
//                     memory cap must stop it)
//   exit N            exits with status N (wasi:cli/exit@0.2 carries only ok/err: the preview1
//                     adapter maps any N != 0 to err, which runners report as exit code 1)
// Failures print "cli_hello: <what> <path>: <strerror>" to stderr and exit with status 1; an
// unknown subcommand prints "cli_hello: unknown command <cmd>" and exits with status 2 (so 1).
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int Fail(const char* what, const char* path) {
  fprintf(stderr, "cli_hello: %s %s: %s\n", what, path, strerror(errno));
  return 1;
}

static int Cat(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return Fail("open", path);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  int failed = ferror(f);
  fclose(f);
  return failed ? Fail("read", path) : 0;
}

static int CompareNames(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

static int List(const char* path) {
  DIR* dir = opendir(path);
  if (!dir) return Fail("opendir", path);
  char* names[256];
  size_t count = 0;
  struct dirent* entry;
  while ((entry = readdir(dir)) != NULL && count < 256) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    names[count++] = strdup(entry->d_name);
  }
  closedir(dir);
  qsort(names, count, sizeof names[0], CompareNames);
  for (size_t i = 0; i < count; i++) {
    printf("%s\n", names[i]);
    free(names[i]);
  }
  return 0;
}

static int Write(const char* path, const char* text) {
  FILE* f = fopen(path, "wb");
  if (!f) return Fail("create", path);
  size_t len = strlen(text);
  size_t written = fwrite(text, 1, len, f);
  if (fclose(f) != 0 || written != len) return Fail("write", path);
  printf("wrote %zu bytes to %s\n", len, path);
  return 0;
}

// Blocks are chained through their first bytes and the chain published in a volatile global,
// so the compiler cannot drop the allocations (it removes a malloc nothing reads). Only that
// word is written: the point is growing linear memory, and writing whole blocks here trips the
// preview1 adapter's state check (under jco too).
static char* volatile allocated;

static int Alloc(long limit_mb) {
  fflush(stdout);  // the adapter sets up its state on its first call: make that happen first
  long mb = 0;
  while (mb < limit_mb) {
    char* block = malloc(1 << 20);
    if (!block) break;
    *(char**)block = allocated;
    allocated = block;
    ++mb;
  }
  printf("allocated %ld MiB\n", mb);
  return 0;
}

int main(int argc, char** argv) {
  printf("hello\n");
  if (argc < 2) return 0;
  const char* cmd = argv[1];
  if (strcmp(cmd, "args") == 0) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    return 0;
  }
  if (strcmp(cmd, "env") == 0) {
    for (int i = 2; i < argc; i++) {
      const char* value = getenv(argv[i]);
      if (value) {
        printf("%s=%s\n", argv[i], value);
      } else {
        printf("%s unset\n", argv[i]);
      }
    }
    return 0;
  }
  if (strcmp(cmd, "cat") == 0 && argc == 3) return Cat(argv[2]);
  if (strcmp(cmd, "ls") == 0 && argc == 3) return List(argv[2]);
  if (strcmp(cmd, "write") == 0 && argc == 4) return Write(argv[2], argv[3]);
  if (strcmp(cmd, "stderr") == 0 && argc == 3) {
    fprintf(stderr, "%s\n", argv[2]);
    return 0;
  }
  if (strcmp(cmd, "alloc") == 0 && argc == 3) return Alloc(atol(argv[2]));
  if (strcmp(cmd, "exit") == 0 && argc == 3) {
    fflush(stdout);
    exit(atoi(argv[2]));
  }
  fprintf(stderr, "cli_hello: unknown command %s\n", cmd);
  return 2;
}

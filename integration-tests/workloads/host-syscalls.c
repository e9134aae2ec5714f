// One "host"'s known workload for the fleet-of-agents suite: makes exactly
// COUNT calls of one syscall (fsync, fdatasync or flock on a file of its own),
// stays a second, then prints {"pid":...,"calls":COUNT} so the suite can compare the agent's
// count with it.
//
//   host-syscalls fsync|fdatasync|flock COUNT DIR
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s fsync|fdatasync|flock COUNT DIR\n", argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  long count = strtol(argv[2], NULL, 10);
  char path[4096];
  snprintf(path, sizeof path, "%s/host-syscalls.%d", argv[3], (int)getpid());
  int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  for (long i = 0; i < count; i++) {
    int rc;
    if (strcmp(mode, "fsync") == 0) rc = fsync(fd);
    else if (strcmp(mode, "fdatasync") == 0) rc = fdatasync(fd);
    // Lock and unlock in turn: every call is a flock call.
    else if (strcmp(mode, "flock") == 0) rc = flock(fd, i % 2 == 0 ? LOCK_EX : LOCK_UN);
    else {
      fprintf(stderr, "unknown mode %s\n", mode);
      return 2;
    }
    if (rc != 0) {
      perror(mode);
      return 1;
    }
  }
  close(fd);
  unlink(path);
  // Alive a while longer, as a service is: the agent names a process (and
  // reads its cgroup) from /proc, which a process gone within milliseconds of
  // its exec no longer has.
  sleep(1);
  printf("{\"pid\":%d,\"calls\":%ld}\n", (int)getpid(), count);
  return 0;
}

/* Prints the addresses a symbolizer test must name, then blocks until killed:
 * a function of this PIE, a size-0 assembly function (no .size directive), and
 * glibc's pthread_mutex_lock, taken through the GOT (-fPIE), so the address is
 * inside libc, not a PLT stub. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) void fixture_wait_for_kill(void) {
  for (;;) pause();
}

void fixture_unsized(void);
__asm__(".text\n.globl fixture_unsized\n.type fixture_unsized, @function\nfixture_unsized:\n nop\n nop\n ret\n");

int main(void) {
  printf("fixture_wait_for_kill %p\n", (void *)&fixture_wait_for_kill);
  printf("fixture_unsized %p\n", (void *)&fixture_unsized);
  printf("pthread_mutex_lock %p\n", (void *)&pthread_mutex_lock);
  printf("ready\n");
  fflush(stdout);
  fixture_wait_for_kill();
  return 0;
}

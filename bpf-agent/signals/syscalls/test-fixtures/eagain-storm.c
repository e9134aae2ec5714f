// A retry storm in miniature: N reads of an empty non-blocking pipe, each
// failing with EAGAIN at once. usage: eagain-storm N
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fds[2], n = argc > 1 ? atoi(argv[1]) : 1000, i;
	char c;

	if (pipe2(fds, O_NONBLOCK))
		return 1;
	for (i = 0; i < n; i++)
		if (read(fds[0], &c, 1) != -1)
			return 1;
	return 0;
}

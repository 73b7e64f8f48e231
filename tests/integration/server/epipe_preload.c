/* SPDX-License-Identifier: MIT
 * A fault for integration.handshake, loaded with LD_PRELOAD into a real
 * tandem or tandemd: the SP protocol header a process sends when a
 * connection opens (8 bytes, "\0SP\0" ...) fails with EPIPE, as it does
 * when the peer's socket goes away during the handshake (a tandemd killed
 * just as a client connects). nng 1.5.2 takes that EPIPE for its own
 * close and stops the dialer or listener for good (nng issue #1518).
 *
 *   TD_FAULT_EPIPE_SKIP=K  the first K headers go through (default 0)
 *   TD_FAULT_EPIPE=N       the N headers after them fail (default 0)
 *   TD_FAULT_LOG=FILE      one line appended for each header failed, so a
 *                          test knows the fault happened
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_long seen;

static long
env_long(const char *name)
{
	const char *v = getenv(name);
	return v != NULL ? strtol(v, NULL, 10) : 0;
}

/* fail_header: whether this write is an SP header that must fail. */
static int
fail_header(const struct iovec *iov, int iovcnt)
{
	size_t len = 0;
	for (int i = 0; i < iovcnt; i++) {
		len += iov[i].iov_len;
	}
	if (len != 8 || iovcnt < 1 || iov[0].iov_len < 4
	    || memcmp(iov[0].iov_base, "\0SP\0", 4) != 0) {
		return 0;
	}
	long k    = atomic_fetch_add(&seen, 1);
	long skip = env_long("TD_FAULT_EPIPE_SKIP");
	if (k < skip || k >= skip + env_long("TD_FAULT_EPIPE")) {
		return 0;
	}
	const char *log = getenv("TD_FAULT_LOG");
	int fd = log != NULL ? open(log, O_WRONLY | O_APPEND | O_CREAT, 0644)
	                     : -1;
	if (fd >= 0) {
		static const char line[] = "SP header failed with EPIPE\n";
		ssize_t           w      = write(fd, line, sizeof(line) - 1);
		(void) w;
		close(fd);
	}
	return 1;
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);
	if (real == NULL) {
		real = (ssize_t(*)(int, const struct msghdr *, int)) dlsym(
		    RTLD_NEXT, "sendmsg");
	}
	if (msg != NULL && fail_header(msg->msg_iov, (int) msg->msg_iovlen)) {
		errno = EPIPE;
		return -1;
	}
	return real(fd, msg, flags);
}

ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	static ssize_t (*real)(int, const struct iovec *, int);
	if (real == NULL) {
		real = (ssize_t(*)(int, const struct iovec *, int)) dlsym(
		    RTLD_NEXT, "writev");
	}
	if (fail_header(iov, iovcnt)) {
		errno = EPIPE;
		return -1;
	}
	return real(fd, iov, iovcnt);
}

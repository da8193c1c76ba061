/* Unit tests of the outbox's SMTP client against a tiny fake SMTP server
 * on loopback (a thread in this test), and of the message format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mod/accounts/acct.h"

/* The fake server: answers one session; reject_rcpt makes RCPT TO fail. */
struct fake {
	int listen_fd;
	unsigned port;
	int reject_rcpt;
	char commands[4096]; /* every command line received, '\n'-separated */
	char data[8192];     /* the DATA section as received (still dot-stuffed) */
};

static void say(int fd, const char *s)
{
	ssize_t n = send(fd, s, strlen(s), MSG_NOSIGNAL);

	(void)n;
}

/* Reads one CRLF line into buf; 0 at end of connection. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	char c;

	while (n + 1 < size && recv(fd, &c, 1, 0) == 1) {
		buf[n++] = c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	return (int)n;
}

/* Appends line to the NUL-terminated text in dst (size bytes), cutting it
 * short rather than overflowing. */
static void append(char *dst, size_t size, const char *line)
{
	size_t used = strlen(dst);

	snprintf(dst + used, size - used, "%s", line);
}

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	char line[1024];
	int fd = accept(f->listen_fd, NULL, NULL);

	if (fd < 0)
		return NULL;
	say(fd, "220 fake.test ESMTP ready\r\n");
	while (read_line(fd, line, sizeof(line)) > 0) {
		append(f->commands, sizeof(f->commands), line);
		if (strncmp(line, "EHLO", 4) == 0) {
			/* a multi-line reply, as real servers give */
			say(fd, "250-fake.test greets you\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n");
		} else if (strncmp(line, "MAIL FROM:", 10) == 0) {
			say(fd, "250 2.1.0 ok\r\n");
		} else if (strncmp(line, "RCPT TO:", 8) == 0) {
			say(fd, f->reject_rcpt ? "550 5.1.1 no such mailbox here\r\n"
			                       : "250 2.1.5 ok\r\n");
		} else if (strncmp(line, "DATA", 4) == 0) {
			say(fd, "354 go ahead\r\n");
			while (read_line(fd, line, sizeof(line)) > 0 && strcmp(line, ".\r\n") != 0)
				append(f->data, sizeof(f->data), line);
			say(fd, "250 2.0.0 queued as 1\r\n");
		} else if (strncmp(line, "QUIT", 4) == 0) {
			say(fd, "221 bye\r\n");
			break;
		} else {
			say(fd, "500 what\r\n");
		}
	}
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f, pthread_t *t)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);

	f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->listen_fd >= 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->listen_fd, 1), 0);
	assert_int_equal(getsockname(f->listen_fd, (struct sockaddr *)&a, &len), 0);
	f->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(t, NULL, fake_run, f), 0);
}

static void sends_with_dot_stuffing(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct acct_mail_conf conf = {0};
	struct acct_mail m = {0};
	struct co_err e;
	pthread_t t;

	(void)state;
	fake_start(f, &t);
	conf.smtp_host = "127.0.0.1";
	conf.smtp_port = (int)f->port;
	conf.helo = "collective.test";
	conf.timeout_s = 5;
	m.from = "collective@demo.collective.test";
	m.to = "lead@demo.collective.test";
	m.subject = "Gwahoddiad i Collective";
	m.body = "First line\n.starts with a dot\n..two dots\nlast line";
	assert_int_equal(acct_smtp_send(&conf, &m, &e), 0);
	pthread_join(t, NULL);
	close(f->listen_fd);
	assert_non_null(strstr(f->commands, "EHLO collective.test\r\n"));
	assert_non_null(strstr(f->commands, "MAIL FROM:<collective@demo.collective.test>\r\n"));
	assert_non_null(strstr(f->commands, "RCPT TO:<lead@demo.collective.test>\r\n"));
	assert_non_null(strstr(f->commands, "QUIT\r\n"));
	/* lines that start with a dot get a second one on the wire */
	assert_non_null(strstr(f->data, "\r\n..starts with a dot\r\n"));
	assert_non_null(strstr(f->data, "\r\n...two dots\r\n"));
	assert_non_null(strstr(f->data, "First line\r\n"));
	assert_non_null(strstr(f->data, "To: <lead@demo.collective.test>\r\n"));
	assert_non_null(strstr(f->data, "Subject: Gwahoddiad i Collective\r\n"));
	/* no bare LF anywhere */
	{
		const char *p;

		for (p = f->data; (p = strchr(p, '\n')) != NULL; p++)
			assert_true(p > f->data && p[-1] == '\r');
	}
	free(f);
}

static void refused_recipient_is_an_error(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct acct_mail_conf conf = {0};
	struct acct_mail m = {0};
	struct co_err e;
	pthread_t t;

	(void)state;
	f->reject_rcpt = 1;
	fake_start(f, &t);
	conf.smtp_host = "127.0.0.1";
	conf.smtp_port = (int)f->port;
	conf.timeout_s = 5;
	m.from = "collective@demo.collective.test";
	m.to = "nobody@demo.collective.test";
	m.subject = "x";
	m.body = "y";
	assert_int_equal(acct_smtp_send(&conf, &m, &e), CO_EIO);
	assert_non_null(strstr(e.msg, "550"));
	assert_non_null(strstr(e.msg, "RCPT TO"));
	/* closing the connection ends the fake session */
	pthread_join(t, NULL);
	close(f->listen_fd);
	assert_null(strstr(f->commands, "DATA"));
	free(f);
}

static void no_server_is_an_error(void **state)
{
	struct acct_mail_conf conf = {0};
	struct acct_mail m = {"a@b.test", "c@d.test", "s", "b", NULL, NULL};
	struct co_err e;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);

	(void)state;
	/* a port nobody listens on: bind one, then close it */
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	conf.smtp_host = "127.0.0.1";
	conf.smtp_port = ntohs(a.sin_port);
	assert_int_equal(acct_smtp_send(&conf, &m, &e), CO_EIO);
	/* header injection is refused before any connection */
	m.to = "c@d.test>\r\nBcc: <x@y.test";
	assert_int_equal(acct_smtp_send(&conf, &m, &e), CO_EINPUT);
}

static void format_encodes_subject_and_attachments(void **state)
{
	struct acct_mail m = {0};
	struct co_err e;
	json_t *att;
	size_t len;
	char *s;

	(void)state;
	att = json_pack("[{s:s,s:s,s:s}]", "name", "event.ics", "content_type", "text/calendar",
	                "base64", "QkVHSU46VkNBTEVOREFS");
	m.from = "a@b.test";
	m.to = "c@d.test";
	m.subject = "Gŵyl";
	m.body = "Corff\n";
	m.attachments = att;
	s = acct_mail_format(&m, &len, &e);
	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	/* "Gŵyl" in UTF-8, base64 (RFC 2047) */
	assert_non_null(strstr(s, "Subject: =?UTF-8?B?R8W1eWw=?=\r\n"));
	assert_non_null(strstr(s, "Content-Type: multipart/mixed; boundary="));
	assert_non_null(strstr(s, "filename=\"event.ics\""));
	assert_non_null(strstr(s, "QkVHSU46VkNBTEVOREFS\r\n"));
	assert_non_null(strstr(s, "Corff\r\n"));
	free(s);
	json_decref(att);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(sends_with_dot_stuffing),
	        cmocka_unit_test(refused_recipient_is_an_error),
	        cmocka_unit_test(no_server_is_an_error),
	        cmocka_unit_test(format_encodes_subject_and_attachments),
	};

	if (acct_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

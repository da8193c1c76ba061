/*
 * smtp.c - a minimal SMTP client (RFC 5321) and the message format
 * (RFC 5322, MIME RFC 2045/2046/2047) for the outbox.
 *
 * The dialogue: read the 220 greeting; EHLO (falling back to HELO when the
 * server refuses it); MAIL FROM:<from>; RCPT TO:<to>; DATA, 354; the
 * message with every line that starts with "." doubled (dot-stuffing,
 * RFC 5321 section 4.5.2) and CRLF line ends, then CRLF . CRLF; QUIT.
 * Replies may span lines ("250-...", last "250 ..."); a reply class other
 * than the one expected ends the dialogue with the server's text in the
 * error. There is no TLS and no AUTH: send through a local relay (a
 * smarthost such as the system's MTA) that handles both.
 */
#include "mod/accounts/acct_int.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define SMTP_LINE      1024
#define SMTP_REPLY_MAX (64 * 1024)

/* ---- formatting ---- */

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* A header value: as is when ASCII, else an RFC 2047 encoded-word. */
static void add_header_text(struct co_buf *b, const char *name, const char *v)
{
	co_buf_printf(b, "%s: ", name);
	if (is_ascii(v)) {
		co_buf_adds(b, v);
	} else {
		size_t n = strlen(v);
		size_t enc = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
		char *out = malloc(enc);

		if (!out)
			return;
		sodium_bin2base64(out, enc, (const unsigned char *)v, n,
		                  sodium_base64_VARIANT_ORIGINAL);
		co_buf_printf(b, "=?UTF-8?B?%s?=", out);
		free(out);
	}
	co_buf_adds(b, "\r\n");
}

/* Text with any line ends, written with CRLF. */
static void add_crlf_text(struct co_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue;
		if (*s == '\n' || *s == '\r')
			co_buf_adds(b, "\r\n");
		else
			co_buf_addc(b, *s);
	}
	if (b->len < 2 || b->data[b->len - 1] != '\n')
		co_buf_adds(b, "\r\n");
}

char *acct_mail_format(const struct acct_mail *m, size_t *len, struct co_err *e)
{
	struct co_buf b;
	char date[64];
	unsigned char rnd[12];
	char boundary[40];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	char *out;

	if (strpbrk(m->to, "\r\n<>") || strpbrk(m->from, "\r\n<>") || strpbrk(m->subject, "\r\n"))
		return co_errf(e, CO_EINPUT, "an address or subject holds a forbidden character"),
		       NULL;
	co_buf_init(&b, CO_MAX_BODY * 2);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	co_buf_printf(&b, "From: <%s>\r\nTo: <%s>\r\nDate: %s\r\n", m->from, m->to, date);
	add_header_text(&b, "Subject", m->subject);
	if (m->message_id)
		co_buf_printf(&b, "Message-ID: <%s>\r\n", m->message_id);
	co_buf_adds(&b, "MIME-Version: 1.0\r\n");
	if (!m->attachments || json_array_size(m->attachments) == 0) {
		co_buf_adds(&b, "Content-Type: text/plain; charset=utf-8\r\n"
		                "Content-Transfer-Encoding: 8bit\r\n\r\n");
		add_crlf_text(&b, m->body);
	} else {
		json_t *a;

		randombytes_buf(rnd, sizeof(rnd));
		/* "=_collective_" then the random bytes in hex; bin2hex ends it with NUL */
		snprintf(boundary, sizeof(boundary), "=_collective_");
		sodium_bin2hex(boundary + 13, sizeof(boundary) - 13, rnd, sizeof(rnd));
		co_buf_printf(&b,
		              "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		              "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		              "Content-Transfer-Encoding: 8bit\r\n\r\n",
		              boundary, boundary);
		add_crlf_text(&b, m->body);
		json_array_foreach(m->attachments, i, a)
		{
			const char *name = json_string_value(json_object_get(a, "name"));
			const char *type = json_string_value(json_object_get(a, "content_type"));
			const char *data = json_string_value(json_object_get(a, "base64"));
			size_t k, n;

			if (!name || !data || strpbrk(name, "\"\r\n") ||
			    (type && strpbrk(type, "\r\n;"))) {
				co_buf_free(&b);
				co_errf(e, CO_EINPUT, "attachment %zu is malformed", i + 1);
				return NULL;
			}
			co_buf_printf(&b,
			              "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: "
			              "base64\r\nContent-Disposition: attachment; "
			              "filename=\"%s\"\r\n\r\n",
			              boundary, type ? type : "application/octet-stream", name);
			n = strlen(data);
			for (k = 0; k < n; k += 76) {
				co_buf_add(&b, data + k, n - k < 76 ? n - k : 76);
				co_buf_adds(&b, "\r\n");
			}
		}
		co_buf_printf(&b, "--%s--\r\n", boundary);
	}
	out = co_buf_take(&b, len);
	if (!out)
		co_errf(e, CO_ENOMEM, "out of memory formatting an email");
	return out;
}

/* ---- the dialogue ---- */

struct smtp {
	int fd;
	char buf[SMTP_LINE * 4];
	size_t have;
	char last[SMTP_LINE]; /* the last reply line, for errors */
};

static int smtp_write(struct smtp *s, const char *p, size_t n, struct co_err *e)
{
	while (n > 0) {
		ssize_t w = send(s->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return co_errf(e, CO_EIO, "SMTP: sending failed: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one reply (all its lines); *code gets its three-digit code. */
static int smtp_reply(struct smtp *s, int *code, struct co_err *e)
{
	size_t total = 0;

	for (;;) {
		char *nl = memchr(s->buf, '\n', s->have);
		size_t linelen;

		if (!nl) {
			ssize_t r;

			if (s->have == sizeof(s->buf))
				return co_errf(e, CO_EIO, "SMTP: a reply line is too long");
			r = recv(s->fd, s->buf + s->have, sizeof(s->buf) - s->have, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return co_errf(e, CO_EIO,
				               "SMTP: the server closed the connection%s%s",
				               r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
			s->have += (size_t)r;
			continue;
		}
		linelen = (size_t)(nl - s->buf) + 1;
		total += linelen;
		if (total > SMTP_REPLY_MAX)
			return co_errf(e, CO_EIO, "SMTP: the reply is too long");
		snprintf(s->last, sizeof(s->last), "%.*s", (int)(linelen > 1 ? linelen - 1 : 0),
		         s->buf);
		if (strlen(s->last) && s->last[strlen(s->last) - 1] == '\r')
			s->last[strlen(s->last) - 1] = '\0';
		memmove(s->buf, s->buf + linelen, s->have - linelen);
		s->have -= linelen;
		if (strlen(s->last) < 3 || s->last[0] < '1' || s->last[0] > '5' ||
		    s->last[1] < '0' || s->last[1] > '9' || s->last[2] < '0' || s->last[2] > '9')
			return co_errf(e, CO_EIO, "SMTP: a malformed reply: %s", s->last);
		if (s->last[3] == '-')
			continue; /* more lines follow */
		*code = (s->last[0] - '0') * 100 + (s->last[1] - '0') * 10 + (s->last[2] - '0');
		return 0;
	}
}

/* Sends a command and expects a reply in class `want` (2 or 3). */
static int smtp_cmd(struct smtp *s, const char *cmd, int want, int *code, struct co_err *e)
{
	int rc, c = 0;

	if (cmd && (rc = smtp_write(s, cmd, strlen(cmd), e)) < 0)
		return rc;
	if ((rc = smtp_reply(s, &c, e)) < 0)
		return rc;
	if (code)
		*code = c;
	if (c / 100 != want) {
		if (!cmd)
			return co_errf(e, CO_EIO, "SMTP: the server refused the connection: %s",
			               s->last);
		return co_errf(e, CO_EIO, "SMTP: the server refused %.*s: %s",
		               (int)strcspn(cmd, "\r"), cmd, s->last);
	}
	return 0;
}

static int smtp_connect(const struct acct_mail_conf *conf, int *fd_out, struct co_err *e)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	struct timeval tv = {conf->timeout_s > 0 ? conf->timeout_s : 30, 0};
	char port[16];
	int fd = -1, rc;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	snprintf(port, sizeof(port), "%d", conf->smtp_port > 0 ? conf->smtp_port : 25);
	rc = getaddrinfo(conf->smtp_host, port, &hints, &res);
	if (rc != 0)
		return co_errf(e, CO_EIO, "SMTP: cannot resolve %s: %s", conf->smtp_host,
		               gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return co_errf(e, CO_EIO, "SMTP: cannot connect to %s port %s: %s", conf->smtp_host,
		               port, strerror(errno));
	*fd_out = fd;
	return 0;
}

/* The message, dot-stuffed, ending with CRLF . CRLF. */
static int smtp_data(struct smtp *s, const char *msg, size_t len, struct co_err *e)
{
	struct co_buf b;
	size_t i;
	int at_line_start = 1, rc;

	co_buf_init(&b, len * 2 + 16);
	for (i = 0; i < len; i++) {
		if (at_line_start && msg[i] == '.')
			co_buf_addc(&b, '.');
		co_buf_addc(&b, msg[i]);
		at_line_start = msg[i] == '\n';
	}
	if (!at_line_start)
		co_buf_adds(&b, "\r\n");
	rc = co_buf_adds(&b, ".\r\n");
	if (rc == 0)
		rc = smtp_write(s, b.data, b.len, e);
	else
		co_errf(e, rc, "out of memory");
	co_buf_free(&b);
	return rc;
}

int acct_smtp_send(const struct acct_mail_conf *conf, const struct acct_mail *m, struct co_err *e)
{
	struct smtp *s;
	char cmd[SMTP_LINE];
	char *msg;
	size_t len;
	int rc, code = 0;

	if (!conf->smtp_host || !*conf->smtp_host)
		return co_errf(e, CO_EINPUT, "SMTP: no host configured");
	if (strpbrk(m->from, "\r\n<> ") || strpbrk(m->to, "\r\n<> "))
		return co_errf(e, CO_EINPUT, "SMTP: an address holds a forbidden character");
	msg = acct_mail_format(m, &len, e);
	if (!msg)
		return e->code;
	s = calloc(1, sizeof(*s));
	if (!s) {
		free(msg);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	rc = smtp_connect(conf, &s->fd, e);
	if (rc < 0) {
		free(s);
		free(msg);
		return rc;
	}
	rc = smtp_cmd(s, NULL, 2, NULL, e);
	if (rc == 0) {
		snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", conf->helo ? conf->helo : "localhost");
		rc = smtp_cmd(s, cmd, 2, &code, e);
		if (rc < 0 && code >= 500) {
			snprintf(cmd, sizeof(cmd), "HELO %s\r\n",
			         conf->helo ? conf->helo : "localhost");
			rc = smtp_cmd(s, cmd, 2, NULL, e);
		}
	}
	if (rc == 0) {
		snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", m->from);
		rc = smtp_cmd(s, cmd, 2, NULL, e);
	}
	if (rc == 0) {
		snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", m->to);
		rc = smtp_cmd(s, cmd, 2, NULL, e);
	}
	if (rc == 0)
		rc = smtp_cmd(s, "DATA\r\n", 3, NULL, e);
	if (rc == 0)
		rc = smtp_data(s, msg, len, e);
	if (rc == 0)
		rc = smtp_cmd(s, NULL, 2, NULL, e);
	if (rc == 0) {
		/* The message is accepted; a failed QUIT changes nothing. */
		struct co_err ignore;

		smtp_cmd(s, "QUIT\r\n", 2, NULL, &ignore);
	}
	close(s->fd);
	free(s);
	free(msg);
	return rc;
}

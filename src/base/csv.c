/*
 * csv.c - RFC 4180 reader (a state machine over a refillable window) and
 * writer, and co_dtoa().
 *
 * co_dtoa() is Grisu2 (Florian Loitsch, "Printing Floating-Point Numbers
 * Quickly and Accurately with Integers", PLDI 2010): the double's neighbours
 * define an interval of decimals that read back to it; the digits of the
 * upper end are generated with 64-bit integer arithmetic after scaling by a
 * cached power of ten, stopping as soon as the rest falls inside the
 * interval, then the last digit is moved toward the exact value. The output
 * always reads back to the same double and is the shortest such text in all
 * but a tiny fraction of cases. The cached powers are 10^k, k = -348, -340,
 * ..., 340, as 64-bit significands (rounded to nearest) and binary
 * exponents, computed exactly with big integers.
 */
#include "base/csv.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

/* ---- co_dtoa ---- */

struct diyfp {
	uint64_t f;
	int e;
};

static const struct diyfp cached_pow10[87] = {
        {0xfa8fd5a0081c0288ULL, -1220}, /* 1e-348 */
        {0xbaaee17fa23ebf76ULL, -1193}, /* 1e-340 */
        {0x8b16fb203055ac76ULL, -1166}, /* 1e-332 */
        {0xcf42894a5dce35eaULL, -1140}, /* 1e-324 */
        {0x9a6bb0aa55653b2dULL, -1113}, /* 1e-316 */
        {0xe61acf033d1a45dfULL, -1087}, /* 1e-308 */
        {0xab70fe17c79ac6caULL, -1060}, /* 1e-300 */
        {0xff77b1fcbebcdc4fULL, -1034}, /* 1e-292 */
        {0xbe5691ef416bd60cULL, -1007}, /* 1e-284 */
        {0x8dd01fad907ffc3cULL, -980},  /* 1e-276 */
        {0xd3515c2831559a83ULL, -954},  /* 1e-268 */
        {0x9d71ac8fada6c9b5ULL, -927},  /* 1e-260 */
        {0xea9c227723ee8bcbULL, -901},  /* 1e-252 */
        {0xaecc49914078536dULL, -874},  /* 1e-244 */
        {0x823c12795db6ce57ULL, -847},  /* 1e-236 */
        {0xc21094364dfb5637ULL, -821},  /* 1e-228 */
        {0x9096ea6f3848984fULL, -794},  /* 1e-220 */
        {0xd77485cb25823ac7ULL, -768},  /* 1e-212 */
        {0xa086cfcd97bf97f4ULL, -741},  /* 1e-204 */
        {0xef340a98172aace5ULL, -715},  /* 1e-196 */
        {0xb23867fb2a35b28eULL, -688},  /* 1e-188 */
        {0x84c8d4dfd2c63f3bULL, -661},  /* 1e-180 */
        {0xc5dd44271ad3cdbaULL, -635},  /* 1e-172 */
        {0x936b9fcebb25c996ULL, -608},  /* 1e-164 */
        {0xdbac6c247d62a584ULL, -582},  /* 1e-156 */
        {0xa3ab66580d5fdaf6ULL, -555},  /* 1e-148 */
        {0xf3e2f893dec3f126ULL, -529},  /* 1e-140 */
        {0xb5b5ada8aaff80b8ULL, -502},  /* 1e-132 */
        {0x87625f056c7c4a8bULL, -475},  /* 1e-124 */
        {0xc9bcff6034c13053ULL, -449},  /* 1e-116 */
        {0x964e858c91ba2655ULL, -422},  /* 1e-108 */
        {0xdff9772470297ebdULL, -396},  /* 1e-100 */
        {0xa6dfbd9fb8e5b88fULL, -369},  /* 1e-92 */
        {0xf8a95fcf88747d94ULL, -343},  /* 1e-84 */
        {0xb94470938fa89bcfULL, -316},  /* 1e-76 */
        {0x8a08f0f8bf0f156bULL, -289},  /* 1e-68 */
        {0xcdb02555653131b6ULL, -263},  /* 1e-60 */
        {0x993fe2c6d07b7facULL, -236},  /* 1e-52 */
        {0xe45c10c42a2b3b06ULL, -210},  /* 1e-44 */
        {0xaa242499697392d3ULL, -183},  /* 1e-36 */
        {0xfd87b5f28300ca0eULL, -157},  /* 1e-28 */
        {0xbce5086492111aebULL, -130},  /* 1e-20 */
        {0x8cbccc096f5088ccULL, -103},  /* 1e-12 */
        {0xd1b71758e219652cULL, -77},   /* 1e-4 */
        {0x9c40000000000000ULL, -50},   /* 1e4 */
        {0xe8d4a51000000000ULL, -24},   /* 1e12 */
        {0xad78ebc5ac620000ULL, 3},     /* 1e20 */
        {0x813f3978f8940984ULL, 30},    /* 1e28 */
        {0xc097ce7bc90715b3ULL, 56},    /* 1e36 */
        {0x8f7e32ce7bea5c70ULL, 83},    /* 1e44 */
        {0xd5d238a4abe98068ULL, 109},   /* 1e52 */
        {0x9f4f2726179a2245ULL, 136},   /* 1e60 */
        {0xed63a231d4c4fb27ULL, 162},   /* 1e68 */
        {0xb0de65388cc8ada8ULL, 189},   /* 1e76 */
        {0x83c7088e1aab65dbULL, 216},   /* 1e84 */
        {0xc45d1df942711d9aULL, 242},   /* 1e92 */
        {0x924d692ca61be758ULL, 269},   /* 1e100 */
        {0xda01ee641a708deaULL, 295},   /* 1e108 */
        {0xa26da3999aef774aULL, 322},   /* 1e116 */
        {0xf209787bb47d6b85ULL, 348},   /* 1e124 */
        {0xb454e4a179dd1877ULL, 375},   /* 1e132 */
        {0x865b86925b9bc5c2ULL, 402},   /* 1e140 */
        {0xc83553c5c8965d3dULL, 428},   /* 1e148 */
        {0x952ab45cfa97a0b3ULL, 455},   /* 1e156 */
        {0xde469fbd99a05fe3ULL, 481},   /* 1e164 */
        {0xa59bc234db398c25ULL, 508},   /* 1e172 */
        {0xf6c69a72a3989f5cULL, 534},   /* 1e180 */
        {0xb7dcbf5354e9beceULL, 561},   /* 1e188 */
        {0x88fcf317f22241e2ULL, 588},   /* 1e196 */
        {0xcc20ce9bd35c78a5ULL, 614},   /* 1e204 */
        {0x98165af37b2153dfULL, 641},   /* 1e212 */
        {0xe2a0b5dc971f303aULL, 667},   /* 1e220 */
        {0xa8d9d1535ce3b396ULL, 694},   /* 1e228 */
        {0xfb9b7cd9a4a7443cULL, 720},   /* 1e236 */
        {0xbb764c4ca7a44410ULL, 747},   /* 1e244 */
        {0x8bab8eefb6409c1aULL, 774},   /* 1e252 */
        {0xd01fef10a657842cULL, 800},   /* 1e260 */
        {0x9b10a4e5e9913129ULL, 827},   /* 1e268 */
        {0xe7109bfba19c0c9dULL, 853},   /* 1e276 */
        {0xac2820d9623bf429ULL, 880},   /* 1e284 */
        {0x80444b5e7aa7cf85ULL, 907},   /* 1e292 */
        {0xbf21e44003acdd2dULL, 933},   /* 1e300 */
        {0x8e679c2f5e44ff8fULL, 960},   /* 1e308 */
        {0xd433179d9c8cb841ULL, 986},   /* 1e316 */
        {0x9e19db92b4e31ba9ULL, 1013},  /* 1e324 */
        {0xeb96bf6ebadf77d9ULL, 1039},  /* 1e332 */
        {0xaf87023b9bf0ee6bULL, 1066},  /* 1e340 */
};

static const uint32_t pow10_32[10] = {1,      10,      100,      1000,      10000,
                                      100000, 1000000, 10000000, 100000000, 1000000000};

static struct diyfp diy_mul(struct diyfp x, struct diyfp y)
{
	unsigned __int128 p = (unsigned __int128)x.f * y.f;
	struct diyfp r;

	r.f = (uint64_t)(p >> 64);
	if ((uint64_t)p & ((uint64_t)1 << 63))
		r.f++; /* round */
	r.e = x.e + y.e + 64;
	return r;
}

static struct diyfp diy_norm(struct diyfp d)
{
	int s = __builtin_clzll(d.f);

	d.f <<= s;
	d.e -= s;
	return d;
}

static void grisu_round(char *buf, int len, uint64_t delta, uint64_t rest, uint64_t ten_kappa,
                        uint64_t wp_w)
{
	while (len > 0 && rest < wp_w && delta - rest >= ten_kappa &&
	       (rest + ten_kappa < wp_w || wp_w - rest > rest + ten_kappa - wp_w)) {
		buf[len - 1]--;
		rest += ten_kappa;
	}
}

static int count_digits(uint32_t n)
{
	int d = 1;

	while (d < 10 && n >= pow10_32[d])
		d++;
	return d;
}

static int digit_gen(struct diyfp w, struct diyfp mp, uint64_t delta, char *buf, int *k)
{
	const struct diyfp one = {(uint64_t)1 << -mp.e, mp.e};
	const uint64_t wp_w = mp.f - w.f;
	uint32_t p1 = (uint32_t)(mp.f >> -one.e);
	uint64_t p2 = mp.f & (one.f - 1);
	int kappa = count_digits(p1), len = 0;

	while (kappa > 0) {
		uint32_t d;
		uint64_t tmp;

		/* constant divisors: the compiler turns each into a multiply */
		switch (kappa) {
		case 10:
			d = p1 / 1000000000;
			p1 %= 1000000000;
			break;
		case 9:
			d = p1 / 100000000;
			p1 %= 100000000;
			break;
		case 8:
			d = p1 / 10000000;
			p1 %= 10000000;
			break;
		case 7:
			d = p1 / 1000000;
			p1 %= 1000000;
			break;
		case 6:
			d = p1 / 100000;
			p1 %= 100000;
			break;
		case 5:
			d = p1 / 10000;
			p1 %= 10000;
			break;
		case 4:
			d = p1 / 1000;
			p1 %= 1000;
			break;
		case 3:
			d = p1 / 100;
			p1 %= 100;
			break;
		case 2:
			d = p1 / 10;
			p1 %= 10;
			break;
		default:
			d = p1;
			p1 = 0;
			break;
		}
		if (d || len)
			buf[len++] = (char)('0' + d);
		kappa--;
		tmp = ((uint64_t)p1 << -one.e) + p2;
		if (tmp <= delta) {
			*k += kappa;
			grisu_round(buf, len, delta, tmp, (uint64_t)pow10_32[kappa] << -one.e,
			            wp_w);
			return len;
		}
	}
	for (;;) {
		uint64_t d;

		p2 *= 10;
		delta *= 10;
		d = p2 >> -one.e;
		if (d || len)
			buf[len++] = (char)('0' + d);
		p2 &= one.f - 1;
		kappa--;
		if (p2 < delta) {
			uint64_t scale = 1;
			int i;

			*k += kappa;
			for (i = 0; i < -kappa && i < 19; i++)
				scale *= 10;
			grisu_round(buf, len, delta, p2, one.f, -kappa < 20 ? wp_w * scale : 0);
			return len;
		}
	}
}

/* Digits of v > 0 (finite) into buf; returns the count, *k the exponent:
 * v = digits x 10^k. */
static int grisu2(double v, char *buf, int *k)
{
	uint64_t bits, sig;
	int be;
	struct diyfp d, pl, mi, c, w, wp, wm;
	double dk;
	int kk, idx;

	memcpy(&bits, &v, sizeof(bits));
	be = (int)((bits >> 52) & 0x7ff);
	sig = bits & (((uint64_t)1 << 52) - 1);
	if (be) {
		d.f = sig + ((uint64_t)1 << 52);
		d.e = be - 1075;
	} else {
		d.f = sig;
		d.e = -1074;
	}
	pl.f = (d.f << 1) + 1;
	pl.e = d.e - 1;
	pl = diy_norm(pl);
	if (d.f == ((uint64_t)1 << 52)) {
		mi.f = (d.f << 2) - 1;
		mi.e = d.e - 2;
	} else {
		mi.f = (d.f << 1) - 1;
		mi.e = d.e - 1;
	}
	mi.f <<= mi.e - pl.e;
	mi.e = pl.e;
	dk = (-61 - pl.e) * 0.30102999566398114 + 347;
	kk = (int)dk;
	if (dk - kk > 0)
		kk++;
	idx = (kk >> 3) + 1;
	*k = -(-348 + idx * 8);
	c = cached_pow10[idx];
	w = diy_mul(diy_norm(d), c);
	wp = diy_mul(pl, c);
	wm = diy_mul(mi, c);
	wm.f++;
	wp.f--;
	return digit_gen(w, wp, wp.f - wm.f, buf, k);
}

size_t co_dtoa(double v, char out[32])
{
	char dig[24] = {0};
	char *p = out;
	int n, k, point, i;

	if (isnan(v)) {
		memcpy(out, "NaN", 4);
		return 3;
	}
	if (isinf(v)) {
		if (v < 0)
			memcpy(out, "-Inf", 5);
		else
			memcpy(out, "Inf", 4);
		return v < 0 ? 4 : 3;
	}
	if (v == 0) {
		memcpy(out, "0", 2);
		return 1;
	}
	if (v < 0) {
		*p++ = '-';
		v = -v;
	}
	/* integers below 2^53 print exactly, fast */
	if (v < 9007199254740992.0 && v == (double)(uint64_t)v) {
		uint64_t u = (uint64_t)v;
		char t[24];
		int m = 0;

		while (u) {
			t[m++] = (char)('0' + u % 10);
			u /= 10;
		}
		while (m)
			*p++ = t[--m];
		*p = '\0';
		return (size_t)(p - out);
	}
	n = grisu2(v, dig, &k);
	point = n + k; /* the decimal point is after `point` digits */
	if (point > 0 && point <= 17) {
		for (i = 0; i < n || i < point; i++) {
			if (i == point)
				*p++ = '.';
			*p++ = i < n ? dig[i] : '0';
		}
	} else if (point <= 0 && point > -5) {
		*p++ = '0';
		*p++ = '.';
		for (i = point; i < 0; i++)
			*p++ = '0';
		memcpy(p, dig, (size_t)n);
		p += n;
	} else {
		int e = point - 1, ae;

		*p++ = dig[0];
		if (n > 1) {
			*p++ = '.';
			memcpy(p, dig + 1, (size_t)n - 1);
			p += n - 1;
		}
		*p++ = 'e';
		*p++ = e < 0 ? '-' : '+';
		ae = e < 0 ? -e : e;
		if (ae >= 100)
			*p++ = (char)('0' + ae / 100);
		*p++ = (char)('0' + ae / 10 % 10);
		*p++ = (char)('0' + ae % 10);
	}
	*p = '\0';
	return (size_t)(p - out);
}

/* ---- writer ---- */

int co_csv_field(struct co_buf *b, const char *s, size_t len)
{
	size_t i, start;
	int need = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
	int rc;

	for (i = 0; i < len && !need; i++)
		need = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!need)
		return co_buf_add(b, s, len);
	if ((rc = co_buf_addc(b, '"')))
		return rc;
	for (start = 0, i = 0; i < len; i++)
		if (s[i] == '"') {
			if ((rc = co_buf_add(b, s + start, i + 1 - start)) ||
			    (rc = co_buf_addc(b, '"')))
				return rc;
			start = i + 1;
		}
	if ((rc = co_buf_add(b, s + start, len - start)))
		return rc;
	return co_buf_addc(b, '"');
}

int co_csv_fieldz(struct co_buf *b, const char *s)
{
	return co_csv_field(b, s ? s : "", s ? strlen(s) : 0);
}

int co_csv_double(struct co_buf *b, double v)
{
	char t[32];

	if (isnan(v))
		return 0;
	return co_buf_add(b, t, co_dtoa(v, t));
}

int co_csv_sep(struct co_buf *b)
{
	return co_buf_addc(b, ',');
}

int co_csv_end(struct co_buf *b)
{
	return co_buf_add(b, "\r\n", 2);
}

/* ---- reader ---- */

#define CSV_CHUNK ((size_t)64 * 1024)

enum csv_state { S_START, S_UNQUOTED, S_QUOTED, S_QUOTE_IN_QUOTED };

struct co_csv {
	FILE *f;
	const char *data; /* the window: data[pos..end) */
	size_t pos, end;
	char *chunk; /* file mode: owned window storage */
	int eof;     /* no more input beyond the window */
	int failed;  /* sticky error code */
	struct co_err saved;
	long row, line;
	int bom_checked;
	/* the record being built */
	char *text;
	size_t tlen, tcap;
	size_t *off, *flen;
	unsigned char *quoted;
	char **fields;
	size_t nf, fcap;
};

static struct co_csv *csv_alloc(void)
{
	struct co_csv *c = calloc(1, sizeof(*c));

	if (c)
		c->line = 1;
	return c;
}

int co_csv_open_mem(struct co_csv **out, const char *data, size_t len, struct co_err *err)
{
	struct co_csv *c = csv_alloc();

	if (!c)
		return co_errf(err, CO_ENOMEM, "out of memory");
	c->data = data;
	c->end = len;
	c->eof = 1;
	*out = c;
	return 0;
}

int co_csv_open_file(struct co_csv **out, FILE *f, struct co_err *err)
{
	struct co_csv *c = csv_alloc();

	if (!c)
		return co_errf(err, CO_ENOMEM, "out of memory");
	c->chunk = malloc(CSV_CHUNK);
	if (!c->chunk) {
		free(c);
		return co_errf(err, CO_ENOMEM, "out of memory");
	}
	c->f = f;
	c->data = c->chunk;
	*out = c;
	return 0;
}

void co_csv_free(struct co_csv *c)
{
	if (!c)
		return;
	free(c->chunk);
	free(c->text);
	free(c->off);
	free(c->flen);
	free(c->quoted);
	free(c->fields);
	free(c);
}

/* More input into the window; 0 at the end. */
static int csv_fill(struct co_csv *c, struct co_err *err)
{
	size_t n;

	if (c->pos < c->end)
		return 1;
	if (c->eof)
		return 0;
	n = fread(c->chunk, 1, CSV_CHUNK, c->f);
	if (n == 0) {
		if (ferror(c->f))
			return co_errf(err, CO_EIO, "reading the CSV input failed");
		c->eof = 1;
		return 0;
	}
	c->pos = 0;
	c->end = n;
	return 1;
}

static int csv_text(struct co_csv *c, const char *s, size_t n, struct co_err *err)
{
	if (c->tlen + n + 1 > CO_MAX_LINE)
		return co_errf_at(err, CO_ELIMIT, c->row, (long)c->nf + 1, NULL,
		                  "the record is longer than %lu bytes",
		                  (unsigned long)CO_MAX_LINE);
	if (c->tlen + n + 1 > c->tcap) {
		size_t cap = c->tcap ? c->tcap : 1024;
		char *t;

		while (cap < c->tlen + n + 1)
			cap *= 2;
		t = realloc(c->text, cap);
		if (!t)
			return co_errf(err, CO_ENOMEM, "out of memory");
		c->text = t;
		c->tcap = cap;
	}
	memcpy(c->text + c->tlen, s, n);
	c->tlen += n;
	return 0;
}

static int csv_end_field(struct co_csv *c, int quoted, size_t start, struct co_err *err)
{
	int rc;

	if (c->nf >= CO_MAX_CSV_FIELDS)
		return co_errf_at(err, CO_ELIMIT, c->row, (long)c->nf + 1, NULL,
		                  "the record has more than %d fields", CO_MAX_CSV_FIELDS);
	if (c->nf == c->fcap) {
		size_t cap = c->fcap ? c->fcap * 2 : 16;
		size_t *o = realloc(c->off, cap * sizeof(*o));

		if (o)
			c->off = o;
		o = realloc(c->flen, cap * sizeof(*o));
		if (o)
			c->flen = o;
		{
			unsigned char *q = realloc(c->quoted, cap);
			char **fp = realloc(c->fields, cap * sizeof(*fp));

			if (q)
				c->quoted = q;
			if (fp)
				c->fields = fp;
			if (!q || !fp || !o)
				return co_errf(err, CO_ENOMEM, "out of memory");
		}
		c->fcap = cap;
	}
	c->off[c->nf] = start;
	c->flen[c->nf] = c->tlen - start;
	c->quoted[c->nf] = (unsigned char)quoted;
	c->nf++;
	/* a NUL between fields keeps each one terminated */
	rc = csv_text(c, "", 1, err);
	return rc;
}

static int csv_fail(struct co_csv *c, int rc, struct co_err *err)
{
	c->failed = rc;
	if (err)
		c->saved = *err;
	return rc;
}

int co_csv_next(struct co_csv *c, struct co_csv_record *rec, struct co_err *err)
{
	enum csv_state st = S_START;
	size_t start = 0;
	long qline = 0, line0;
	int rc, any = 0;

	if (c->failed) {
		if (err)
			*err = c->saved;
		return c->failed;
	}
	c->tlen = 0;
	c->nf = 0;
	c->row++;
	line0 = c->line;
	for (;;) {
		const char *d;
		size_t i, e;

		if ((rc = csv_fill(c, err)) < 0)
			return csv_fail(c, rc, err);
		if (rc == 0)
			break;
		d = c->data;
		e = c->end;
		if (!c->bom_checked) {
			if (e - c->pos >= 3 && (unsigned char)d[c->pos] == 0xEF &&
			    (unsigned char)d[c->pos + 1] == 0xBB &&
			    (unsigned char)d[c->pos + 2] == 0xBF)
				c->pos += 3;
			c->bom_checked = 1;
			continue;
		}
		i = c->pos;
		switch (st) {
		case S_START:
			any = 1;
			start = c->tlen;
			if (d[i] == '"') {
				st = S_QUOTED;
				qline = c->line;
				c->pos = i + 1;
				continue;
			}
			st = S_UNQUOTED;
			/* fall through */
		case S_UNQUOTED: {
			size_t j = i;

			while (j < e && d[j] != ',' && d[j] != '\n' && d[j] != '\r' &&
			       d[j] != '"' && d[j] != '\0')
				j++;
			if ((rc = csv_text(c, d + i, j - i, err)))
				return csv_fail(c, rc, err);
			c->pos = j;
			if (j == e)
				continue;
			if (d[j] == '"')
				return csv_fail(
				        c,
				        co_errf_at(err, CO_EINPUT, c->row, (long)c->nf + 1, NULL,
				                   "a quote inside an unquoted field (quote "
				                   "the whole field and double the quote)"),
				        err);
			if (d[j] == '\0')
				goto nul;
			if ((rc = csv_end_field(c, 0, start, err)))
				return csv_fail(c, rc, err);
			c->pos = j + 1;
			if (d[j] == ',') {
				st = S_START;
				continue;
			}
			goto end_of_line;
		}
		case S_QUOTED: {
			size_t j = i;

			while (j < e && d[j] != '"' && d[j] != '\0') {
				if (d[j] == '\n' ||
				    (d[j] == '\r' && (j + 1 >= e || d[j + 1] != '\n')))
					c->line++;
				j++;
			}
			if ((rc = csv_text(c, d + i, j - i, err)))
				return csv_fail(c, rc, err);
			c->pos = j;
			if (j == e)
				continue;
			if (d[j] == '\0')
				goto nul;
			c->pos = j + 1;
			st = S_QUOTE_IN_QUOTED;
			continue;
		}
		case S_QUOTE_IN_QUOTED:
			if (d[i] == '"') {
				if ((rc = csv_text(c, "\"", 1, err)))
					return csv_fail(c, rc, err);
				c->pos = i + 1;
				st = S_QUOTED;
				continue;
			}
			if (d[i] == ',' || d[i] == '\r' || d[i] == '\n') {
				if ((rc = csv_end_field(c, 1, start, err)))
					return csv_fail(c, rc, err);
				c->pos = i + 1;
				if (d[i] == ',') {
					st = S_START;
					continue;
				}
				goto end_of_line_at;
			}
			return csv_fail(c,
			                co_errf_at(err, CO_EINPUT, c->row, (long)c->nf + 1, NULL,
			                           "text after the closing quote of a field"),
			                err);
		}
		continue;
	end_of_line:
		i = c->pos - 1;
	end_of_line_at:
		/* d[i] is CR or LF; a CR followed by LF is one line end */
		if (d[i] == '\r') {
			if (c->pos >= c->end && (rc = csv_fill(c, err)) < 0)
				return csv_fail(c, rc, err);
			if (c->pos < c->end && c->data[c->pos] == '\n')
				c->pos++;
		}
		c->line++;
		if (c->nf == 1 && c->flen[0] == 0 && !c->quoted[0]) {
			/* an empty line: skip it */
			c->tlen = 0;
			c->nf = 0;
			st = S_START;
			any = 0;
			line0 = c->line;
			continue;
		}
		goto done;
	nul:
		return csv_fail(c,
		                co_errf_at(err, CO_EINPUT, c->row, (long)c->nf + 1, NULL,
		                           "a NUL byte in the CSV input"),
		                err);
	}
	/* end of input */
	if (st == S_QUOTED)
		return csv_fail(c,
		                co_errf_at(err, CO_EINPUT, c->row, (long)c->nf + 1, NULL,
		                           "a quoted field that starts on line %ld is not closed",
		                           qline),
		                err);
	if (!any) {
		c->row--;
		return 0;
	}
	if (st == S_START)
		start = c->tlen; /* the input ends with a comma: one more empty field */
	if ((rc = csv_end_field(c, st == S_QUOTE_IN_QUOTED, start, err)))
		return csv_fail(c, rc, err);
	if (c->nf == 1 && c->flen[0] == 0 && !c->quoted[0]) {
		c->row--;
		return 0;
	}
done : {
	size_t k;

	for (k = 0; k < c->nf; k++)
		c->fields[k] = c->text + c->off[k];
	rec->nfields = c->nf;
	rec->field = c->fields;
	rec->len = c->flen;
	rec->quoted = c->quoted;
	rec->row = c->row;
	rec->line = line0;
}
	return 1;
}

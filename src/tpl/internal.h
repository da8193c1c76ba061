/*
 * internal.h - the compiled form of templates, shared by the files of
 * src/tpl only (compile.c builds it, render.c walks it, set.c owns it).
 *
 * A template compiles to a tree of nodes and expressions allocated from
 * its set's arena; nothing in it changes after tpl_set_link(), which is
 * what makes concurrent rendering safe.
 */
#ifndef TPL_INTERNAL_H
#define TPL_INTERNAL_H

#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "tpl/tpl.h"

/* How an output is escaped, decided at compile time from its HTML place. */
enum tpl__esc {
	TPL__ESC_NONE, /* plain-text templates and | raw */
	TPL__ESC_HTML, /* text and quoted attribute values */
	TPL__ESC_URL,  /* the start of a URL attribute: scheme check, then HTML */
};

enum tpl__ekind {
	TPL__E_LIT,     /* a literal: lit */
	TPL__E_NAME,    /* a variable: name */
	TPL__E_ATTR,    /* a.name: a, name */
	TPL__E_INDEX,   /* a[b] */
	TPL__E_NOT,     /* not a */
	TPL__E_NEG,     /* -a */
	TPL__E_AND,     /* a and b */
	TPL__E_OR,      /* a or b */
	TPL__E_BIN,     /* a op b */
	TPL__E_FILTER,  /* a | name(args) */
	TPL__E_GETTEXT, /* _, ngettext, pgettext, npgettext */
	TPL__E_COND,    /* a if b else c */
};

enum tpl__binop {
	TPL__OP_EQ,
	TPL__OP_NE,
	TPL__OP_LT,
	TPL__OP_LE,
	TPL__OP_GT,
	TPL__OP_GE,
	TPL__OP_IN,
	TPL__OP_ADD,
	TPL__OP_SUB,
	TPL__OP_MUL,
	TPL__OP_DIV,
	TPL__OP_MOD,
	TPL__OP_CAT,
};

enum tpl__filter {
	TPL__F_URL,
	TPL__F_DEFAULT,
	TPL__F_LENGTH,
	TPL__F_JOIN,
	TPL__F_NUMBER,
	TPL__F_DATE,
	TPL__F_DATETIME,
	TPL__F_TIME,
	TPL__F_ISODATE,
	TPL__F_UPPER,
	TPL__F_LOWER,
};

enum tpl__lkind { TPL__L_NULL, TPL__L_BOOL, TPL__L_INT, TPL__L_REAL, TPL__L_STR };

struct tpl__lit {
	enum tpl__lkind kind;
	long long i; /* BOOL and INT */
	double r;
	const char *s;
	size_t len;
};

/* name=expr, in include ... with, trans and gettext calls. */
struct tpl__kwarg {
	const char *name;
	struct tpl__expr *value;
	struct tpl__kwarg *next;
};

/* A message to translate: in an expression or a {% trans %} block. */
struct tpl__msg {
	const char *ctx; /* NULL: none */
	const char *msgid;
	const char *plural;      /* NULL: none */
	struct tpl__expr *count; /* the plural's n (NULL without plural) */
	const char *count_name;  /* the placeholder the count fills: "n" or "count" */
	struct tpl__kwarg *args;
	int line;
};

struct tpl__expr {
	enum tpl__ekind kind;
	union {
		struct tpl__lit lit;
		const char *name; /* NAME */
		struct {
			struct tpl__expr *a, *b, *c; /* c: COND's else */
			const char *name;            /* ATTR */
			enum tpl__binop op;
		} op;
		struct {
			struct tpl__expr *a;
			enum tpl__filter f;
			struct tpl__expr *arg; /* NULL when none */
		} filter;
		struct tpl__msg msg;
	} u;
};

enum tpl__nkind {
	TPL__N_TEXT,
	TPL__N_OUT,
	TPL__N_IF,
	TPL__N_FOR,
	TPL__N_SET,
	TPL__N_INCLUDE,
	TPL__N_BLOCK,
	TPL__N_TRANS,
};

struct tpl__node {
	enum tpl__nkind kind;
	int line;
	struct tpl__node *next;
	union {
		struct {
			const char *s;
			size_t len;
		} text;
		struct {
			struct tpl__expr *e;
			enum tpl__esc esc;
		} out;
		struct {
			struct tpl__expr *cond;
			struct tpl__node *then, *els; /* an elif is an IF alone in els */
		} cond;
		struct {
			const char *key; /* NULL with one variable */
			const char *val;
			struct tpl__expr *e;
			struct tpl__node *body, *els;
		} loop;
		struct {
			const char *name;
			struct tpl__expr *e;
		} set;
		struct {
			const char *name;
			const struct tpl__tpl *tpl; /* resolved by tpl_set_link */
			struct tpl__kwarg *args;
		} inc;
		struct {
			const char *name;
			struct tpl__node *body;
		} block;
		struct {
			struct tpl__msg msg;
			int html; /* the msgstr is trusted HTML; values are escaped */
		} trans;
	} u;
};

struct tpl__blockdef {
	const char *name;
	struct tpl__node *body;
	int line;
	struct tpl__blockdef *next;
};

struct tpl__tpl {
	const char *name;
	int html;
	const char *parent_name; /* {% extends %}, or NULL */
	int parent_line;
	const struct tpl__tpl *parent; /* resolved by tpl_set_link */
	struct tpl__node *body;
	struct tpl__blockdef *blocks; /* every block defined in this file */
};

struct tpl_set {
	struct co_arena arena;
	struct tpl__tpl **v; /* sorted by name once linked */
	size_t n, cap;
	int linked;
};

/* Compiles src into a template allocated from a (compile.c). */
int tpl__compile(struct co_arena *a, const char *name, const char *src, size_t len, int html,
                 struct tpl__tpl **out, struct co_err *e);

/* The template of that name in a linked set, or NULL. */
const struct tpl__tpl *tpl__find(const struct tpl_set *set, const char *name);

#endif

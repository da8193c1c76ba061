/*
 * limits.h - every size limit in Collective, in one place.
 *
 * Each growable buffer is created with a maximum size taken from here, so
 * that no input can make the program grow without bound. Change a limit
 * here and nowhere else.
 */
#ifndef CO_LIMITS_H
#define CO_LIMITS_H

/* Text and buffers */
#define CO_MAX_ERRMSG     512                    /* a human-readable error message */
#define CO_MAX_FIELDNAME  64                     /* a field or column name in an error */
#define CO_MAX_ERRARGS    6                      /* values kept apart in an error (err.h) */
#define CO_MAX_ERRARG     128                    /* one such value, as text */
#define CO_MAX_LINE       (1024UL * 1024)        /* one CSV record */
#define CO_MAX_CSV_FIELDS 4096                   /* fields in one CSV record */
#define CO_MAX_FILE       (512UL * 1024 * 1024)  /* a file read whole into memory */
#define CO_MAX_OUTPUT     (1024UL * 1024 * 1024) /* one generated document */

/* HTTP */
#define CO_MAX_BODY         (8UL * 1024 * 1024)  /* a request body */
#define CO_MAX_FORM_FIELDS  512                  /* fields in one form */
#define CO_MAX_FIELD_VALUE  (1024UL * 1024)      /* one form field's value */
#define CO_MAX_HEADER_BYTES (32UL * 1024)        /* all request headers */
#define CO_MAX_URL          8192                 /* a request target */
#define CO_MAX_PAGE         (16UL * 1024 * 1024) /* one rendered response */

/* HTTP parsing (src/http) */
#define CO_MAX_COOKIES     64   /* pairs in one Cookie header */
#define CO_MAX_PATH_SEGS   64   /* segments in a request path or route pattern */
#define CO_MAX_PART_HEADER 4096 /* the headers of one multipart part */

/* Storage and configuration */
#define CO_MAX_SQL        (4 * 1024 * 1024) /* one SQL statement or migration, expanded */
#define CO_MAX_CONF_VALUE 1024              /* one configuration value */

/* The web layer's cache of anonymous answers (src/web/cache.c) */
#define CO_MAX_CACHE_ENTRIES 256                 /* answers kept */
#define CO_MAX_CACHE_BYTES   (8UL * 1024 * 1024) /* their bodies, in all */

/* Improve (src/mod/improve) */
#define CO_MAX_INPUT_ERRORS 1000 /* errors listed for one form or upload */
#define CO_MAX_NOTE         4000 /* a note on one data value, in bytes */

/* SPC engine (src/spc) */
#define CO_SPC_MAX_POINTS (50UL * 1000 * 1000)        /* rows given to one spc_run() */
#define CO_SPC_ARENA_MAX  (16UL * 1024 * 1024 * 1024) /* one result with its scratch */
#define CO_SPC_MAX_LIST   100000                      /* parts, exclusions, rebase dates */
#define CO_SPC_MAX_SVG    (8UL * 1024 * 1024)         /* one chart as SVG */

/* Exchange (src/mod/exchange) */
#define CO_EX_MAX_TITLE    300    /* a topic, name, title or address, in bytes */
#define CO_EX_MAX_TEXT     20000  /* a description, summary, insight or need, in bytes */
#define CO_EX_MAX_CAPACITY 100000 /* places at one exchange or session */

/* Workforce engine (src/wf) */
#define CO_WF_MAX_PROFESSIONS 500                   /* professions in one model */
#define CO_WF_MAX_GROUPS      1000                  /* groups of one profession */
#define CO_WF_MAX_HORIZON     100                   /* years projected */
#define CO_WF_MAX_AGE         130                   /* the oldest age_max */
#define CO_WF_MAX_COURSE      20                    /* years of one course */
#define CO_WF_MAX_ROWS        100000                /* rows of any one table in a file */
#define CO_WF_MAX_SCENARIOS   200                   /* scenarios, base included */
#define CO_WF_MAX_CELLS       20000000L             /* professions x groups x ages x years */
#define CO_WF_MAX_MC_BYTES    (2048L * 1024 * 1024) /* one profession's draws */

/* Memory */
#define CO_ARENA_BLOCK (64UL * 1024)         /* default arena block */
#define CO_ARENA_MAX   (256UL * 1024 * 1024) /* one request's arena */

#endif

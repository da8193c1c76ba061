/*
 * manpower.c - a general manpower-planning model as a linear programme
 * (GLPK), after H. P. Williams, "Model Building in Mathematical
 * Programming", the manpower planning problem.
 *
 * For each period t = 1..P and category c, with strength s, recruits r,
 * redundancies x, overmanning o, short-time workers w, and u_k the number
 * moving along transition k (retraining, downgrading, ...):
 *
 *   s_c,t = (1 - wastage_c) s_c,t-1 + (1 - wastage_new_c) r_c,t
 *           + sum_{k into c} retained_k u_k,t - sum_{k out of c} u_k,t - x_c,t
 *   s_c,t - o_c,t - short_time_factor_c w_c,t = requirement_c,t
 *   r <= recruit_max,  w <= short_time_max,  sum_c o_c,t <= overmanning_max,
 *   u_k,t <= max_k,  u_k,t <= max_share_k x (requirement or strength of "to")
 *
 * minimising sum x (redundancy) or the total cost of recruitment,
 * redundancy, overmanning, short-time working and transitions. Leavers of a
 * transition (1 - retained) leave at once. When no plan meets every
 * requirement, an elastic copy (requirements may be missed at a price)
 * names the requirements that cannot be met.
 */
#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf/wf_int.h"

enum { V_S, V_R, V_X, V_O, V_W, NV };

struct lp {
	glp_prob *P;
	int per; /* columns per period */
	int *ia, *ja;
	double *ar;
	int nz, cap;
};

static int col(const struct wf_manpower *mp, const struct lp *L, int t, int c, int v)
{
	(void)mp;
	return 1 + t * L->per + c * NV + v;
}

static int col_tr(const struct wf_manpower *mp, const struct lp *L, int t, int k)
{
	return 1 + t * L->per + mp->n_cat * NV + k;
}

static int nz(struct lp *L, int row, int c, double v)
{
	if (L->nz + 1 >= L->cap) {
		int cap = L->cap * 2;
		int *ia = realloc(L->ia, (size_t)cap * sizeof(int));
		int *ja = ia ? realloc(L->ja, (size_t)cap * sizeof(int)) : NULL;
		double *ar = ja ? realloc(L->ar, (size_t)cap * sizeof(double)) : NULL;
		if (ia)
			L->ia = ia;
		if (ja)
			L->ja = ja;
		if (!ar)
			return CO_ENOMEM;
		L->ar = ar;
		L->cap = cap;
	}
	L->nz++;
	L->ia[L->nz] = row;
	L->ja[L->nz] = c;
	L->ar[L->nz] = v;
	return 0;
}

/* Builds the LP; elastic adds two columns per requirement row (short, over)
 * priced 1 with every other price 0. Returns the first requirement row. */
static int build(const struct wf_manpower *mp, struct lp *L, int objective, int elastic,
                 int *req_row0)
{
	int P = mp->periods, C = mp->n_cat, K = mp->n_tr, t, c, k, row = 0, ncols;
	int share_rows = 0, over_rows = isinf(mp->over_max) ? 0 : 1, rc;

	for (k = 0; k < K; k++)
		if (mp->tr[k].max_share >= 0 && mp->tr[k].share_of_strength)
			share_rows++;
	L->per = C * NV + K;
	ncols = P * L->per + (elastic ? 2 * P * C : 0);
	L->P = glp_create_prob();
	glp_set_obj_dir(L->P, GLP_MIN);
	glp_add_cols(L->P, ncols);
	glp_add_rows(L->P, P * (2 * C + over_rows + share_rows));
	L->cap = 1024;
	L->nz = 0;
	L->ia = malloc((size_t)L->cap * sizeof(int));
	L->ja = malloc((size_t)L->cap * sizeof(int));
	L->ar = malloc((size_t)L->cap * sizeof(double));
	if (!L->ia || !L->ja || !L->ar)
		return CO_ENOMEM;
	*req_row0 = 0;
	for (t = 0; t < P; t++) {
		for (c = 0; c < C; c++) {
			const struct wf__mp_cat *X = &mp->cat[c];
			int v;
			for (v = 0; v < NV; v++)
				glp_set_col_bnds(L->P, col(mp, L, t, c, v), GLP_LO, 0, 0);
			if (!isinf(X->recruit_max))
				glp_set_col_bnds(L->P, col(mp, L, t, c, V_R),
				                 X->recruit_max > 0 ? GLP_DB : GLP_FX, 0,
				                 X->recruit_max);
			glp_set_col_bnds(L->P, col(mp, L, t, c, V_W),
			                 X->st_max > 0 ? GLP_DB : GLP_FX, 0, X->st_max);
			if (!elastic && objective == WF_MP_REDUNDANCY)
				glp_set_obj_coef(L->P, col(mp, L, t, c, V_X), 1);
			if (!elastic && objective == WF_MP_COST) {
				glp_set_obj_coef(L->P, col(mp, L, t, c, V_R), X->recruit_cost);
				glp_set_obj_coef(L->P, col(mp, L, t, c, V_X), X->redundancy_cost);
				glp_set_obj_coef(L->P, col(mp, L, t, c, V_O), X->over_cost);
				glp_set_obj_coef(L->P, col(mp, L, t, c, V_W), X->st_cost);
			}
		}
		for (k = 0; k < K; k++) {
			const struct wf__mp_tr *T = &mp->tr[k];
			double ub = T->max;
			if (T->max_share >= 0 && !T->share_of_strength &&
			    T->max_share * mp->cat[T->to].req[t] < ub)
				ub = T->max_share * mp->cat[T->to].req[t];
			if (isinf(ub))
				glp_set_col_bnds(L->P, col_tr(mp, L, t, k), GLP_LO, 0, 0);
			else
				glp_set_col_bnds(L->P, col_tr(mp, L, t, k),
				                 ub > 0 ? GLP_DB : GLP_FX, 0, ub);
			if (!elastic && objective == WF_MP_COST)
				glp_set_obj_coef(L->P, col_tr(mp, L, t, k), T->cost);
		}
		/* balance rows */
		for (c = 0; c < C; c++) {
			const struct wf__mp_cat *X = &mp->cat[c];
			row++;
			glp_set_row_bnds(L->P, row, GLP_FX,
			                 t == 0 ? (1 - X->wastage) * X->strength : 0, 0);
			if ((rc = nz(L, row, col(mp, L, t, c, V_S), 1)) ||
			    (t > 0 &&
			     (rc = nz(L, row, col(mp, L, t - 1, c, V_S), -(1 - X->wastage)))) ||
			    (rc = nz(L, row, col(mp, L, t, c, V_R), -(1 - X->wastage_new))) ||
			    (rc = nz(L, row, col(mp, L, t, c, V_X), 1)))
				return rc;
			for (k = 0; k < K; k++) {
				if (mp->tr[k].to == c &&
				    (rc = nz(L, row, col_tr(mp, L, t, k), -mp->tr[k].retained)))
					return rc;
				if (mp->tr[k].from == c &&
				    (rc = nz(L, row, col_tr(mp, L, t, k), 1)))
					return rc;
			}
		}
		/* requirement rows */
		for (c = 0; c < C; c++) {
			const struct wf__mp_cat *X = &mp->cat[c];
			row++;
			if (t == 0)
				*req_row0 = row;
			glp_set_row_bnds(L->P, row, GLP_FX, X->req[t], 0);
			if ((rc = nz(L, row, col(mp, L, t, c, V_S), 1)) ||
			    (rc = nz(L, row, col(mp, L, t, c, V_O), -1)) ||
			    (rc = nz(L, row, col(mp, L, t, c, V_W), -X->st_factor)))
				return rc;
			if (elastic) {
				int e0 = P * L->per + 2 * (t * C + c) + 1;
				glp_set_col_bnds(L->P, e0, GLP_LO, 0, 0);
				glp_set_col_bnds(L->P, e0 + 1, GLP_LO, 0, 0);
				glp_set_obj_coef(L->P, e0, 1);
				glp_set_obj_coef(L->P, e0 + 1, 1);
				if ((rc = nz(L, row, e0, 1)) || (rc = nz(L, row, e0 + 1, -1)))
					return rc;
			}
		}
		if (over_rows) {
			row++;
			glp_set_row_bnds(L->P, row, GLP_UP, 0, mp->over_max);
			for (c = 0; c < C; c++)
				if ((rc = nz(L, row, col(mp, L, t, c, V_O), 1)))
					return rc;
		}
		for (k = 0; k < K; k++) {
			const struct wf__mp_tr *T = &mp->tr[k];
			if (T->max_share < 0 || !T->share_of_strength)
				continue;
			row++;
			glp_set_row_bnds(L->P, row, GLP_UP, 0, 0);
			if ((rc = nz(L, row, col_tr(mp, L, t, k), 1)) ||
			    (rc = nz(L, row, col(mp, L, t, T->to, V_S), -T->max_share)))
				return rc;
		}
	}
	glp_load_matrix(L->P, L->nz, L->ia, L->ja, L->ar);
	return 0;
}

static void lp_free(struct lp *L)
{
	if (L->P)
		glp_delete_prob(L->P);
	free(L->ia);
	free(L->ja);
	free(L->ar);
	memset(L, 0, sizeof(*L));
}

static int solve(glp_prob *P)
{
	glp_smcp parm;
	int rc;

	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = GLP_ON;
	rc = glp_simplex(P, &parm);
	if (rc == 0 && glp_get_status(P) == GLP_OPT)
		return 0;
	return rc == GLP_ENOPFS || glp_get_status(P) == GLP_NOFEAS ? 1 : 2;
}

static int infeasible(const struct wf_manpower *mp, struct co_err *e)
{
	struct lp L;
	char msg[CO_MAX_ERRMSG];
	size_t n = 0;
	int r0, t, c, rc;

	memset(&L, 0, sizeof(L));
	if ((rc = build(mp, &L, WF_MP_COST, 1, &r0))) {
		lp_free(&L);
		return co_errf(e, rc, "out of memory");
	}
	msg[0] = '\0';
	if (solve(L.P) == 0) {
		int base = mp->periods * L.per;
		for (t = 0; t < mp->periods; t++)
			for (c = 0; c < mp->n_cat; c++) {
				double sh =
				        glp_get_col_prim(L.P, base + 2 * (t * mp->n_cat + c) + 1);
				double ov =
				        glp_get_col_prim(L.P, base + 2 * (t * mp->n_cat + c) + 2);
				if ((sh > 1e-7 || ov > 1e-7) && n < sizeof(msg))
					n += (size_t)snprintf(msg + n, sizeof(msg) - n,
					                      "%s%s in period %d (%s by %.6g)",
					                      n ? "; " : "", mp->cat[c].code, t + 1,
					                      sh > 1e-7 ? "short" : "over",
					                      sh > 1e-7 ? sh : ov);
			}
	}
	lp_free(&L);
	return co_errf_at(e, CO_EINPUT, 0, 0, "requirement",
	                  "no plan meets every requirement within the limits; the requirements "
	                  "that conflict with recruitment, wastage and transition limits: %s",
	                  msg[0] ? msg : "(could not be isolated)");
}

static int num(struct co_buf *b, const char *key, double x)
{
	if (fabs(x) < 1e-9)
		x = 0; /* the simplex leaves dust */
	return co_buf_printf(b, ",\"%s\":%.10g", key, x);
}

int wf_manpower_solve(const struct wf_manpower *mp, int objective, struct co_buf *b,
                      double *objective_value, struct co_err *e)
{
	struct lp L;
	struct co_buf out;
	double obj, red = 0, cost = 0;
	int r0, t, c, k, rc, st;

	memset(&L, 0, sizeof(L));
	if ((rc = build(mp, &L, objective, 0, &r0))) {
		lp_free(&L);
		return co_errf(e, rc, "out of memory");
	}
	st = solve(L.P);
	if (st == 1) {
		lp_free(&L);
		return infeasible(mp, e);
	}
	if (st) {
		lp_free(&L);
		return co_errf(e, CO_EINPUT, "the optimiser found no bounded optimum");
	}
	obj = glp_get_obj_val(L.P);
	for (t = 0; t < mp->periods; t++) {
		for (c = 0; c < mp->n_cat; c++) {
			const struct wf__mp_cat *X = &mp->cat[c];
			double x = glp_get_col_prim(L.P, col(mp, &L, t, c, V_X));
			red += x;
			cost += X->recruit_cost * glp_get_col_prim(L.P, col(mp, &L, t, c, V_R)) +
			        X->redundancy_cost * x +
			        X->over_cost * glp_get_col_prim(L.P, col(mp, &L, t, c, V_O)) +
			        X->st_cost * glp_get_col_prim(L.P, col(mp, &L, t, c, V_W));
		}
		for (k = 0; k < mp->n_tr; k++)
			cost += mp->tr[k].cost * glp_get_col_prim(L.P, col_tr(mp, &L, t, k));
	}
	co_buf_init(&out, CO_MAX_OUTPUT);
	rc = co_buf_printf(&out, "{\"minimise\":\"%s\",\"objective\":%.10g",
	                   objective == WF_MP_COST ? "cost" : "redundancy", obj);
	rc = rc ? rc : num(&out, "total_cost", cost);
	rc = rc ? rc : num(&out, "total_redundancy", red);
	rc = rc ? rc : co_buf_adds(&out, ",\"periods\":[");
	for (t = 0; t < mp->periods && !rc; t++) {
		rc = co_buf_printf(&out, "%s{\"period\":%d,\"categories\":[", t ? "," : "", t + 1);
		for (c = 0; c < mp->n_cat && !rc; c++) {
			rc = co_buf_printf(&out, "%s{\"code\":", c ? "," : "");
			rc = rc ? rc : wf__json_text(&out, mp->cat[c].code);
			rc = rc ? rc : num(&out, "requirement", mp->cat[c].req[t]);
			rc = rc ? rc
			        : num(&out, "strength",
			              glp_get_col_prim(L.P, col(mp, &L, t, c, V_S)));
			rc = rc ? rc
			        : num(&out, "recruits",
			              glp_get_col_prim(L.P, col(mp, &L, t, c, V_R)));
			rc = rc ? rc
			        : num(&out, "redundancy",
			              glp_get_col_prim(L.P, col(mp, &L, t, c, V_X)));
			rc = rc ? rc
			        : num(&out, "overmanning",
			              glp_get_col_prim(L.P, col(mp, &L, t, c, V_O)));
			rc = rc ? rc
			        : num(&out, "short_time",
			              glp_get_col_prim(L.P, col(mp, &L, t, c, V_W)));
			rc = rc ? rc : co_buf_addc(&out, '}');
		}
		rc = rc ? rc : co_buf_adds(&out, "],\"transitions\":[");
		for (k = 0; k < mp->n_tr && !rc; k++) {
			const struct wf__mp_tr *T = &mp->tr[k];
			rc = co_buf_printf(&out, "%s{\"from\":", k ? "," : "");
			rc = rc ? rc : wf__json_text(&out, mp->cat[T->from].code);
			rc = rc ? rc : co_buf_adds(&out, ",\"to\":");
			rc = rc ? rc : wf__json_text(&out, mp->cat[T->to].code);
			rc = rc ? rc : co_buf_adds(&out, ",\"kind\":");
			rc = rc ? rc : wf__json_text(&out, T->kind);
			rc = rc ? rc
			        : num(&out, "number", glp_get_col_prim(L.P, col_tr(mp, &L, t, k)));
			rc = rc ? rc : co_buf_addc(&out, '}');
		}
		rc = rc ? rc : co_buf_adds(&out, "]}");
	}
	rc = rc ? rc : co_buf_adds(&out, "]}\n");
	lp_free(&L);
	if (!rc)
		rc = co_buf_add(b, out.data, out.len);
	co_buf_free(&out);
	if (rc)
		return co_errf(e, rc, "the answer is too large or memory ran out");
	if (objective_value)
		*objective_value = obj;
	return 0;
}

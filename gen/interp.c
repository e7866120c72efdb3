/* interp.c: the merged program as a table the runtime walks (see interp.h). */
#include <stdlib.h>
#include <string.h>

#include "interp.h"

typedef struct interp_line {
  lowered_line call;
  uint8_t cls;
  int group;  /* fused: its group in interp_data.groups, else -1 */
  bool first; /* the first line of its group: the fused call runs here */
} interp_line;

typedef struct interp_data {
  interp_line *lines; /* index 1..n */
  uint8_t *line_class;
  int32_t *last_use;
  bt_solver_info *solvers;
  bt_fused *groups;
  int ngroups;
} interp_data;

static bool to_operand(const card_opnd *o, bt_operand *out) {
  switch (o->kind) {
  case OPND_LINE: *out = BT_T(o->line + 1); return true;
  case OPND_INPUT: *out = o->input == INPUT_S ? BT_S : o->input == INPUT_I ? BT_I : BT_C; return true;
  case OPND_INT: *out = BT_INT((int64_t)o->v[0]); return true;
  case OPND_BOOL: *out = BT_BOOLV((int64_t)o->v[0]); return true;
  case OPND_PAIR: *out = BT_PAIRV((int64_t)o->v[0], (int64_t)o->v[1]); return true;
  case OPND_PRIM: {
    int id = bt_prim_lookup(o->prim->cname);
    *out = BT_FNV(id);
    return id >= 0;
  }
  case OPND_STEP: *out = BT_G(o->line); return true;
  }
  return false;
}

/* n zeroed elements of size bytes (one more, so that n may be 0); clears *ok when memory
 * cannot be had. */
static void *lowered_array(int n, size_t size, bool *ok) {
  void *a = calloc((size_t)n + 1, size);
  *ok &= a != NULL;
  return a;
}

bool lower_group(const card_group *cg, bt_fused *g) {
  bool ok = true;
  memset(g, 0, sizeof *g);
  g->kind = (int32_t)cg->kind; /* PAT_* are BT_FUSED_* (card.h) */
  g->n = cg->nlines;
  if (cg->kind != PAT_SAMPLE) ok &= to_operand(&cg->shared, &g->shared);
  int32_t *ts = lowered_array(g->n, sizeof *ts, &ok);
  int32_t *modes = cg->modes ? lowered_array(g->n, sizeof *modes, &ok) : NULL;
  bt_operand *fns = cg->fns ? lowered_array(g->n, sizeof *fns, &ok) : NULL;
  uint8_t *merge = cg->merge ? lowered_array(g->n, sizeof *merge, &ok) : NULL;
  bt_step_out *outs = cg->out_step ? lowered_array(g->n, sizeof *outs, &ok) : NULL;
  bt_step *steps = cg->steps ? lowered_array(cg->nsteps, sizeof *steps, &ok) : NULL;
  g->ts = ts;
  g->modes = modes;
  g->fns = fns;
  g->merge = merge;
  g->outs = outs;
  g->steps = steps;
  g->nsteps = steps ? cg->nsteps : 0;
  if (!ok) return false;
  for (int i = 0; i < g->n; i++) {
    ts[i] = cg->lines[i] + 1;
    if (modes) modes[i] = cg->modes[i];
    if (fns) ok &= to_operand(&cg->fns[i], &fns[i]);
    if (merge) merge[i] = cg->merge[i];
    if (outs) outs[i] = (bt_step_out){cg->lines[i] + 1, cg->out_step[i]};
  }
  for (int k = 0; k < g->nsteps; k++) {
    const card_step *cs = &cg->steps[k];
    ok &= to_operand(&cs->callee, &steps[k].fn);
    steps[k].nargs = cs->nargs;
    for (int a = 0; a < cs->nargs; a++)
      ok &= to_operand(&cs->args[a], &steps[k].args[a]);
  }
  return ok;
}

void lowered_fused_free(bt_fused *g) {
  free((void *)g->ts);
  free((void *)g->modes);
  free((void *)g->fns);
  free((void *)g->merge);
  free((void *)g->steps);
  free((void *)g->outs);
  memset(g, 0, sizeof *g);
}

bool lower_line(const card_line *cl, lowered_line *l) {
  bool ok = true;
  memset(l, 0, sizeof *l);
  l->nargs = cl->nargs;
  if (cl->callee.kind == OPND_PRIM) {
    l->prim = bt_prim_lookup(cl->callee.prim->cname);
    ok &= l->prim >= 0;
  } else {
    l->prim = -1;
    ok &= to_operand(&cl->callee, &l->fn);
  }
  for (int a = 0; a < cl->nargs && a < CAT_MAX_PARAMS; a++)
    ok &= to_operand(&cl->args[a], &l->args[a]);
  return ok;
}

static void run(bt_exec *ex, bt_class phase) {
  const bt_program *p = bt_exec_program(ex);
  const interp_data *d = p->user;
  for (int t = 1; t <= p->n_lines; t++) {
    const interp_line *l = &d->lines[t];
    if (l->cls != phase) continue;
    if (l->group >= 0) {
      if (l->first) bt_exec_fused(ex, &d->groups[l->group]);
    } else if (l->call.prim >= 0)
      bt_exec_call(ex, t, l->call.prim, l->call.nargs, l->call.args);
    else
      bt_exec_callvar(ex, t, l->call.fn, l->call.nargs, l->call.args);
  }
}

bt_program *interp_program(const card_merged *m) {
  bt_program *p = calloc(1, sizeof *p);
  interp_data *d = calloc(1, sizeof *d);
  int n = m->nlines;
  d->lines = calloc((size_t)n + 1, sizeof *d->lines);
  d->line_class = calloc((size_t)n + 1, 1);
  d->last_use = calloc((size_t)n + 1, sizeof *d->last_use);
  d->solvers = calloc((size_t)m->nsolvers + 1, sizeof *d->solvers);
  p->user = d;
  p->n_lines = n;
  p->line_class = d->line_class;
  p->last_use = d->last_use;
  p->n_solvers = m->nsolvers;
  p->solvers = d->solvers;
  p->run = run;
  bool ok = true;
  for (int k = 0; k < n; k++) {
    const card_line *cl = &m->lines[k];
    interp_line *l = &d->lines[k + 1];
    l->cls = (uint8_t)cl->cls;
    d->line_class[k + 1] = l->cls;
    d->last_use[k + 1] = cl->last_use == LAST_USE_OUTPUT ? n + 1 : cl->last_use + 1;
    ok &= lower_line(cl, &l->call);
  }
  const card_fusion *f = m->fusion;
  d->ngroups = f ? f->n : 0;
  d->groups = calloc((size_t)d->ngroups + 1, sizeof *d->groups);
  for (int k = 0; k < n; k++) {
    d->lines[k + 1].group = f ? f->group_of[k] : -1;
    d->lines[k + 1].first = f && f->group_of[k] >= 0 && f->groups[f->group_of[k]].lines[0] == k;
  }
  ok &= d->groups != NULL;
  for (int j = 0; j < d->ngroups && d->groups; j++)
    ok &= lower_group(&f->groups[j], &d->groups[j]);
  for (int s = 0; s < m->nsolvers; s++) {
    const card_solver *sv = m->prog->solvers[s];
    int32_t *chk = malloc((size_t)(m->nchecks[s] ? m->nchecks[s] : 1) * sizeof *chk);
    ok &= chk != NULL;
    for (int k = 0; chk && k < m->nchecks[s]; k++)
      chk[k] = m->checks[s][k] + 1;
    d->solvers[s] =
        (bt_solver_info){sv->name, sv->src->path, sv->line, m->outputs[s] + 1, chk, m->nchecks[s]};
  }
  if (!ok) {
    interp_free(p);
    return NULL;
  }
  return p;
}

void interp_free(bt_program *p) {
  if (!p) return;
  interp_data *d = (interp_data *)p->user;
  free(d->lines);
  free(d->line_class);
  free(d->last_use);
  for (int s = 0; d->solvers && s < p->n_solvers; s++)
    free((void *)d->solvers[s].checks);
  free(d->solvers);
  for (int j = 0; j < d->ngroups && d->groups; j++)
    lowered_fused_free(&d->groups[j]);
  free(d->groups);
  free(d);
  free(p);
}

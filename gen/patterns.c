/* patterns.c: batchable groups of lines in the merged program.
 *
 * Runs after merging and hoisting, so a group may gather lines of many solvers:
 *
 *   sample   the task lines built on the demonstrations: apply(first, S),
 *            apply(second, S), the apply / mapply of those, and dedupe,
 *            difference_tuple, get_nth_t over them; c_iz, c_zo, c_iz_n and c_zo_n are
 *            spelt out into those steps, so that they share them with each other and
 *            with the lines written out by hand;
 *   objects  o_g / objects of the same grid with constant modes;
 *   maps     apply / mapply of several functions over the same container.
 *
 * A fused call runs where the group's first line was, so a line joins a group only
 * when every operand it reads outside the group comes before that line. Groups take
 * lines in that order (sample, objects, maps); a line is in one group at most. */
#include <stdlib.h>
#include <string.h>

#include "card.h"

static bool is_prim(const card_opnd *o, const char *name) {
  return o->kind == OPND_PRIM && o->prim && !strcmp(o->prim->name, name);
}

static bool is_S(const card_opnd *o) { return o->kind == OPND_INPUT && o->input == INPUT_S; }

static card_group *new_group(card_fusion *f, card_pattern kind, card_class cls) {
  grow(&f->groups, &f->cap, f->n + 1, sizeof *f->groups);
  card_group *g = &f->groups[f->n++];
  memset(g, 0, sizeof *g);
  g->kind = kind;
  g->cls = cls;
  return g;
}

static void add_line(card_group *g, int line) {
  g->lines = xrealloc(g->lines, (size_t)(g->nlines + 1) * sizeof *g->lines);
  g->lines[g->nlines++] = line;
}

static void group_free(card_group *g) {
  free(g->lines);
  free(g->modes);
  free(g->fns);
  free(g->merge);
  free(g->steps);
  free(g->out_step);
}

/* Whether operand o can be read where the group starts (line `anchor`), given the
 * lines already in the group (member[line]). */
static bool available(const card_opnd *o, int anchor, const bool *member) {
  return o->kind != OPND_LINE || o->line < anchor || member[o->line];
}

/* ---- the sample pattern -------------------------------------------------------------- */

typedef enum sample_role { NOT_SAMPLE, SIDE, DIFF, DIFF_PICK, TAIL } sample_role;

/* What line l can be in a sample group whose lines so far are member[] (anchor: the
 * first, -1 when there is none yet). */
static sample_role sample_role_of(const card_line *l, int anchor, const bool *member) {
  if (l->callee.kind != OPND_PRIM || l->cls != CLASS_TASK) return NOT_SAMPLE;
  const char *name = l->callee.prim->name;
  sample_role role = NOT_SAMPLE;
  if (!strcmp(name, "apply") && l->nargs == 2 &&
      (is_prim(&l->args[0], "first") || is_prim(&l->args[0], "second")) && is_S(&l->args[1]))
    role = SIDE;
  else if ((!strcmp(name, "c_iz") || !strcmp(name, "c_zo")) && l->nargs == 2 && is_S(&l->args[0]))
    role = DIFF;
  else if ((!strcmp(name, "c_iz_n") || !strcmp(name, "c_zo_n")) && l->nargs == 3 && is_S(&l->args[0]))
    role = DIFF_PICK;
  else if (anchor >= 0) {
    /* a tail: reads a line of the group where the pattern has its data */
    int data = !strcmp(name, "apply") || !strcmp(name, "mapply") ? 1
               : !strcmp(name, "dedupe") || !strcmp(name, "get_nth_t") || !strcmp(name, "difference_tuple")
                   ? 0
                   : -1;
    if (data >= 0 && data < l->nargs && l->args[data].kind == OPND_LINE && member[l->args[data].line])
      role = TAIL;
    if (!strcmp(name, "difference_tuple") && l->nargs == 2 && l->args[1].kind == OPND_LINE &&
        member[l->args[1].line])
      role = TAIL;
  }
  if (role == NOT_SAMPLE || anchor < 0) return role;
  for (int a = 0; a < l->nargs; a++)
    if (!available(&l->args[a], anchor, member)) return NOT_SAMPLE;
  return role;
}

/* The step computing callee(args), added unless an equal one exists. */
static int step_of(card_group *g, card_opnd callee, const card_opnd *args, int nargs) {
  for (int s = 0; s < g->nsteps; s++) {
    const card_step *st = &g->steps[s];
    if (st->nargs != nargs || !opnd_eq(&st->callee, &callee)) continue;
    bool same = true;
    for (int a = 0; a < nargs; a++)
      same &= opnd_eq(&st->args[a], &args[a]);
    if (same) return s;
  }
  g->steps = xrealloc(g->steps, (size_t)(g->nsteps + 1) * sizeof *g->steps);
  card_step *st = &g->steps[g->nsteps];
  memset(st, 0, sizeof *st);
  st->callee = callee;
  st->nargs = nargs;
  for (int a = 0; a < nargs; a++)
    st->args[a] = args[a];
  return g->nsteps++;
}

static card_opnd prim_opnd(const catalog *cat, const char *name) {
  card_opnd o = {0};
  o.kind = OPND_PRIM;
  o.prim = catalog_prim(cat, name);
  return o;
}

static card_opnd step_opnd(int s) {
  card_opnd o = {0};
  o.kind = OPND_STEP;
  o.line = s;
  return o;
}

/* dedupe(mapply(f, apply(side, S))) as steps. */
static int side_values(card_group *g, const catalog *cat, const char *side, card_opnd f) {
  card_opnd S = {0};
  S.kind = OPND_INPUT;
  S.input = INPUT_S;
  card_opnd args[2] = {prim_opnd(cat, side), S};
  int xs = step_of(g, prim_opnd(cat, "apply"), args, 2);
  args[0] = f;
  args[1] = step_opnd(xs);
  int merged = step_of(g, prim_opnd(cat, "mapply"), args, 2);
  args[0] = step_opnd(merged);
  return step_of(g, prim_opnd(cat, "dedupe"), args, 1);
}

/* Operand o inside the group: a line of the group is the step that computes it (its
 * frame slot is written only when the whole group is done). */
static card_opnd in_group(card_opnd o, const int *step_of_line) {
  return o.kind == OPND_LINE && step_of_line[o.line] >= 0 ? step_opnd(step_of_line[o.line]) : o;
}

/* The steps of line k of the group; returns the step holding its value. */
static int sample_steps(card_group *g, const card_merged *m, int k, const int *step_of_line) {
  const catalog *cat = m->prog->cat;
  const card_line *l = &m->lines[k];
  const char *name = l->callee.prim->name;
  if (!strcmp(name, "c_iz") || !strcmp(name, "c_zo") || !strcmp(name, "c_iz_n") || !strcmp(name, "c_zo_n")) {
    card_opnd f = in_group(l->args[1], step_of_line);
    int in = side_values(g, cat, "first", f);
    int out = side_values(g, cat, "second", f);
    bool iz = name[2] == 'i';
    card_opnd args[2] = {step_opnd(iz ? in : out), step_opnd(iz ? out : in)};
    int diff = step_of(g, prim_opnd(cat, "difference_tuple"), args, 2);
    if (l->nargs == 2) return diff;
    args[0] = step_opnd(diff);
    return step_of(g, in_group(l->args[2], step_of_line), args, 1);
  }
  card_opnd args[3];
  for (int a = 0; a < l->nargs && a < 3; a++)
    args[a] = in_group(l->args[a], step_of_line);
  return step_of(g, l->callee, args, l->nargs);
}

static void find_sample(card_fusion *f, const card_merged *m, bool *member) {
  int anchor = -1, count = 0;
  for (int k = 0; k < m->nlines; k++) {
    if (f->group_of[k] >= 0 || sample_role_of(&m->lines[k], anchor, member) == NOT_SAMPLE) continue;
    member[k] = true;
    count++;
    if (anchor < 0) anchor = k;
  }
  if (count < 2) {
    for (int k = 0; k < m->nlines; k++)
      member[k] = false;
    return;
  }
  card_group *g = new_group(f, PAT_SAMPLE, CLASS_TASK);
  int *step_of_line = xmalloc((size_t)m->nlines * sizeof *step_of_line);
  for (int k = 0; k < m->nlines; k++)
    step_of_line[k] = -1;
  for (int k = 0; k < m->nlines; k++) {
    if (!member[k]) continue;
    member[k] = false;
    add_line(g, k);
    f->group_of[k] = f->n - 1;
    step_of_line[k] = sample_steps(g, m, k, step_of_line);
  }
  g->out_step = xmalloc((size_t)g->nlines * sizeof *g->out_step);
  for (int j = 0; j < g->nlines; j++)
    g->out_step[j] = step_of_line[g->lines[j]];
  free(step_of_line);
}

/* ---- objects of one grid ------------------------------------------------------------------ */

/* The o_g mode line l computes, or -1. */
static int objects_mode(const card_line *l) {
  if (l->callee.kind != OPND_PRIM) return -1;
  if (is_prim(&l->callee, "o_g") && l->nargs == 2 && l->args[1].kind == OPND_INT && l->args[1].v[0] >= 0 &&
      l->args[1].v[0] <= 7)
    return (int)l->args[1].v[0];
  if (is_prim(&l->callee, "objects") && l->nargs == 4) {
    int mode = 0;
    for (int a = 1; a < 4; a++) {
      if (l->args[a].kind != OPND_BOOL) return -1;
      mode = mode * 2 + (l->args[a].v[0] != 0);
    }
    return mode;
  }
  return -1;
}

/* ---- maps over one container ---------------------------------------------------------------- */

static bool is_map(const card_line *l) {
  return l->nargs == 2 && (is_prim(&l->callee, "apply") || is_prim(&l->callee, "mapply"));
}

/* Groups lines by (class, shared operand): the objects pattern (maps false) or the maps
 * pattern. A line whose function comes after the group's first line stays alone. */
static void find_shared(card_fusion *f, const card_merged *m, bool maps) {
  int first = f->n;
  for (int k = 0; k < m->nlines; k++) {
    const card_line *l = &m->lines[k];
    if (f->group_of[k] >= 0) continue;
    int mode = maps ? 0 : objects_mode(l);
    if (maps ? !is_map(l) : mode < 0) continue;
    const card_opnd *shared = &l->args[maps ? 1 : 0];
    card_group *g = NULL;
    for (int j = first; j < f->n && !g; j++)
      if (f->groups[j].cls == l->cls && opnd_eq(&f->groups[j].shared, shared)) g = &f->groups[j];
    if (g && maps && l->args[0].kind == OPND_LINE && l->args[0].line >= g->lines[0]) continue;
    if (!g) {
      g = new_group(f, maps ? PAT_MAPS : PAT_OBJECTS, l->cls);
      g->shared = *shared;
    }
    add_line(g, k);
    if (maps) {
      g->fns = xrealloc(g->fns, (size_t)g->nlines * sizeof *g->fns);
      g->merge = xrealloc(g->merge, (size_t)g->nlines * sizeof *g->merge);
      g->fns[g->nlines - 1] = l->args[0];
      g->merge[g->nlines - 1] = is_prim(&l->callee, "mapply");
    } else {
      g->modes = xrealloc(g->modes, (size_t)g->nlines * sizeof *g->modes);
      g->modes[g->nlines - 1] = mode;
    }
  }
  /* keep the groups of two lines or more */
  int kept = first;
  for (int j = first; j < f->n; j++) {
    if (f->groups[j].nlines < 2) {
      group_free(&f->groups[j]);
      continue;
    }
    f->groups[kept] = f->groups[j];
    for (int i = 0; i < f->groups[kept].nlines; i++)
      f->group_of[f->groups[kept].lines[i]] = kept;
    kept++;
  }
  f->n = kept;
}

int fuse_program(card_merged *m) {
  fusion_free(m->fusion);
  card_fusion *f = xcalloc(1, sizeof *f);
  f->group_of = xmalloc(((size_t)m->nlines + 1) * sizeof *f->group_of);
  for (int k = 0; k < m->nlines; k++)
    f->group_of[k] = -1;
  bool *member = xcalloc((size_t)m->nlines + 1, sizeof *member);
  find_sample(f, m, member);
  free(member);
  find_shared(f, m, false);
  find_shared(f, m, true);
  m->fusion = f;
  return f->n;
}

void fusion_free(card_fusion *f) {
  if (!f) return;
  for (int j = 0; j < f->n; j++)
    group_free(&f->groups[j]);
  free(f->groups);
  free(f->group_of);
  free(f);
}

/* ---- the report ----------------------------------------------------------------------------- */

const char *pattern_name(card_pattern kind) {
  static const char *const names[] = {
#define CARD_PAT_NAME(name, text, code, title) text,
      BT_FUSED_KINDS(CARD_PAT_NAME)
#undef CARD_PAT_NAME
  };
  return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "?";
}

char *fusion_report(const card_merged *m) {
  strbuf sb = {0};
  const card_fusion *f = m->fusion;
  int fused = 0;
  for (int j = 0; f && j < f->n; j++)
    fused += f->groups[j].nlines;
  sb_printf(&sb, "patterns: %d fused calls replace %d of %d lines\n", f ? f->n : 0, fused, m->nlines);
  for (int j = 0; f && j < f->n; j++) {
    const card_group *g = &f->groups[j];
    sb_printf(&sb, "%s", pattern_name(g->kind));
    if (g->kind != PAT_SAMPLE) {
      sb_puts(&sb, g->kind == PAT_OBJECTS ? " of " : " over ");
      opnd_print(&sb, &g->shared);
    }
    sb_printf(&sb, ": %d lines", g->nlines);
    if (g->kind == PAT_SAMPLE) sb_printf(&sb, ", %d steps", g->nsteps);
    sb_puts(&sb, "\n");
    for (int i = 0; i < g->nlines; i++) {
      const card_line *l = &m->lines[g->lines[i]];
      sb_puts(&sb, "  ");
      line_text(&sb, l, g->lines[i]);
      sb_puts(&sb, "  ;");
      for (int u = 0; u < l->nuses; u++)
        sb_printf(&sb, " %s:%d", m->prog->solvers[l->uses[u].solver]->name, l->uses[u].line);
      sb_putc(&sb, '\n');
    }
  }
  return sb_take(&sb);
}

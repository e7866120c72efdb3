/* lex.c: source files, diagnostics with a caret under the column, and the tokenizer
 * for solver files (Python syntax, the subset arc-dsl solvers use). Also the small text
 * utilities every stage of card shares. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

/* Solver files are small; a bound keeps every line and column an int. */
#define MAX_SOURCE_BYTES (64u << 20)

/* ---- allocation ---------------------------------------------------------------------------- */

static void out_of_memory(void) {
  fputs("card: error: out of memory\n", stderr);
  exit(2);
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) out_of_memory();
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) out_of_memory();
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) out_of_memory();
  return p;
}

char *xstrndup(const char *s, size_t n) {
  char *d = xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

void grow(void *p, int *cap, int need, size_t size) {
  if (need <= *cap) return;
  int c = *cap ? *cap : 8;
  while (c < need) {
    if (c > INT32_MAX / 2) out_of_memory();
    c *= 2;
  }
  *(void **)p = xrealloc(*(void **)p, (size_t)c * size);
  *cap = c;
}

/* ---- strbuf -------------------------------------------------------------------------------- */

static void sb_reserve(strbuf *sb, size_t extra) {
  if (sb->len + extra + 1 <= sb->cap) return;
  size_t c = sb->cap ? sb->cap : 64;
  while (c < sb->len + extra + 1)
    c *= 2;
  sb->buf = xrealloc(sb->buf, c);
  sb->cap = c;
}

void sb_putn(strbuf *sb, const char *s, size_t n) {
  sb_reserve(sb, n);
  memcpy(sb->buf + sb->len, s, n);
  sb->len += n;
  sb->buf[sb->len] = '\0';
}

void sb_puts(strbuf *sb, const char *s) { sb_putn(sb, s, strlen(s)); }

void sb_putc(strbuf *sb, char c) { sb_putn(sb, &c, 1); }

static void sb_vprintf(strbuf *sb, const char *fmt, va_list ap) {
  char small[256];
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(small, sizeof small, fmt, ap2);
  va_end(ap2);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    sb_putn(sb, small, (size_t)n);
    return;
  }
  sb_reserve(sb, (size_t)n);
  vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
  sb->len += (size_t)n;
}

void sb_printf(strbuf *sb, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(sb, fmt, ap);
  va_end(ap);
}

char *sb_take(strbuf *sb) {
  char *s = sb->buf ? sb->buf : xcalloc(1, 1);
  sb->buf = NULL;
  sb->len = sb->cap = 0;
  return s;
}

void sb_free(strbuf *sb) {
  free(sb->buf);
  sb->buf = NULL;
  sb->len = sb->cap = 0;
}

/* ---- strmap -------------------------------------------------------------------------------- */

static uint32_t hash_str(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

int strmap_get(const strmap *m, const char *key) {
  if (!m->cap) return 0;
  for (uint32_t i = hash_str(key) & (uint32_t)(m->cap - 1);; i = (i + 1) & (uint32_t)(m->cap - 1)) {
    if (!m->keys[i]) return 0;
    if (!strcmp(m->keys[i], key)) return m->vals[i];
  }
}

void strmap_put(strmap *m, const char *key, int val) {
  if ((m->n + 1) * 2 > m->cap) {
    strmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->keys = xcalloc((size_t)m->cap, sizeof *m->keys);
    m->vals = xcalloc((size_t)m->cap, sizeof *m->vals);
    m->n = 0;
    for (int i = 0; i < old.cap; i++)
      if (old.keys[i]) strmap_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
  }
  uint32_t i = hash_str(key) & (uint32_t)(m->cap - 1);
  while (m->keys[i] && strcmp(m->keys[i], key))
    i = (i + 1) & (uint32_t)(m->cap - 1);
  if (!m->keys[i]) m->n++;
  m->keys[i] = key;
  m->vals[i] = val;
}

void strmap_free(strmap *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

/* ---- diagnostics --------------------------------------------------------------------------- */

/* Appends source line `line` and a caret under column `col`; tabs are kept so that the
 * caret lines up however the terminal shows them. */
/* Source lines are echoed at most this wide, around the column; control characters in
 * them are shown as '?' (they must not reach the terminal). */
enum { ECHO_WIDTH = 160 };

static void put_caret(strbuf *sb, const card_src *src, int line, int col) {
  const char *s = src->text + src->line_off[line - 1];
  const char *end = src->text + src->len;
  size_t n = 0;
  while (s + n < end && s[n] != '\n')
    n++;
  if (n && s[n - 1] == '\r') n--;
  size_t at = (size_t)col - 1, from = 0, to = n;
  if (n > ECHO_WIDTH) { /* a window around the column */
    from = at > ECHO_WIDTH / 2 ? at - ECHO_WIDTH / 2 : 0;
    if (from > n) from = n;
    to = from + ECHO_WIDTH < n ? from + ECHO_WIDTH : n;
  }
  const char *cut = from > 0 ? "..." : "";
  sb_puts(sb, cut);
  for (size_t i = from; i < to; i++) {
    unsigned char ch = (unsigned char)s[i];
    sb_putc(sb, (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : (char)ch);
  }
  if (to < n) sb_puts(sb, "...");
  sb_putc(sb, '\n');
  for (size_t i = 0; i < strlen(cut); i++)
    sb_putc(sb, ' ');
  for (size_t i = from; i < at; i++)
    sb_putc(sb, i < n && s[i] == '\t' ? '\t' : ' ');
  sb_puts(sb, "^\n");
}

static void diag_vadd(card_diag *d, const char *kind, const card_src *src, int line, int col, const char *fmt,
                      va_list ap) {
  strbuf sb = {0};
  if (!src)
    sb_printf(&sb, "card: %s: ", kind);
  else if (line <= 0)
    sb_printf(&sb, "%s: %s: ", src->path, kind);
  else
    sb_printf(&sb, "%s:%d:%d: %s: ", src->path, line, col, kind);
  sb_vprintf(&sb, fmt, ap);
  sb_putc(&sb, '\n');
  if (src && line >= 1 && line <= src->nlines && col >= 1) put_caret(&sb, src, line, col);

  grow(&d->items, &d->cap, d->n + 1, sizeof *d->items);
  d->items[d->n] = (card_diag_item){src ? src->index : -1, line, col, d->n, sb_take(&sb)};
  d->n++;
}

void diag_error(card_diag *d, const card_src *src, int line, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_vadd(d, "error", src, line, col, fmt, ap);
  va_end(ap);
  d->nerrors++;
}

void diag_warning(card_diag *d, const card_src *src, int line, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_vadd(d, "warning", src, line, col, fmt, ap);
  va_end(ap);
}

static int cmp_diag(const void *a, const void *b) {
  const card_diag_item *x = a, *y = b;
  if (x->file != y->file) return x->file < y->file ? -1 : 1;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  if (x->col != y->col) return x->col < y->col ? -1 : 1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}

char *diag_render(card_diag *d) {
  if (d->n) qsort(d->items, (size_t)d->n, sizeof *d->items, cmp_diag);
  strbuf sb = {0};
  for (int i = 0; i < d->n; i++)
    sb_puts(&sb, d->items[i].text);
  return sb_take(&sb);
}

void diag_free(card_diag *d) {
  for (int i = 0; i < d->n; i++)
    free(d->items[i].text);
  free(d->items);
  memset(d, 0, sizeof *d);
}

/* ---- source files -------------------------------------------------------------------------- */

card_src *src_from_text(const char *path, const char *text, size_t len, int index) {
  card_src *src = xcalloc(1, sizeof *src);
  src->path = xstrdup(path);
  src->text = xstrndup(text, len);
  src->len = len;
  src->index = index;
  int cap = 0;
  grow(&src->line_off, &cap, 1, sizeof *src->line_off);
  src->line_off[src->nlines++] = 0;
  for (size_t i = 0; i < len; i++) {
    if (text[i] != '\n' || i + 1 == len) continue;
    grow(&src->line_off, &cap, src->nlines + 1, sizeof *src->line_off);
    src->line_off[src->nlines++] = i + 1;
  }
  return src;
}

card_src *src_read(const char *path, int index, card_diag *d) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    diag_error(d, NULL, 0, 0, "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  strbuf sb = {0};
  char buf[65536];
  size_t n;
  bool too_large = false;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    if (sb.len + n > MAX_SOURCE_BYTES) {
      too_large = true;
      break;
    }
    sb_putn(&sb, buf, n);
  }
  int err = ferror(f) ? errno : 0;
  fclose(f);
  if (err || too_large) {
    if (too_large)
      diag_error(d, NULL, 0, 0, "cannot read '%s': larger than %u bytes", path, MAX_SOURCE_BYTES);
    else
      diag_error(d, NULL, 0, 0, "cannot read '%s': %s", path, strerror(err));
    sb_free(&sb);
    return NULL;
  }
  card_src *src = src_from_text(path, sb.buf ? sb.buf : "", sb.len, index);
  sb_free(&sb);
  return src;
}

void src_free(card_src *src) {
  if (!src) return;
  free(src->path);
  free(src->text);
  free(src->line_off);
  free(src->dialect);
  free(src);
}

/* ---- tokenizer ----------------------------------------------------------------------------- */

typedef struct lexer {
  const char *p, *end;
  const char *line_start;
  int line;
  int depth; /* open parentheses on the logical line */
  card_token *toks;
  int n, cap;
  bool at_bol; /* the next token starts a logical line */
  const char *indent;
  int indent_len;
} lexer;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\r'; }
static bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

/* Characters that are Python punctuation: the parser reports them as unexpected. */
static bool is_punct(char c) { return c && strchr("()[]{},:.;@=+-*/%&|^~<>!'\"", c); }

static card_token *new_token(lexer *lx, card_tokkind kind, const char *loc, int len) {
  grow(&lx->toks, &lx->cap, lx->n + 1, sizeof *lx->toks);
  card_token *t = &lx->toks[lx->n++];
  *t = (card_token){
      .kind = kind, .loc = loc, .len = len, .line = lx->line, .col = (int)(loc - lx->line_start) + 1};
  if (kind != TK_NEWLINE && kind != TK_EOF && lx->at_bol) {
    t->bol = true;
    t->indent = lx->indent;
    t->indent_len = lx->indent_len;
    lx->at_bol = false;
  }
  return t;
}

static bool line_has_tokens(const lexer *lx) { return lx->n > 0 && lx->toks[lx->n - 1].kind != TK_NEWLINE; }

/* The end of a logical line: a NEWLINE token just after its last token. */
static void end_line(lexer *lx) {
  if (!line_has_tokens(lx)) return;
  card_token *last = &lx->toks[lx->n - 1];
  int line = last->line, col = last->col + last->len;
  const char *loc = last->loc + last->len;
  card_token *t = new_token(lx, TK_NEWLINE, loc, 0);
  t->line = line;
  t->col = col;
  lx->depth = 0;
}

/* The first character of code after the newline at p, or NULL at the end. */
static const char *next_code(const lexer *lx, const char *p) {
  for (const char *q = p + 1; q < lx->end; q++) {
    if (is_space(*q) || *q == '\n') continue;
    if (*q != '#') return q;
    while (q < lx->end && *q != '\n')
      q++;
    if (q == lx->end) break;
  }
  return NULL;
}

/* Does the code at q start a statement ("name =", "return", "def")? */
static bool starts_statement(const lexer *lx, const char *q) {
  const char *e = q;
  while (e < lx->end && is_ident_char(*e))
    e++;
  if (e == q || is_digit(*q)) return false;
  size_t n = (size_t)(e - q);
  if ((n == 6 && !memcmp(q, "return", 6)) || (n == 3 && !memcmp(q, "def", 3))) return true;
  while (e < lx->end && is_space(*e))
    e++;
  return e + 1 < lx->end && e[0] == '=' && e[1] != '=';
}

/* At a newline inside parentheses: does the logical line go on? Yes when the next line
 * starts with ')', or after '(' or ',' unless the next line starts a statement (then the
 * parenthesis was left open by mistake, and the error belongs to this line). */
static bool line_continues(const lexer *lx) {
  if (lx->depth <= 0 || !line_has_tokens(lx)) return false;
  const char *q = next_code(lx, lx->p);
  if (!q) return false;
  if (*q == ')') return true;
  const card_token *last = &lx->toks[lx->n - 1];
  bool open = last->kind == TK_PUNCT && (*last->loc == '(' || *last->loc == ',');
  return open && !starts_statement(lx, q);
}

static void new_physical_line(lexer *lx, const char *start) {
  lx->line++;
  lx->line_start = start;
}

/* At the start of a logical line: skips blank and comment-only lines, notes the indent. */
static void start_logical_line(lexer *lx) {
  for (;;) {
    const char *q = lx->p;
    while (q < lx->end && is_space(*q))
      q++;
    if (q < lx->end && *q == '#')
      while (q < lx->end && *q != '\n')
        q++;
    if (q < lx->end && *q == '\n') {
      lx->p = q + 1;
      new_physical_line(lx, lx->p);
      continue;
    }
    lx->at_bol = q < lx->end;
    lx->indent = lx->p;
    lx->indent_len = (int)(q - lx->p);
    lx->p = q;
    return;
  }
}

static void lex_number(lexer *lx) {
  const char *start = lx->p;
  while (lx->p < lx->end && is_ident_char(*lx->p))
    lx->p++;
  card_token *t = new_token(lx, TK_NUM, start, (int)(lx->p - start));
  long long v = 0;
  for (const char *q = start; q < lx->p; q++) {
    bool sep_ok = *q == '_' && q > start && q + 1 < lx->p && is_digit(q[1]);
    if (sep_ok) continue;
    if (!is_digit(*q)) {
      t->numerr = NUM_MALFORMED;
      return;
    }
    if (t->numerr == NUM_OK && v > (INT64_MAX - (*q - '0')) / 10) t->numerr = NUM_TOO_LARGE;
    if (t->numerr == NUM_OK) v = v * 10 + (*q - '0');
  }
  t->val = v;
}

/* One character that cannot start a token: a whole UTF-8 sequence when it is one. */
static void lex_bad(lexer *lx) {
  const char *start = lx->p;
  unsigned char c = (unsigned char)*lx->p++;
  if (c >= 0xC2 && c <= 0xF4) {
    int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    while (more-- > 0 && lx->p < lx->end && ((unsigned char)*lx->p & 0xC0) == 0x80)
      lx->p++;
  }
  new_token(lx, TK_BAD, start, (int)(lx->p - start));
}

card_token *tokenize(const card_src *src, int *ntokens) {
  lexer lx = {.p = src->text, .end = src->text + src->len, .line_start = src->text, .line = 1};
  start_logical_line(&lx);
  while (lx.p < lx.end) {
    char c = *lx.p;
    if (is_space(c)) {
      lx.p++;
    } else if (c == '#') {
      while (lx.p < lx.end && *lx.p != '\n')
        lx.p++;
    } else if (c == '\n') {
      if (line_continues(&lx)) {
        lx.p++;
        new_physical_line(&lx, lx.p);
        continue;
      }
      end_line(&lx);
      lx.p++;
      new_physical_line(&lx, lx.p);
      start_logical_line(&lx);
    } else if (c == '\\' && lx.p + 1 < lx.end &&
               (lx.p[1] == '\n' || (lx.p[1] == '\r' && lx.p + 2 < lx.end && lx.p[2] == '\n'))) {
      lx.p += lx.p[1] == '\n' ? 2 : 3;
      new_physical_line(&lx, lx.p);
    } else if (is_ident_start(c)) {
      const char *start = lx.p;
      while (lx.p < lx.end && is_ident_char(*lx.p))
        lx.p++;
      new_token(&lx, TK_IDENT, start, (int)(lx.p - start));
    } else if (is_digit(c)) {
      lex_number(&lx);
    } else if (is_punct(c)) {
      if (c == '(') lx.depth++;
      if (c == ')' && lx.depth > 0) lx.depth--;
      new_token(&lx, TK_PUNCT, lx.p, 1);
      lx.p++;
    } else {
      lex_bad(&lx);
    }
  }
  end_line(&lx);
  /* EOF sits where the last token ended, so that "at end of file" points at code. */
  int line = lx.n ? lx.toks[lx.n - 1].line : 1, col = lx.n ? lx.toks[lx.n - 1].col : 1;
  card_token *eof = new_token(&lx, TK_EOF, lx.end, 0);
  eof->line = line;
  eof->col = col;
  *ntokens = lx.n;
  return lx.toks;
}

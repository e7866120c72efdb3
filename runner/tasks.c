/* tasks.c: loading and validating ARC tasks (see tasks.h).
 *
 * A file is read whole (at most BT_TASK_FILE_MAX bytes) and parsed by jansson with
 * duplicate keys rejected. jansson keeps no positions for values, so when a value is
 * wrong we find it again in the text by its JSON path (locate) to report line:col. */
#include "tasks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

enum { MAX_PATH = 8 }; /* JSON path steps: id, part, pair, side, row, cell */

/* ---- error text ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static int utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n <= 1) return n;
  uint32_t cp = c & (0x7Fu >> n);
  for (int k = 1; k < n; k++) {
    if ((s[k] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[k] & 0x3Fu);
  }
  static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

/* Writes s with control bytes and invalid UTF-8 escaped as \xNN: messages quote input. */
static void put_clean(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n = utf8_len(p);
    if (n == 0 || *p < 0x20 || *p == 0x7F) {
      fprintf(f, "\\x%02X", *p);
      p++;
    } else {
      fwrite(p, 1, (size_t)n, f);
      p += n;
    }
  }
}

/* A message about a file: `file[:line:col]: error: message` (severity "error"). */
static void file_report(FILE *errors, const char *severity, const char *file, int line, int col,
                        const char *msg) {
  if (!errors) return;
  put_clean(errors, file); /* a file name may hold any bytes too */
  if (line > 0)
    fprintf(errors, ":%d:%d: %s: ", line, col > 0 ? col : 1, severity);
  else
    fprintf(errors, ": %s: ", severity);
  put_clean(errors, msg);
  fputc('\n', errors);
}

/* An error about a whole file (no JSON path). */
static void file_error(FILE *errors, const char *file, int line, int col, const char *fmt, ...) {
  if (!errors) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  file_report(errors, "error", file, line, col, msg);
}

/* What a JSON value is, for "expected X, got Y": `a list`, `null`, `1.5`, `a string "3"`. */
static void describe(const json_t *j, char *buf, size_t n) {
  switch (json_typeof(j)) {
  case JSON_OBJECT: snprintf(buf, n, "an object"); return;
  case JSON_ARRAY: snprintf(buf, n, "a list"); return;
  case JSON_TRUE: snprintf(buf, n, "true"); return;
  case JSON_FALSE: snprintf(buf, n, "false"); return;
  case JSON_NULL: snprintf(buf, n, "null"); return;
  default: break;
  }
  char *text = json_dumps(j, JSON_ENCODE_ANY);
  if (!text) {
    snprintf(buf, n, "a value");
    return;
  }
  size_t len = strlen(text), keep = 40;
  if (len > keep) { /* cut on a character boundary */
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
      keep--;
    text[keep] = 0;
  }
  snprintf(buf, n, "%s%s%s", json_is_string(j) ? "a string " : "", text, len > keep ? "..." : "");
  free(text);
}

/* ---- finding a value in the text by its JSON path ------------------------------ */

typedef struct path_step {
  const char *key; /* an object member, or NULL for an array element */
  size_t index;
} path_step;

static const char *skip_ws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

static int hex4(const char *p, const char *e) {
  if (e - p < 4) return -1;
  int v = 0;
  for (int k = 0; k < 4; k++) {
    char c = p[k];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Reads the JSON string at *pp (at its opening quote), decoding escapes, and tells
 * whether it equals key; *pp ends after the closing quote, or NULL if malformed. */
static bool string_equals(const char **pp, const char *e, const char *key) {
  const char *p = *pp + 1;
  const unsigned char *k = (const unsigned char *)key;
  bool same = true;
  while (p < e && *p != '"') {
    unsigned char bytes[4];
    int n = 0;
    if (*p != '\\') {
      bytes[n++] = (unsigned char)*p++;
    } else if (++p < e) {
      char c = *p++;
      const char *simple = strchr("\"\\/bfnrt", c);
      if (c && simple) {
        bytes[n++] = (unsigned char)"\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
      } else if (c == 'u') {
        int cp = hex4(p, e);
        if (cp < 0) break;
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
          int lo = hex4(p + 2, e);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          }
        }
        if (cp < 0x80) {
          bytes[n++] = (unsigned char)cp;
        } else if (cp < 0x800) {
          bytes[n++] = (unsigned char)(0xC0 | cp >> 6);
          bytes[n++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          bytes[n++] = (unsigned char)(0xE0 | cp >> 12);
          bytes[n++] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
          bytes[n++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else {
          bytes[n++] = (unsigned char)(0xF0 | cp >> 18);
          bytes[n++] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
          bytes[n++] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
          bytes[n++] = (unsigned char)(0x80 | (cp & 0x3F));
        }
      }
    }
    for (int b = 0; b < n; b++) {
      if (same && *k == bytes[b])
        k++;
      else
        same = false;
    }
  }
  *pp = p < e ? p + 1 : NULL;
  return same && *k == 0;
}

static const char *skip_string(const char *p, const char *e) {
  for (p++; p < e; p++) {
    if (*p == '\\')
      p++;
    else if (*p == '"')
      return p + 1;
  }
  return NULL;
}

/* Skips one JSON value without recursion (the text is known to be valid JSON). */
static const char *skip_value(const char *p, const char *e) {
  if (p >= e) return NULL;
  if (*p == '"') return skip_string(p, e);
  if (*p != '[' && *p != '{') {
    while (p < e && !strchr(" \t\r\n,]}", *p))
      p++;
    return p;
  }
  long depth = 0;
  while (p < e) {
    char c = *p;
    if (c == '"') {
      if (!(p = skip_string(p, e))) return NULL;
      continue;
    }
    if (c == '[' || c == '{') depth++;
    if (c == ']' || c == '}') {
      if (--depth == 0) return p + 1;
    }
    p++;
  }
  return NULL;
}

/* The start of the value at path below the value at p, or NULL. */
static const char *descend(const char *p, const char *e, const path_step *path, int depth) {
  for (int d = 0; d < depth && p; d++) {
    if (p >= e || *p != (path[d].key ? '{' : '[')) return NULL;
    p = skip_ws(p + 1, e);
    for (size_t i = 0;; i++) {
      if (p >= e || *p == '}' || *p == ']') return NULL;
      bool found = i == path[d].index;
      if (path[d].key) {
        if (*p != '"') return NULL;
        found = string_equals(&p, e, path[d].key);
        if (!p || (p = skip_ws(p, e)) >= e || *p != ':') return NULL;
        p = skip_ws(p + 1, e);
      }
      if (found) break;
      if (!(p = skip_value(p, e))) return NULL;
      p = skip_ws(p, e);
      if (p >= e || *p != ',') return NULL;
      p = skip_ws(p + 1, e);
    }
  }
  return p && p < e ? p : NULL;
}

/* A place in the text with jansson's line and column (lines from 1, columns in
 * characters from 1); advance() moves it forward. */
typedef struct text_pos {
  const char *at;
  int line, col;
} text_pos;

static void advance(text_pos *pos, const char *to) {
  for (; pos->at < to; pos->at++) {
    unsigned char b = (unsigned char)*pos->at;
    if (b == '\n') {
      pos->line++;
      pos->col = 1;
    } else if ((b & 0xC0) != 0x80) {
      pos->col++;
    }
  }
}

/* A member of the top-level object: where its key and its value start. */
typedef struct member {
  const char *key;
  text_pos value;
} member;

/* ---- reading one file ------------------------------------------------------------ */

/* The file being read: where errors point, and the JSON path of the value being checked. */
typedef struct reader {
  bt_taskset *ts;
  FILE *errors;
  const char *file; /* as shown in messages */
  const char *text; /* the parsed bytes (after a byte-order mark) */
  size_t len;
  const char *task; /* the Kaggle task id being read, NULL in a task file */
  path_step path[MAX_PATH];
  int depth;
  int base; /* path steps not shown in messages (the Kaggle id) */
  /* The top-level members, indexed at the first error, so that a Kaggle file with many
   * bad tasks is scanned once rather than once per error. */
  member *members;
  size_t n_members, next_member;
  bool indexed;
} reader;

static void push_key(reader *r, const char *key) { r->path[r->depth++] = (path_step){key, 0}; }
static void push_index(reader *r, size_t i) { r->path[r->depth++] = (path_step){NULL, i}; }
static void pop(reader *r) { r->depth--; }
static void reader_done(reader *r) { free(r->members); }

static void index_members(reader *r) {
  r->indexed = true;
  const char *e = r->text + r->len, *p = skip_ws(r->text, e);
  text_pos pos = {r->text, 1, 1};
  size_t cap = 0;
  if (p >= e || *p != '{') return;
  for (p = skip_ws(p + 1, e); p < e && *p == '"';) {
    const char *key = p;
    if (!(p = skip_string(p, e)) || (p = skip_ws(p, e)) >= e || *p != ':') return;
    p = skip_ws(p + 1, e);
    advance(&pos, p);
    if (r->n_members == cap) {
      cap = cap ? cap * 2 : 64;
      member *m = realloc(r->members, cap * sizeof *m);
      if (!m) return;
      r->members = m;
    }
    r->members[r->n_members++] = (member){key, pos};
    if (!(p = skip_value(p, e)) || (p = skip_ws(p, e)) >= e || *p != ',') return;
    p = skip_ws(p + 1, e);
  }
}

/* The top-level member named key. Tasks are checked in file order, so the search starts
 * after the member found last. */
static const member *find_member(reader *r, const char *key) {
  const char *e = r->text + r->len;
  for (size_t k = 0; k < r->n_members; k++) {
    size_t i = (r->next_member + k) % r->n_members;
    const char *q = r->members[i].key;
    if (string_equals(&q, e, key)) {
      r->next_member = i + 1;
      return &r->members[i];
    }
  }
  return NULL;
}

/* Where the value at r's path starts in the text. */
static bool locate(reader *r, text_pos *pos) {
  const char *e = r->text + r->len, *p;
  *pos = (text_pos){r->text, 1, 1};
  int d = 0;
  if (r->depth > 0 && r->path[0].key) {
    if (!r->indexed) index_members(r);
    const member *m = find_member(r, r->path[0].key);
    if (!m) return false;
    *pos = m->value;
    p = m->value.at;
    d = 1;
  } else {
    p = skip_ws(r->text, e);
  }
  if (!(p = descend(p, e, r->path + d, r->depth - d))) return false;
  advance(pos, p);
  return true;
}

static void value_vreport(reader *r, const char *severity, const char *fmt, va_list ap);

/* An error at the value the path points at: `file:line:col: error: [task ID: ]path: message`. */
static void value_error(reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  value_vreport(r, "error", fmt, ap);
  va_end(ap);
}

/* The same as a warning: the task is still read. */
static void value_warning(reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  value_vreport(r, "warning", fmt, ap);
  va_end(ap);
}

static void value_vreport(reader *r, const char *severity, const char *fmt, va_list ap) {
  if (!r->errors) return;
  char msg[512];
  size_t n = 0;
  if (r->task) n += (size_t)snprintf(msg, sizeof msg, "task %s: ", r->task);
  for (int d = r->base; d < r->depth && n < sizeof msg; d++) {
    const path_step *s = &r->path[d];
    if (s->key)
      n += (size_t)snprintf(msg + n, sizeof msg - n, "%s%s", d > r->base ? "." : "", s->key);
    else
      n += (size_t)snprintf(msg + n, sizeof msg - n, "[%zu]", s->index);
  }
  if (r->depth > r->base && n < sizeof msg) n += (size_t)snprintf(msg + n, sizeof msg - n, ": ");
  if (n < sizeof msg) vsnprintf(msg + n, sizeof msg - n, fmt, ap);
  text_pos pos;
  if (locate(r, &pos))
    file_report(r->errors, severity, r->file, pos.line, pos.col, msg);
  else
    file_report(r->errors, severity, r->file, 0, 0, msg);
}

/* The file's bytes, NUL-terminated, in a malloc'd buffer; NULL after reporting why. */
static char *read_file(const char *path, size_t *len, FILE *errors) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    file_error(errors, path, 0, 0, "cannot open: %s", strerror(errno));
    return NULL;
  }
  struct stat st;
  size_t cap = 1 << 16;
  if (fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      file_error(errors, path, 0, 0, "is a directory");
      close(fd);
      return NULL;
    }
    if (S_ISREG(st.st_mode)) {
      if ((uintmax_t)st.st_size > BT_TASK_FILE_MAX) {
        file_error(errors, path, 0, 0, "file is %jd bytes, over the limit of %zu MiB; not loaded",
                   (intmax_t)st.st_size, BT_TASK_FILE_MAX >> 20);
        close(fd);
        return NULL;
      }
      cap = (size_t)st.st_size + 2; /* one read reaches EOF */
    }
  }
  char *buf = NULL;
  size_t n = 0;
  for (;;) {
    if (n + 1 >= cap || !buf) { /* grows for pipes, and files that grew since fstat */
      if (buf) cap = cap * 2 > BT_TASK_FILE_MAX + 2 ? BT_TASK_FILE_MAX + 2 : cap * 2;
      char *nb = realloc(buf, cap);
      if (!nb) {
        file_error(errors, path, 0, 0, "out of memory");
        break;
      }
      buf = nb;
    }
    ssize_t got = read(fd, buf + n, cap - 1 - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      file_error(errors, path, 0, 0, "cannot read: %s", strerror(errno));
      break;
    }
    n += (size_t)got;
    if (n > BT_TASK_FILE_MAX) {
      file_error(errors, path, 0, 0, "file is over the limit of %zu MiB; not loaded", BT_TASK_FILE_MAX >> 20);
      break;
    }
    if (got == 0) { /* end of file */
      close(fd);
      buf[n] = 0;
      *len = n;
      return buf;
    }
  }
  free(buf);
  close(fd);
  return NULL;
}

/* Reads and parses path into r (r->text points into *buf); NULL after reporting why. */
static json_t *parse_text(reader *r, const char *path, const char *text, size_t len);

static json_t *parse_file(reader *r, const char *path, char **buf) {
  size_t len;
  if (!(*buf = read_file(path, &len, r->errors))) return NULL;
  return parse_text(r, path, *buf, len);
}

/* Parses the text of path into r (r->text points into it); NULL after reporting why. */
static json_t *parse_text(reader *r, const char *path, const char *text, size_t len) {
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 byte-order mark */
    text += 3;
    len -= 3;
  }
  r->text = text;
  r->len = len;
  if (skip_ws(text, text + len) == text + len) {
    file_error(r->errors, path, 0, 0, "file is empty");
    return NULL;
  }
  if (len >= 2 && (memcmp(text, "\xFF\xFE", 2) == 0 || memcmp(text, "\xFE\xFF", 2) == 0)) {
    file_error(r->errors, path, 0, 0,
               "file is UTF-16 (it starts with a byte-order mark); JSON must be UTF-8");
    return NULL;
  }
  const char *nul = memchr(text, 0, len); /* jansson would take it for the end of the file */
  if (nul) {
    text_pos pos = {text, 1, 1};
    advance(&pos, nul);
    file_error(r->errors, path, pos.line, pos.col, "NUL byte in the file (a JSON text has none)");
    return NULL;
  }
  json_error_t jerr;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (!root) {
    char *flag = strstr(jerr.text, " without JSON_ALLOW_NUL"); /* a jansson option, not the user's business */
    if (flag) memmove(flag, flag + 23, strlen(flag + 23) + 1);
    bool utf8 = strncmp(jerr.text, "unable to decode byte", 21) == 0;
    file_error(r->errors, path, jerr.line, jerr.column, "%s%s", utf8 ? "invalid UTF-8: " : "", jerr.text);
  }
  return root;
}

/* ---- grids: rows shared within a task ------------------------------------------------ */

/* The rows of the task being read, by their colors: a row equal to one read before in the
 * same task is that row's cells again (rows are immutable, so sharing them is invisible; an
 * ARC task's grids repeat about half of their rows). Forgotten at each task's start, so
 * that a task whose memory is rolled back leaves nothing here. */
enum { ROW_SLOTS = 1024 };
typedef struct row_slot {
  uint32_t gen, w;
  uint64_t hash;
  const bt_value *cells;
} row_slot;
static _Thread_local row_slot row_seen[ROW_SLOTS];
static _Thread_local uint32_t row_gen;

static void rows_forget(void) {
  if (++row_gen == 0) { /* wrapped: clear the slots' generations once */
    memset(row_seen, 0, sizeof row_seen);
    row_gen = 1;
  }
}

static uint64_t row_hash(const uint8_t *c, int w) {
  uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)w;
  for (int j = 0; j < w; j++)
    h = (h ^ c[j]) * 0x100000001b3ull;
  return h;
}

/* The h x w grid of colors c (rows stride bytes apart) in the task set's arena. */
static bt_value grid_of_colors(bt_ctx *arena, const uint8_t *c, int h, int w, int stride) {
  if (row_gen == 0) rows_forget();
  bt_value *rows = bt_items(arena, (size_t)h);
  if (!rows) return bt_err(BT_E_LIMIT);
  for (int i = 0; i < h; i++) {
    const uint8_t *row = c + (size_t)i * (size_t)stride;
    uint64_t hash = row_hash(row, w);
    const bt_value *cells = NULL;
    size_t at = (size_t)(hash % ROW_SLOTS), probe = 0;
    for (; probe < 8; probe++, at = (at + 1) % ROW_SLOTS) {
      row_slot *s = &row_seen[at];
      if (s->gen != row_gen) break;
      if (s->hash != hash || s->w != (uint32_t)w) continue;
      int j = 0;
      while (j < w && s->cells[j].u.i == row[j])
        j++;
      if (j == w) {
        cells = s->cells;
        break;
      }
    }
    if (!cells) {
      bt_value *made = bt_items(arena, (size_t)w);
      if (!made) return bt_err(BT_E_LIMIT);
      for (int j = 0; j < w; j++)
        made[j] = bt_int(row[j]);
      cells = made;
      if (probe < 8 && row_seen[at].gen != row_gen)
        row_seen[at] = (row_slot){row_gen, (uint32_t)w, hash, made};
    }
    rows[i] = bt_tuple(cells, (uint32_t)w);
  }
  return bt_tuple(rows, (uint32_t)h);
}

/* ---- validation ------------------------------------------------------------------- */

/* An ARC grid: 1..30 rows of 1..30 colors 0..9, rows of equal length. */
static bool read_grid(reader *r, const json_t *j, bt_value *out) {
  char what[96];
  if (!json_is_array(j)) {
    describe(j, what, sizeof what);
    value_error(r, "a grid must be a list of rows, got %s", what);
    return false;
  }
  size_t h = json_array_size(j), w = 0;
  if (h == 0) {
    value_error(r, "empty grid (a grid has 1 to %d rows)", BT_GRID_SIDE_MAX);
    return false;
  }
  if (h > BT_GRID_SIDE_MAX) {
    value_error(r, "%zu rows (a grid has 1 to %d rows)", h, BT_GRID_SIDE_MAX);
    return false;
  }
  uint8_t colors[BT_GRID_SIDE_MAX * BT_GRID_SIDE_MAX];
  for (size_t i = 0; i < h; i++) {
    const json_t *row = json_array_get(j, i);
    push_index(r, i);
    size_t n = json_array_size(row);
    if (!json_is_array(row)) {
      describe(row, what, sizeof what);
      value_error(r, "a row must be a list of colors, got %s", what);
    } else if (n == 0) {
      value_error(r, "empty row (a row has 1 to %d cells)", BT_GRID_SIDE_MAX);
    } else if (n > BT_GRID_SIDE_MAX) {
      value_error(r, "%zu cells (a row has 1 to %d cells)", n, BT_GRID_SIDE_MAX);
    } else if (i > 0 && n != w) {
      value_error(r, "row has %zu cell%s, but row 0 has %zu", n, n == 1 ? "" : "s", w);
    } else {
      if (i == 0) w = n;
      for (size_t k = 0; k < w; k++) {
        const json_t *c = json_array_get(row, k);
        json_int_t v = json_integer_value(c);
        if (json_is_integer(c) && v >= 0 && v <= 9) {
          colors[i * w + k] = (uint8_t)v;
          continue;
        }
        push_index(r, k);
        if (json_is_integer(c)) {
          value_error(r, "color %" JSON_INTEGER_FORMAT " is outside 0..9", v);
        } else {
          describe(c, what, sizeof what);
          value_error(r, "a color must be an integer 0..9, got %s", what);
        }
        pop(r);
        pop(r);
        return false;
      }
      pop(r);
      continue;
    }
    pop(r);
    return false;
  }
  bt_value grid = grid_of_colors(&r->ts->arena, colors, (int)h, (int)w, (int)w);
  if (bt_is_err(grid)) {
    value_error(r, "out of memory");
    return false;
  }
  *out = grid;
  return true;
}

/* The pairs of task[part] into arena memory; test pairs may lack their output. */
static bool read_pairs(reader *r, const json_t *task, const char *part, bool need_output, bt_pair_io **out,
                       int *n_out) {
  char what[96];
  const json_t *list = json_object_get(task, part);
  if (!list) {
    value_error(r, "missing \"%s\"", part);
    return false;
  }
  push_key(r, part);
  bool ok = false;
  size_t n = json_array_size(list);
  if (!json_is_array(list)) {
    describe(list, what, sizeof what);
    value_error(r, "must be a list of pairs, got %s", what);
  } else if (n == 0) {
    value_error(r, "empty (a task needs at least one %s)", need_output ? "demonstration pair" : "test input");
  } else if (n > INT32_MAX || !(*out = bt_alloc(&r->ts->arena, n * sizeof **out))) {
    value_error(r, "out of memory");
  } else {
    ok = true;
    *n_out = (int)n;
  }
  for (size_t i = 0; ok && i < n; i++) {
    const json_t *pair = json_array_get(list, i);
    bt_pair_io *io = &(*out)[i];
    *io = (bt_pair_io){bt_none(), bt_none(), false};
    push_index(r, i);
    if (!json_is_object(pair)) {
      describe(pair, what, sizeof what);
      value_error(r, "a pair must be an object, got %s", what);
      ok = false;
    } else {
      for (int side = 0; side < 2 && ok; side++) {
        const char *key = side ? "output" : "input";
        const json_t *g = json_object_get(pair, key);
        if (!g) {
          if (side == 0 || need_output) {
            value_error(r, "missing \"%s\"", key);
            ok = false;
          }
          continue;
        }
        push_key(r, key);
        ok = read_grid(r, g, side ? &io->output : &io->input);
        pop(r);
        if (side) io->has_output = ok;
      }
    }
    pop(r);
  }
  pop(r);
  return ok;
}

/* Whether j looks like a Kaggle challenges file: an object of tasks keyed by id. */
static bool looks_like_challenges(const json_t *j) {
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)j, key, v) return json_is_object(v) && json_object_get(v, "train");
  return false;
}

/* One task: {"train": [pairs], "test": [pairs]}. Other members are ignored. */
static bool read_task(reader *r, const json_t *j, bt_task *t) {
  if (!json_is_object(j)) {
    char what[96];
    describe(j, what, sizeof what);
    value_error(r, "a task must be an object, got %s", what);
    return false;
  }
  if (!r->task && !json_object_get(j, "train") && !json_object_get(j, "test") && looks_like_challenges(j)) {
    value_error(r, "missing \"train\" (this looks like a Kaggle challenges file: name it *_challenges.json)");
    return false;
  }
  return read_pairs(r, j, "train", true, &t->train, &t->n_train) &&
         read_pairs(r, j, "test", false, &t->test, &t->n_test);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static char *arena_strdup(bt_ctx *cx, const char *s) {
  size_t n = strlen(s) + 1;
  char *p = bt_alloc(cx, n);
  if (p) memcpy(p, s, n);
  return p;
}

static bool append_task(bt_taskset *ts, const bt_task *t, FILE *errors) {
  if (ts->n == ts->cap_) {
    int cap = ts->cap_ ? ts->cap_ * 2 : 64;
    bt_task *nt = realloc(ts->tasks, (size_t)cap * sizeof *nt);
    if (!nt) {
      file_error(errors, t->source, 0, 0, "out of memory");
      return false;
    }
    ts->tasks = nt;
    ts->cap_ = cap;
  }
  ts->tasks[ts->n++] = *t;
  return true;
}

/* Checks solutions[id] (a list of test output grids) against t and fills in the outputs. */
static bool read_solutions(reader *rs, const json_t *solutions, const char *id, bt_task *t) {
  const json_t *list = json_object_get(solutions, id);
  if (!list) { /* as for a task whose solutions file is missing: its test outputs are unknown */
    value_warning(rs, "missing from the solutions file: its test outputs are unknown");
    return true;
  }
  push_key(rs, id);
  bool ok = true;
  size_t n = json_array_size(list);
  if (!json_is_array(list)) {
    char what[96];
    describe(list, what, sizeof what);
    value_error(rs, "must be a list of test output grids, got %s", what);
    ok = false;
  } else if (n != (size_t)t->n_test) {
    value_error(rs, "%zu test output%s, but the task has %d test input%s", n, n == 1 ? "" : "s", t->n_test,
                t->n_test == 1 ? "" : "s");
    ok = false;
  }
  for (size_t k = 0; ok && k < n; k++) {
    bt_value g;
    push_index(rs, k);
    ok = read_grid(rs, json_array_get(list, k), &g);
    bt_pair_io *io = &t->test[k];
    if (ok && io->has_output && !bt_eq(g, io->output)) {
      value_error(rs, "differs from test[%zu].output in the challenges file", k);
      ok = false;
    }
    io->output = g;
    io->has_output = ok;
    pop(rs);
  }
  pop(rs);
  return ok;
}

/* Reads one task from j (a whole task file, or one member of a challenges file) with its
 * test outputs from solutions (if not NULL) and adds it; on error the arena is rolled back
 * and the task counted as rejected. */
static bool add_task(reader *r, const json_t *j, const char *id, const char *source, const json_t *solutions,
                     reader *rs) {
  bt_taskset *ts = r->ts;
  bt_mark mark = bt_arena_mark(&ts->arena);
  bt_task t = {.id = (char *)id, .source = (char *)source};
  rows_forget();
  bool ok = read_task(r, j, &t) && (!solutions || read_solutions(rs, solutions, id, &t)) &&
            append_task(ts, &t, r->errors);
  if (!ok) {
    bt_arena_release(&ts->arena, mark);
    ts->rejected++;
  }
  return ok;
}

/* ---- the fast path: a task file in the shape ARC's own files have -------------------------
 *
 * {"train": [{"input": GRID, "output": GRID}, ...], "test": [...]} with grids of 1..30 rows
 * of 1..30 one-digit colours, each key once, nothing else. It reads such a file without
 * building a JSON tree; anything else (another member, an escape, a number like 07 or 1.0,
 * an empty list, a ragged grid, ...) makes it give up, and the file takes the general path,
 * which reads every JSON file and says what is wrong with one. Both give the same task. */

static bool fast_on = true;
void bt_tasks_fast_path(bool on) { fast_on = on; }

typedef struct fast {
  const char *p, *e;
} fast;

static void fast_ws(fast *f) {
  while (f->p < f->e && (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t'))
    f->p++;
}

static bool fast_char(fast *f, char c) {
  fast_ws(f);
  if (f->p >= f->e || *f->p != c) return false;
  f->p++;
  return true;
}

/* A key and its colon: 0 train, 1 test, 2 input, 3 output, -1 anything else. */
static int fast_key(fast *f) {
  static const char *const keys[] = {"train", "test", "input", "output"};
  if (!fast_char(f, '"')) return -1;
  const char *s = f->p;
  while (f->p < f->e && *f->p != '"' && *f->p != '\\')
    f->p++;
  if (f->p >= f->e || *f->p != '"') return -1;
  size_t n = (size_t)(f->p - s);
  f->p++;
  if (!fast_char(f, ':')) return -1;
  for (int k = 0; k < 4; k++)
    if (strlen(keys[k]) == n && memcmp(keys[k], s, n) == 0) return k;
  return -1;
}

static bool fast_grid(fast *f, bt_ctx *arena, bt_value *out) {
  uint8_t c[BT_GRID_SIDE_MAX * BT_GRID_SIDE_MAX];
  int h = 0, w = -1;
  if (!fast_char(f, '[')) return false;
  do {
    int n = 0;
    if (h == BT_GRID_SIDE_MAX || !fast_char(f, '[')) return false;
    do {
      fast_ws(f);
      if (n == BT_GRID_SIDE_MAX || f->p >= f->e || *f->p < '0' || *f->p > '9') return false;
      c[h * BT_GRID_SIDE_MAX + n++] = (uint8_t)(*f->p++ - '0');
      if (f->p < f->e && ((*f->p >= '0' && *f->p <= '9') || *f->p == '.' || *f->p == 'e' || *f->p == 'E'))
        return false;
    } while (fast_char(f, ','));
    if (!fast_char(f, ']') || (w >= 0 && n != w)) return false;
    w = n;
    h++;
  } while (fast_char(f, ','));
  if (!fast_char(f, ']')) return false;
  *out = grid_of_colors(arena, c, h, w, BT_GRID_SIDE_MAX);
  return !bt_is_err(*out);
}

static bool fast_pairs(fast *f, bt_ctx *arena, bool need_output, bt_pair_io **out, int *n_out) {
  bt_pair_io buf[64], *pairs = buf;
  int n = 0;
  if (!fast_char(f, '[')) return false;
  do {
    if (n == (int)(sizeof buf / sizeof *buf)) return false; /* more than ARC has: the general path */
    bt_pair_io io = {bt_none(), bt_none(), false};
    bool seen[2] = {false, false};
    if (!fast_char(f, '{')) return false;
    do {
      int key = fast_key(f) - 2;
      if (key < 0 || seen[key]) return false;
      seen[key] = true;
      if (!fast_grid(f, arena, key ? &io.output : &io.input)) return false;
    } while (fast_char(f, ','));
    if (!fast_char(f, '}') || !seen[0] || (need_output && !seen[1])) return false;
    io.has_output = seen[1];
    pairs[n++] = io;
  } while (fast_char(f, ','));
  if (!fast_char(f, ']')) return false;
  *out = bt_alloc(arena, (size_t)n * sizeof **out);
  if (!*out) return false;
  memcpy(*out, pairs, (size_t)n * sizeof **out);
  *n_out = n;
  return true;
}

/* The task in text, or false (what it made in the arena released). */
static bool fast_task(const char *text, size_t len, bt_ctx *arena, bt_task *t) {
  if (!fast_on) return false;
  bt_mark mark = bt_arena_mark(arena);
  rows_forget();
  fast f = {text, text + len};
  bool seen[2] = {false, false}, ok = fast_char(&f, '{');
  while (ok) {
    int key = fast_key(&f);
    ok = key >= 0 && key < 2 && !seen[key];
    if (ok) {
      seen[key] = true;
      ok = key ? fast_pairs(&f, arena, false, &t->test, &t->n_test)
               : fast_pairs(&f, arena, true, &t->train, &t->n_train);
    }
    if (!ok || !fast_char(&f, ',')) break;
  }
  ok = ok && seen[0] && seen[1] && fast_char(&f, '}');
  fast_ws(&f);
  if (ok && f.p == f.e) return true;
  bt_arena_release(arena, mark);
  return false;
}

/* ---- per-task files ------------------------------------------------------------------- */

static void load_task_file(bt_taskset *ts, const char *path, FILE *errors) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t idlen = strlen(base);
  if (ends_with(base, ".json")) idlen -= 5;
  if (idlen == 0) {
    file_error(errors, path, 0, 0, "empty task id (the file name without .json)");
    ts->rejected++;
    return;
  }
  for (size_t k = 0; k < idlen;) { /* ids are written into JSON files, which are UTF-8 */
    int n = utf8_len((const unsigned char *)base + k);
    if (n == 0 || k + (size_t)n > idlen || (unsigned char)base[k] < 0x20) {
      file_error(errors, path, 0, 0, "the file name is not UTF-8 text: it cannot be a task id");
      ts->rejected++;
      return;
    }
    k += (size_t)n;
  }
  bt_mark mark = bt_arena_mark(&ts->arena);
  reader r = {.ts = ts, .errors = errors, .file = path};
  char *buf = NULL, *id = bt_alloc(&ts->arena, idlen + 1), *source = arena_strdup(&ts->arena, path);
  size_t len = 0;
  if (id && source) buf = read_file(path, &len, errors);
  bt_task t = {.id = id, .source = source};
  if (buf && fast_task(buf, len, &ts->arena, &t)) {
    memcpy(id, base, idlen);
    id[idlen] = 0;
    if (!append_task(ts, &t, errors)) {
      bt_arena_release(&ts->arena, mark);
      ts->rejected++;
    }
    reader_done(&r);
    free(buf);
    return;
  }
  json_t *root = buf ? parse_text(&r, path, buf, len) : NULL;
  if (!id || !source) file_error(errors, path, 0, 0, "out of memory");
  if (root) {
    memcpy(id, base, idlen);
    id[idlen] = 0;
    if (!add_task(&r, root, id, source, NULL, NULL)) bt_arena_release(&ts->arena, mark);
    json_decref(root);
  } else {
    bt_arena_release(&ts->arena, mark);
    ts->rejected++;
  }
  reader_done(&r);
  free(buf);
}

/* ---- Kaggle files ------------------------------------------------------------------------ */

static const char CHALLENGES[] = "_challenges.json", SOLUTIONS[] = "_solutions.json";

/* path with its suffix `from` replaced by `to` (malloc'd). */
static char *swap_suffix(const char *path, const char *from, const char *to) {
  size_t keep = strlen(path) - strlen(from), n = strlen(to);
  char *s = malloc(keep + n + 1);
  if (!s) return NULL;
  memcpy(s, path, keep);
  memcpy(s + keep, to, n + 1);
  return s;
}

/* The solutions file, checked to be an object; NULL (and counted) when it cannot be used. */
static json_t *load_solutions(reader *rs, const char *path, char **buf) {
  json_t *root = parse_file(rs, path, buf);
  if (root && !json_is_object(root)) {
    char what[96];
    describe(root, what, sizeof what);
    value_error(rs, "a solutions file must be an object of test output lists by task id, got %s", what);
    json_decref(root);
    root = NULL;
  }
  if (!root) rs->ts->rejected++;
  return root;
}

/* Every task of a challenges object, with its solutions when sols is not NULL. */
static void read_challenges(reader *r, reader *rs, const json_t *root, const json_t *sols,
                            const char *source) {
  bt_taskset *ts = r->ts;
  r->base = rs->base = 1;
  const char *id;
  json_t *task;
  json_object_foreach((json_t *)root, id, task) {
    r->task = rs->task = *id ? id : NULL;
    push_key(r, id);
    char *tid = *id ? arena_strdup(&ts->arena, id) : NULL;
    if (!tid) {
      value_error(r, *id ? "out of memory" : "empty task id");
      ts->rejected++;
    } else {
      add_task(r, task, tid, source, sols, rs);
    }
    pop(r);
  }
  json_object_foreach((json_t *)sols, id, task) {
    if (json_object_get(root, id)) continue;
    rs->task = id;
    push_key(rs, id);
    value_error(rs, "not in the challenges file %s", r->file);
    pop(rs);
    ts->rejected++;
  }
}

static void load_kaggle(bt_taskset *ts, const char *challenges, const char *solutions, FILE *errors) {
  bt_mark mark = bt_arena_mark(&ts->arena);
  char *source = arena_strdup(&ts->arena, challenges);
  reader r = {.ts = ts, .errors = errors, .file = challenges},
         rs = {.ts = ts, .errors = errors, .file = solutions};
  char *buf = NULL, *sbuf = NULL;
  json_t *root = source ? parse_file(&r, challenges, &buf) : NULL, *sols = NULL;
  bool ok = false;
  if (!source) {
    file_error(errors, challenges, 0, 0, "out of memory");
  } else if (root && !json_is_object(root)) {
    char what[96];
    describe(root, what, sizeof what);
    value_error(&r, "a challenges file must be an object of tasks by id, got %s", what);
  } else if (root && json_object_size(root) == 0) {
    value_error(&r, "no tasks in the challenges file");
  } else if (root) {
    if (solutions) sols = load_solutions(&rs, solutions, &sbuf);
    read_challenges(&r, &rs, root, sols, source);
    ok = true;
  }
  if (!ok) { /* the file as a whole is rejected */
    bt_arena_release(&ts->arena, mark);
    ts->rejected++;
  }
  json_decref(sols);
  json_decref(root);
  reader_done(&rs);
  reader_done(&r);
  free(sbuf);
  free(buf);
}

/* ---- inputs: directories, files ---------------------------------------------------------- */

typedef enum input_kind { IN_TASK, IN_CHALLENGES, IN_SOLUTIONS } input_kind;

typedef struct input {
  char *path;
  input_kind kind;
} input;

typedef struct inputs {
  input *items;
  int n, cap;
} inputs;

static bool push_input(inputs *in, char *path) {
  if (!path) return false;
  if (in->n == in->cap) {
    int cap = in->cap ? in->cap * 2 : 16;
    input *ni = realloc(in->items, (size_t)cap * sizeof *ni);
    if (!ni) {
      free(path);
      return false;
    }
    in->items = ni;
    in->cap = cap;
  }
  input_kind kind = ends_with(path, CHALLENGES)  ? IN_CHALLENGES
                    : ends_with(path, SOLUTIONS) ? IN_SOLUTIONS
                                                 : IN_TASK;
  in->items[in->n++] = (input){path, kind};
  return true;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The *.json files of dir (not dot files, not directories), sorted by name. */
static void list_dir(bt_taskset *ts, const char *dir, inputs *in, FILE *errors) {
  DIR *d = opendir(dir);
  if (!d) {
    file_error(errors, dir, 0, 0, "cannot open directory: %s", strerror(errno));
    ts->rejected++;
    return;
  }
  char **names = NULL;
  size_t n = 0, cap = 0, entries = 0;
  bool oom = false;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    entries++;
    if (name[0] == '.' || !ends_with(name, ".json")) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **nn = realloc(names, cap * sizeof *nn);
      if (!nn) {
        oom = true;
        break;
      }
      names = nn;
    }
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] == '/';
    char *path = malloc(dl + nl + 2);
    if (!path) {
      oom = true;
      break;
    }
    snprintf(path, dl + nl + 2, "%s%s%s", dir, slash ? "" : "/", name);
    struct stat st;
    bool known = stat(path, &st) == 0;
    if (known && S_ISDIR(st.st_mode)) {
      free(path);
      continue;
    }
    if (known && !S_ISREG(st.st_mode)) { /* opening a FIFO waits for a writer */
      file_error(errors, path, 0, 0, "not a regular file (a FIFO, device or socket); skipped");
      ts->rejected++;
      free(path);
      continue;
    }
    names[n++] = path;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_names);
  if (oom) {
    file_error(errors, dir, 0, 0, "out of memory");
    ts->rejected++;
  } else if (entries == 0) {
    file_error(errors, dir, 0, 0, "empty directory");
    ts->rejected++;
  } else if (n == 0) {
    file_error(errors, dir, 0, 0, "no .json files in the directory");
    ts->rejected++;
  }
  for (size_t k = 0; k < n; k++)
    if (!push_input(in, names[k])) {
      file_error(errors, dir, 0, 0, "out of memory");
      ts->rejected++;
      for (k++; k < n; k++)
        free(names[k]);
    }
  free(names);
}

static bool same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void bt_tasks_init(bt_taskset *ts) {
  memset(ts, 0, sizeof *ts);
  bt_limits lim = bt_default_limits;
  lim.max_bytes = SIZE_MAX; /* the tasks are the input: bounded by the file size limit, not a budget */
  bt_ctx_init(&ts->arena, &lim);
}

void bt_tasks_add_kaggle(bt_taskset *ts, const char *challenges, const char *solutions, FILE *errors) {
  char *beside = NULL;
  if (!solutions && ends_with(challenges, CHALLENGES)) {
    struct stat st;
    beside = swap_suffix(challenges, CHALLENGES, SOLUTIONS);
    if (beside && stat(beside, &st) == 0) solutions = beside;
  }
  load_kaggle(ts, challenges, solutions, errors);
  free(beside);
}

void bt_tasks_add_paths(bt_taskset *ts, const char *const *paths, int n_paths, FILE *errors) {
  inputs in = {0};
  for (int k = 0; k < n_paths; k++) {
    struct stat st;
    if (stat(paths[k], &st) != 0) {
      file_error(errors, paths[k], 0, 0, "cannot open: %s", strerror(errno));
      ts->rejected++;
    } else if (S_ISDIR(st.st_mode)) {
      list_dir(ts, paths[k], &in, errors);
    } else if (!push_input(&in, strdup(paths[k]))) {
      file_error(errors, paths[k], 0, 0, "out of memory");
      ts->rejected++;
    }
  }
  for (int k = 0; k < in.n; k++) {
    const input *it = &in.items[k];
    if (it->kind == IN_TASK) {
      load_task_file(ts, it->path, errors);
    } else if (it->kind == IN_CHALLENGES) {
      bt_tasks_add_kaggle(ts, it->path, NULL, errors);
    } else { /* read with its challenges file, which must be among the inputs */
      char *chal = swap_suffix(it->path, SOLUTIONS, CHALLENGES);
      bool paired = false;
      for (int c = 0; chal && c < in.n && !paired; c++)
        paired = in.items[c].kind == IN_CHALLENGES && same_file(chal, in.items[c].path);
      if (!paired) {
        const char *name = chal ? strrchr(chal, '/') : NULL;
        file_error(errors, it->path, 0, 0,
                   "a solutions file is read with its challenges file, and %s is not among the inputs",
                   name   ? name + 1
                   : chal ? chal
                          : "it");
        ts->rejected++;
      }
      free(chal);
    }
  }
  for (int k = 0; k < in.n; k++)
    free(in.items[k].path);
  free(in.items);
}

/* ---- the set ------------------------------------------------------------------------------- */

typedef struct ranked {
  bt_task t;
  int pos;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  int c = strcmp(x->t.id, y->t.id);
  return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

int bt_tasks_finish(bt_taskset *ts, FILE *errors) {
  if (ts->n == 0) return ts->rejected;
  ranked *r = malloc((size_t)ts->n * sizeof *r);
  if (!r) { /* leave them unsorted rather than lose them */
    file_error(errors, "batt", 0, 0, "out of memory sorting tasks");
    return ts->rejected;
  }
  for (int k = 0; k < ts->n; k++)
    r[k] = (ranked){ts->tasks[k], k};
  qsort(r, (size_t)ts->n, sizeof *r, cmp_ranked);
  int n = 0;
  for (int k = 0; k < ts->n; k++) {
    if (n > 0 && strcmp(ts->tasks[n - 1].id, r[k].t.id) == 0) {
      if (errors) {
        fprintf(errors, "%s: error: duplicate task id '", r[k].t.source);
        put_clean(errors, r[k].t.id);
        fprintf(errors, "': already loaded from %s\n", ts->tasks[n - 1].source);
      }
      ts->rejected++;
      continue;
    }
    ts->tasks[n++] = r[k].t;
  }
  ts->n = n;
  free(r);
  return ts->rejected;
}

int bt_tasks_load(bt_taskset *ts, const char *const *paths, int n_paths, FILE *errors) {
  bt_tasks_init(ts);
  bt_tasks_add_paths(ts, paths, n_paths, errors);
  return bt_tasks_finish(ts, errors);
}

void bt_tasks_free(bt_taskset *ts) {
  free(ts->tasks);
  bt_ctx_free(&ts->arena);
  memset(ts, 0, sizeof *ts);
}

static int cmp_id(const void *key, const void *elem) { return strcmp(key, ((const bt_task *)elem)->id); }

const bt_task *bt_tasks_find(const bt_taskset *ts, const char *id) {
  return ts->n ? bsearch(id, ts->tasks, (size_t)ts->n, sizeof *ts->tasks, cmp_id) : NULL;
}

bt_value bt_task_samples(bt_ctx *cx, const bt_task *t) {
  bt_value *items = bt_items(cx, (size_t)t->n_train);
  if (!items && t->n_train) return bt_err(BT_E_LIMIT);
  for (int k = 0; k < t->n_train; k++) {
    items[k] = bt_pair(cx, t->train[k].input, t->train[k].output);
    if (bt_is_err(items[k])) return items[k];
  }
  return bt_tuple(items, (uint32_t)t->n_train);
}

/* value_json.h: values to and from the JSON encoding of the conformance vectors
 * ({"grid": ...}, {"tuple": ...}, {"set": ...}, {"none": true}, {"fn": ..., "args": ...}). */
#ifndef BATT_VALUE_JSON_H
#define BATT_VALUE_JSON_H

#include <jansson.h>

#include "batt.h"

/* Decodes j; on malformed input returns an error value and writes a message into
 * err. Closures are rebuilt by calling their constructor on the decoded arguments. */
bt_value bt_from_json(bt_ctx *cx, const json_t *j, char *err, size_t errlen);
/* The dialect whose names {"fn": name} decodes to (BT_DIALECT_*; 0, arc-dsl, unless set). */
extern int bt_json_dialect;
/* Encodes v (new reference); an error value encodes as {"error": "TypeError"}. */
json_t *bt_to_json(bt_value v);
/* The compact text of bt_to_json(v) (what json_dumps gives with JSON_COMPACT), written
 * directly; malloc'd, NULL when out of memory. v must be nested less than BT_MAX_NEST. */
char *bt_json_text(bt_value v);
/* True when v is written as {"grid": ...}: a non-empty tuple of non-empty tuples of
 * one common length holding only ints (not bools). */
bool bt_is_grid_form(bt_value v);

#endif

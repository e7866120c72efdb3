/* prim_objects.c: being written. */

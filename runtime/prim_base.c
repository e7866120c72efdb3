/* prim_base.c: being written. */

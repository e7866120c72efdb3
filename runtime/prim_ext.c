/* prim_ext.c: being written. */

/* patch.c: being written. */

from dsl import *
from constants import *


def solve_example(I):               # also accepted: def solve_<id>(S, I, C):
    x1 = objects(I, T, F, T)        # single-color, 4-connected objects, background left out
    x2 = argmax(x1, size)           # the largest
    x3 = rbind(recolor, x2)         # a function value: c -> recolor(c, x2)
    x4 = x3(TWO)                    # a variable called as a function
    O = paint(I, x4)
    return O


def solve_samples(S, I, C):
    x1 = apply(first, S)
    x2 = apply(second, S)
    x3 = c_iz(S, p_g)
    x4 = get_nth_t(x3, F0)
    x5 = mostcolor(I)
    O = replace(I, x5, x4)
    return O

# A fixed solver set for the golden emitted-code test: a constant-only line (the rbind),
# an S-only line (apply(first, S)), a call through a variable holding a closure, a pair
# constant, a boolean constant, and lines shared by two solvers; then fused calls.

def solve_golden_a(I):
    x1 = rbind(upscale, TWO)
    x2 = objects(I, T, F, T)
    x3 = argmax(x2, size)
    x4 = subgrid(x3, I)
    O = x1(x4)
    return O


def solve_golden_b(S, I, C):
    x1 = apply(first, S)
    x2 = size(x1)
    x3 = objects(I, T, F, T)
    x4 = argmax(x3, size)
    x5 = shift(x4, DOWN)
    x6 = paint(I, x5)
    O = fill(x6, x2, x4)
    return O


# Fused calls: the sample pattern (c_iz_n and c_zo_n share their steps), objects of I in
# three modes (with objects(I, T, F, T) above), two maps over one container.
def solve_golden_c(S, I, C):
    x1 = c_iz_n(S, palette, first)
    x2 = c_zo_n(S, palette, first)
    O = replace(I, x1, x2)
    return O


def solve_golden_d(I):
    x1 = o_g(I, 4)
    x2 = objects(I, F, T, T)
    x3 = apply(size, x1)
    x4 = apply(color, x1)
    x5 = maximum(x3)
    x6 = mostcommon(x4)
    x7 = merge(x2)
    x8 = fill(I, x6, x7)
    O = replace(x8, x5, ZERO)
    return O

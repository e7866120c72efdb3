# A fixed solver set for the golden emitted-code test: a constant-only line (the rbind),
# an S-only line (apply(first, S)), a call through a variable holding a closure, a pair
# constant, a boolean constant, and lines shared by two solvers.

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

def solve_a(I):
    x1 = apply(first, S)
    x2 = cellwise(I, C, ZERO)
    O = hconcat(x2, I)
    return O

def solve_b(S, I, C):
    x1 = apply(first, S)
    x2 = cellwise(I, C, ZERO)
    O = hconcat(x2, I)
    return O

def solve_a(S, I, C):
    x1 = vmirror(C)
    x2 = identity(x1)
    O = hmirror(x2)
    return O


def solve_b(S, I, C):
    x1 = vmirror(C)
    O = hmirror(I)
    return O


def solve_c(S, I, C):
    return C

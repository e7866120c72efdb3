def solve_a(I):
    x1 = vmirror(I))
    O = hmirror(x1)
    return O

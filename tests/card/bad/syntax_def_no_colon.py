def solve_a(I)
    x1 = vmirror(I)
    O = hmirror(x2)
    return O

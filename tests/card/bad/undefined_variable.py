def solve_a(I):
    x1 = vmirror(I)
    x2 = hconcat(x1, x9)
    O = vconcat(x2, y)
    return O

def solve_a(I):
    x1 = vmirror(I)
    x2 = hmirror(x1)
    x3 = rot90(x2)
    x3 = rot180(x2)
    x1 = x3
    O = hconcat(x1, x3)
    return O

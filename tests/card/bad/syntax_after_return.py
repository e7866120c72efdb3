def solve_a(I):
    O = vmirror(I)
    return O
    x1 = hmirror(O)
    x2 = rot90(x1)

def solve_a(I):
    x1 = fill(I, ONE,
    x2 = hmirror(x1)
    O = rot90(x2)
    return O

def solve_a(I):
    x1 = fil(I, ONE, I)
    x2 = vmirorr(x1)
    O = hmirror(x2)
    return O

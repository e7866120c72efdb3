def solve_a(I):
    x1 = vmirrör(I)
    O = hmirror(x1)
    return O

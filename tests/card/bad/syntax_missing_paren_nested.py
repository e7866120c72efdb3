def solve_a(I):
    x1 = fill(I, ONE, ofcolor(I, TWO)
    O = vmirror(x1)
    return O

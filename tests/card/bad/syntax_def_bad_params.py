def solve_a(X):
    O = vmirror(X)
    return O

def solve_b(I, S):
    O = hmirror(I)
    return O

def solve_c(I, C, S):
    O = hmirror(C)
    return O

def solve_d():
    return ONE

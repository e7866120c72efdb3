def solve_a(I):
    O = vmirror(I)
    return O

def solve_b(I):
    O = hmirror(I)
    return O

def solve_a(S, I, C):
    O = rot90(I)
    return O

def solve_a(I):
    O = vmirror(I)
    return O

def solve_b(I
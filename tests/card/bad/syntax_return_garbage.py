def solve_a(I):
    O = vmirror(I)
    return O O

def solve_b(I):
    O = vmirror(I)
    return O,

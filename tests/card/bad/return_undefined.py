def solve_a(I):
    x1 = vmirror(I)
    return O

def solve_b(I):
    x1 = vmirror(I)
    return x2(x1)

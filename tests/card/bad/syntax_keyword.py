def solve_a(I):
    x1 = vmirror(I)
    if x1:
        O = x1
    return O

def solve_a(I):
    O = vmirror(I)
    return

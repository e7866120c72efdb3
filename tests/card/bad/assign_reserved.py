def solve_a(I):
    I = vmirror(I)
    size = hmirror(I)
    ONE = rot90(I)
    O = rot180(I)
    return O

def (I):
    O = vmirror(I)
    return O

def solve_b(I):
    return hmirror(I)

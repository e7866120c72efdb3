def solve_a(I):
    x1 = vmirror(I)
    O = hmirror(x1)

def solve_b(S, I, C):
    x1 = vmirror(I)

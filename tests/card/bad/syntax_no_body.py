def solve_a(I):
def solve_b(I):
    O = hmirror(I)
    return O

def solve_c(I):

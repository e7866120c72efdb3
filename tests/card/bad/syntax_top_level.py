x1 = vmirror(I)
    x2 = hmirror(x1)
print(x1)

def solve_a(I):
    return I

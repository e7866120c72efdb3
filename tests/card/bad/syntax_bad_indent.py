def solve_a(I):
    x1 = vmirror(I)
  x2 = hmirror(x1)
      O = rot90(x2)
    return O

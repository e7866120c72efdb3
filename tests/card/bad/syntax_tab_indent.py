def solve_a(I):
	x1 = vmirror(I)
        O = fil(x1)
	return O

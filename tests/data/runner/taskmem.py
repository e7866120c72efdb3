# A large value made once per task (tests/test_runner.c): under a tight memory limit one
# task's lines fit, while the lines of several tasks together would not. Each task must
# get the same outcome whatever tasks share its chunk.

def solve_taskmem(S, I, C):
    x1 = first(S)
    x2 = first(x1)
    x3 = upscale(x2, 100)
    x4 = rot90(x3)
    O = downscale(x4, 100)
    return O

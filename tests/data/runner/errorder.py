# A solver's outcome is the exception of its earliest failing line, in its own source
# order, whatever merging does to the lines; a line no output reads still fails it.
# Expected outcomes (arc-dsl's Python, on any grid without colour 10): in the comments.


def solve_order(I):  # ValueError: last() of an empty set fails before first()
    x1 = ofcolor(I, TEN)
    x2 = last(x1)
    x3 = first(x1)
    O = astuple(x3, x2)
    return O


def solve_swapped(I):  # StopIteration: the same two lines, first() now comes first
    x1 = ofcolor(I, TEN)
    x2 = first(x1)
    x3 = last(x1)
    O = astuple(x2, x3)
    return O


def solve_dead(I):  # StopIteration: x2 is read by nothing and still fails
    x1 = ofcolor(I, TEN)
    x2 = first(x1)
    O = hmirror(I)
    return O


def solve_dead_ok(I):  # the mirrored grid: the unread line x2 does not fail
    x1 = ofcolor(I, TEN)
    x2 = size(x1)
    O = hmirror(I)
    return O


def solve_late(I):  # ZeroDivisionError: x3 fails first; x4 (StopIteration) comes after it
    x1 = ofcolor(I, TEN)
    x2 = size(x1)
    x3 = divide(TWO, x2)
    x4 = first(x1)
    O = astuple(x4, x3)
    return O


def solve_6150a2bd(I):  # StopIteration, also when only a task's own solvers run (--own)
    x1 = ofcolor(I, TEN)
    x2 = rot180(I)
    x3 = first(x1)
    O = x2
    return O

# A merged program in the shape tokpidjin's card.py writes: one function batt, its
# calls wrapped in try/except (or plain, in its vectorized mode), diagnostics in s and
# outputs in o. card cuts each output into a solver of the lines it reads.

from dsl import *
from constants import *
from safe_dsl import _get_safe_default

def batt(task_id, S, I, C, log_path):
    s = []
    o = []
    # - t1 = rot90(I)
    try:
        t1 = rot90(I)
    except (TypeError, AttributeError, ValueError, IndexError, KeyError):
        t1 = _get_safe_default(rot90)
    t2 = hmirror(t1)
    s.append((2, 'a85d4709', 'differ_x', t2))
    o.append((2, False, 'a85d4709', t2))
    try:
        t3 = vmirror(t1)
    except (TypeError, AttributeError, ValueError, IndexError, KeyError):
        t3 = _get_safe_default(vmirror)
    t4 = fill(I, ONE, ofcolor(t3, ZERO))
    o.append((4, True, 'a85d4709', t4))
    t5 = rbind(shift, DOWN)
    t6 = t5(asindices(t2))
    o.append((6, False, '3c9b0459', t6))
    return o, s

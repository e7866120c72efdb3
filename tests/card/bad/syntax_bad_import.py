from import *
from dsl imports *
import
from constants import *

def solve_a(I):
    return I

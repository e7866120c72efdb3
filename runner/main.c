/* main.c: batt with the program card compiled (batt_program, from batt.c). */
#include "cli.h"

extern const bt_program batt_program;

int main(int argc, char **argv) { return bt_cli_main(argc, argv, &batt_program); }

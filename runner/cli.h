/* cli.h: the batt command line, for any compiled program. */
#ifndef BATT_CLI_H
#define BATT_CLI_H

#include "program.h"

int bt_cli_main(int argc, char **argv, const bt_program *prog);

#endif

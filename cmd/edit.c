#include "cli.h"
int cmd_edit(int argc, char **argv, struct cli *cli) { return EXIT_INTERNAL; }

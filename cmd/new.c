#include "cli.h"
int cmd_new(int argc, char **argv, struct cli *cli) { return EXIT_INTERNAL; }

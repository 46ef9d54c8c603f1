/* Placeholder until home handling lands. */
#include <stdio.h>

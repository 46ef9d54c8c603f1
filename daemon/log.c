/* Placeholder until logging lands. */
#include <stdio.h>

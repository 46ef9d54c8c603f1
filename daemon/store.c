/* Placeholder until the LMDB store lands. */
#include "store.h"

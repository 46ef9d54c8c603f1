/* The software version, shown by `weft --version` and `weft status`. */
#ifndef WEFT_VERSION_H
#define WEFT_VERSION_H

#define WEFT_VERSION_STRING	"0.1.0"

#endif

/*
 * weft_strerror() and weft_err_name(), generated from WEFT_ERR_MAP. Codes
 * outside weft's range are treated as negated errno values.
 */
#include <stdio.h>
#include <string.h>

#include "weft/err.h"

const char *
weft_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
#define XX(name, code, msg) case code: return msg;
	WEFT_ERR_MAP(XX)
#undef XX
	default:
		break;
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}

const char *
weft_err_name(int err)
{
	switch (err) {
	case 0:
		return "OK";
#define XX(name, code, msg) case code: return "WEFT_E" #name;
	WEFT_ERR_MAP(XX)
#undef XX
	default:
		break;
	}
	if (err < 0 && err > -4096)
		return "ESYSTEM";	/* an errno value: see weft_strerror() */
	return "EUNKNOWN";
}

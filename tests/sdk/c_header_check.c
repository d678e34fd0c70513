/* Compiled as strict C99 by the build: the ABI header must stay plain C. */
#include <clinhub/plugin.h>

int clinhub_abi_major_check[CLINHUB_ABI_MAJOR == 1 ? 1 : -1];

/* Transitional, until src/conv/conv_drv_tmpl.h includes separable/bordered_row_instances.h
   once itself (then delete this file): the bordered rows are the instances of
   src/separable/bordered_row_tmpl.h. conv includes this inside each of its W/WS blocks, so the
   instances are defined on the first inclusion only. */
#ifndef IMFILT_BORDERED_ROW_INSTANCES
#define IMFILT_BORDERED_ROW_INSTANCES
#include "separable/bordered_row_instances.h"
#endif

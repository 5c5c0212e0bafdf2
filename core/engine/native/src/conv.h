// Shared by the convolution sources (conv.cc, conv_unit.cc): the forward
// product with an epilogue over its finished rows.
#pragma once
#include "gemm.h"
#include "kernels.h"

namespace sk {

/** conv_forward, then `epilogue` (or null) over every block of finished rows of y while they are in cache. */
void conv_forward_rows(const ConvDims& d, const float* x, const float* w, const float* bias, float* y, const RowEpilogue* epilogue);

}  // namespace sk

// Shared precompiled header: torch is expensive to parse, so model/ parses it once.
#pragma once
#include <torch/torch.h>

#include "timeline.hpp"
namespace timeline { void draw(int, int, Format) {} }

// The Client Integration functions the simulated unit offers. Each reads its FunctionParameters, fills
// the Response element and returns "", or returns the ErrorMessage and leaves Response alone.
#pragma once

#include "Book.h"

#include "Faults.h"

#include <pugixml.hpp>

#include <map>
#include <string>

namespace systmone {

struct Call {
    Book& book;
    clinhub::sim::Faults& faults;
    pugi::xml_node params;
    pugi::xml_node response;
};

using Function = std::string (*)(Call&);

// By Function name. Every one is at FunctionVersion 1.0.
const std::map<std::string, Function>& functions();

// Whether the function changes the record (the after-commit fault only makes sense for those).
bool changesRecord(const std::string& function);

} // namespace systmone

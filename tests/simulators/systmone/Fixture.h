// The simulator's fixture file (JSON, see fixture.json): who may call, the patients registered, and the
// clinics whose slots are generated for `days` days starting tomorrow at the practice, so tests never
// go stale.
#pragma once

#include "Book.h"

#include <set>
#include <string>

namespace systmone {

struct Access {
    std::string apiKey;
    std::set<std::string> devices;
};

// Sets the practice's zone, fills the book and returns who may call. Throws std::runtime_error naming
// the file and what is wrong with it.
Access loadFixture(const std::string& path, Book& book);

} // namespace systmone

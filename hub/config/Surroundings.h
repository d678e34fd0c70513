// What a loaded config names outside itself, checked as `serve` will meet it: the SQLite store's folder,
// the address to listen on. `config check` and `serve` both run these, so a config that passes the check
// does not then fail at start for a reason the check could have seen.
//
// Not part of loading: a config can be loaded (by tests, or to list plugins) on a machine where it will
// never run. Run `config check` as the user the hub runs as: writability is that user's.
#pragma once

#include "hub/config/Config.h"
#include "hub/config/Diagnostic.h"

#include <vector>

namespace clinhub::config {

// Each problem at the line of the key it is about (hub.store, hub.listen).
std::vector<Diagnostic> checkSurroundings(const Config& config);

// `message` about `key` (hub.store, say) at the key's place, or at the file when the key is not written.
Diagnostic about(const Mark& mark, const std::string& key, const std::string& message);

} // namespace clinhub::config

// Opening the config's store at start, for `serve` and the one-shot verbs alike: fast, bounded, and with a
// reason a sysadmin can act on.
#pragma once

#include "hub/config/Config.h"
#include "hub/store/Store.h"

#include <chrono>
#include <memory>

namespace clinhub::app {

// Long enough for a PostgreSQL started beside the hub (systemd starts both at once) to accept connections;
// short enough that a wrong host is reported while the sysadmin is still looking.
constexpr std::chrono::seconds kStorePatience{10};

// The keys that seal the store's patient data: CLINHUB_DATA_KEY's. Without it, a local demo on SQLite
// keeps a key it generated in a file beside the database (0600) and says so; anything else is refused,
// since a hub on the internet must not keep live links in clear. Throws StartupError naming the problem,
// never a key.
store::DataKeys dataKeys(const config::Config& config);

// The config's store, migrated, sealing with dataKeys(config). A PostgreSQL server that cannot be reached is tried
// again each second, each miss logged at warning, for up to `patience`. Throws StartupError with one line, at
// hub.store's FILE:LINE:COL, saying why, without the URL's password.
std::unique_ptr<store::Store> openStore(const config::Config& config, std::chrono::seconds patience = kStorePatience);

} // namespace clinhub::app

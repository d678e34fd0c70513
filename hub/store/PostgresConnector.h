// PostgreSQL through Poco::Data, with each statement prepared once per connection.
//
// Poco 1.11's own PostgreSQL statements prepare, describe, execute and deallocate on every run: four round
// trips where one will do. This connector keeps Poco's sessions (connecting, transactions, binding) and
// replaces only their statements: the first run of a text on a connection prepares and describes it under
// a name the connection keeps, and every later run is one PQexecPrepared. Callers see no difference but
// speed: the same Poco::Data::Session, `use`, `into`, RecordSet and exceptions. A transaction's BEGIN is
// sent with its first statement rather than on its own, and one that ran nothing ends without a round trip.
#pragma once

#include <string>

namespace clinhub::store {

// Registers the connector with Poco's SessionFactory the first time it is called, and returns the name
// to open sessions and pools with.
const std::string& postgresConnector();

} // namespace clinhub::store

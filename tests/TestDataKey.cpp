// Every test process, and every `clinhub` it starts, seals the store's patient data with one known key:
// a hub refuses to serve without CLINHUB_DATA_KEY (hub/app/OpenStore.h), and a test that reads what a
// child hub wrote needs the same key. A test that wants no key unsets it for its child.
#include <cstdlib>

namespace {
// base64 of "test-only-key-not-for-patients!!": 32 bytes, AES-256.
const bool given = ::setenv("CLINHUB_DATA_KEY", "test:dGVzdC1vbmx5LWtleS1ub3QtZm9yLXBhdGllbnRzISE=", 0) == 0;
} // namespace

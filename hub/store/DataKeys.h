// The keys that seal patient data at rest, so that a copy of the database (a backup, a dump, a stolen
// disk) holds no live link, NHS number, date of birth or mobile in clear.
//
// A sealed value is AES-256-GCM under the newest key, with a fresh 96-bit nonce, bound to what it belongs
// to (the row's reference, the column) so that a value moved to another row does not open:
//
//     sealed:v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>
//
// Keys rotate by id: the sysadmin puts a new key first and keeps the old ones after it until nothing sealed
// under them is left (retention removes old payloads), then drops them.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::store {

// The environment variable the hub's keys come from: "ID:BASE64[,ID:BASE64…]", each key 32 random bytes
// (`openssl rand -base64 32`), the first one sealing, every one opening.
constexpr const char* kDataKeyVariable = "CLINHUB_DATA_KEY";

class DataKeys {
public:
    using Key = std::array<unsigned char, 32>;

    // Throws std::invalid_argument naming what is wrong (never a key's bytes): an empty list, a missing or
    // repeated id, a key that is not base64 of exactly 32 bytes.
    static DataKeys parse(std::string_view spec);
    // One random key, for a store nobody gave keys to (tests, tools): what it seals opens only in this
    // process. The same key for every such store, so that two of them on one database agree.
    static const DataKeys& processKey();
    // "ID:BASE64" of a fresh random key, for a sysadmin or a demo to keep.
    static std::string generateSpec(const std::string& id);

    [[nodiscard]] const std::string& sealingId() const { return keys_.front().id; }

    // `plain` sealed under the newest key, bound to `context`.
    [[nodiscard]] std::string seal(std::string_view plain, std::string_view context) const;
    // What seal() sealed with the same `context`. A value that is not sealed (written before sealing began)
    // comes back as it is. Throws std::runtime_error when the key id is unknown or the value was altered
    // or moved.
    [[nodiscard]] std::string open(std::string_view stored, std::string_view context) const;

    static bool isSealed(std::string_view stored);

private:
    struct Named {
        std::string id;
        Key key;
    };
    explicit DataKeys(std::vector<Named> keys) : keys_(std::move(keys)) {}
    std::vector<Named> keys_; // newest first
};

} // namespace clinhub::store

// Every message in a store's outbox, oldest first, with its payload opened: tests that look for what was
// sent read it this way, since the payload column holds it sealed (hub/store/DataKeys.h).
#pragma once

#include "hub/outbox/Outbox.h"

#include <string>
#include <vector>

namespace clinhub::test {

inline std::vector<outbox::Message> queuedMessages(store::Store& store, const std::string& channel = "") {
    std::vector<std::string> references;
    {
        auto s = store.session();
        std::string wanted = channel;
        s << "SELECT reference FROM outbox WHERE ? = '' OR channel = ? ORDER BY created_at, reference",
            Poco::Data::Keywords::use(wanted), Poco::Data::Keywords::use(wanted),
            Poco::Data::Keywords::into(references), Poco::Data::Keywords::now;
    }
    outbox::Outbox outbox(store);
    std::vector<outbox::Message> out;
    for (const auto& reference : references)
        if (auto m = outbox.find(reference)) out.push_back(std::move(*m));
    return out;
}

} // namespace clinhub::test

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

// `n` messages for `organisation` queued in one transaction, so at one moment; their references in the order
// queued (made in one millisecond, they are not in order of making).
inline std::vector<std::string> queuedAtOnce(store::Store& store, std::size_t n,
                                             const std::string& organisation = "A12345") {
    std::vector<std::string> references;
    store.write([&](store::Session& s) {
        references = outbox::Outbox::enqueueAll(
            s, std::vector<outbox::NewMessage>(n, {organisation, outbox::Channel::sms, "{}", 0, nullptr}));
    });
    return references;
}

// Marks these messages failed for good, all at one moment.
inline void failAtOnce(outbox::Outbox& outbox, const std::vector<std::string>& references) {
    std::vector<outbox::Outcome> failures;
    for (const auto& reference : references)
        failures.push_back(outbox::Outcome::failed(reference, 3, "the provider refused the number"));
    outbox.settle(failures);
}

} // namespace clinhub::test

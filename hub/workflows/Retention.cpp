#include "hub/workflows/Retention.h"

#include "hub/cohorts/MemberRepository.h"
#include "hub/links/LinkRepository.h"
#include "hub/outbox/Outbox.h"
#include "hub/workflows/BatchSelfBook.h"

namespace clinhub::workflows {
namespace {

constexpr int64_t kMicrosPerDay = 86'400LL * 1'000'000;
// Rows per transaction: a few milliseconds of the store's write lock, so patients booking meanwhile wait
// no longer than for any other write.
constexpr int kRowsPerStep = 500;

} // namespace

std::vector<std::pair<const char*, int64_t>> Forgotten::byKind() const {
    return {{"links", links},
            {"batch_rows", batchRows},
            {"rejected_rows", rejectedRows},
            {"cohort_members", cohortMembers},
            {"message_payloads", messagePayloads}};
}

Forgotten Retention::prune(const std::string& organisation, int days, bool dryRun) {
    const store::Forget forget{organisation, clock_() - days * kMicrosPerDay, kRowsPerStep, dryRun};
    const auto each = [&](const std::function<int64_t(store::Session&, const store::Forget&)>& step) {
        if (dryRun) {
            auto s = store_.session();
            return step(s, forget);
        }
        int64_t all = 0;
        for (int64_t done = kRowsPerStep; done == kRowsPerStep;) {
            store_.write([&](store::Session& s) { done = step(s, forget); });
            all += done;
        }
        return all;
    };
    Forgotten f;
    f.links = each(links::LinkRepository::forgetPatients);
    f.batchRows =
        each([](store::Session& s, const store::Forget& fg) { return BatchSelfBook::forgetRows(s, fg, false); });
    f.rejectedRows =
        each([](store::Session& s, const store::Forget& fg) { return BatchSelfBook::forgetRows(s, fg, true); });
    f.cohortMembers = each(cohorts::MemberRepository::forgetMembers);
    f.messagePayloads = each(outbox::Outbox::forgetPayloads);
    return f;
}

} // namespace clinhub::workflows

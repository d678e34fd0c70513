// The durable queue of outgoing SMS, email and record writes (the transactional outbox).
//
// A workflow enqueues messages with the same session, in the same transaction, as the state change that
// causes them, so a message exists if and only if its cause was committed. Workers claim due messages,
// mark them `sending` before calling a connector, and record the result. A message found `sending` when
// its claim has lapsed was interrupted (a crash, a kill): it is reconciled with the provider before it
// can be sent again.
#pragma once

#include "hub/audit/AuditLog.h"
#include "hub/outbox/Payload.h"
#include "hub/store/Forget.h"
#include "hub/store/Store.h"

#include <clinhub/plugin.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::outbox {

const char* toString(Channel channel);
std::optional<Channel> channelFromString(const std::string& text);

// What a workflow asks to send: a typed payload (outbox/Payload.h), kept as its JSON.
struct NewMessage {
    std::string organisation;
    Channel channel = Channel::sms;
    std::string payloadJson; // encode(payload)
    int64_t dueAt = 0;       // microseconds since the epoch; 0 for now
    // Queued, in the same transaction, when this message is marked sent; never if it fails.
    std::shared_ptr<const NewMessage> afterSent;
    // An NHS App message's SMS fallback, when the hub runs the cascade: queued with it, in the same
    // transaction, but held until the app message is sent (then due after AppPayload::readWaitSeconds) or
    // fails (then due at once); dropped once a receipt says the patient read it in the app. One row, so at
    // most one SMS, whatever happens to the processes sending them.
    std::shared_ptr<const NewMessage> fallback;
    // The booking link the message is about (its invite, its confirmation, a code written for it), so the
    // link's page can say where each stands; "" for none.
    std::string linkId;
    // Sent even in the organisation's quiet hours: a link staff send to a patient who is waiting for it.
    bool anyHour = false;

    static NewMessage of(std::string organisation, const Payload& payload, int64_t dueAt = 0,
                         std::shared_ptr<const NewMessage> afterSent = nullptr) {
        return {std::move(organisation), channelOf(payload), encode(payload), dueAt, std::move(afterSent), nullptr, {}};
    }
    // The same message, about booking link `id`.
    NewMessage about(std::string id) && {
        linkId = std::move(id);
        return std::move(*this);
    }
};

// What a patient message's receipts said of one channel (its best news: read outranks delivered, which
// outranks failed).
struct ChannelOutcome {
    PatientChannel channel = PatientChannel::unknown;
    std::string state; // accepted, failed, delivered, read
    std::string detail;
    int64_t at = 0;
};

const char* toString(PatientChannel channel);

// The due time of a fallback still waiting for its NHS App message.
inline constexpr int64_t kHeldForApp = INT64_MAX;

struct Message {
    std::string reference;
    std::string organisation;
    Channel channel = Channel::sms;
    std::string payloadJson; // opened: it is sealed at rest (store::DataKeys)
    std::string unreadable;  // why payloadJson could not be opened (a key no longer given, an altered row)
    std::string state;       // queued, sending, sent, failed
    int attempts = 0;
    int64_t dueAt = 0;
    std::string connector; // last connector tried, or the one that sent it
    std::string providerId;
    std::string lastError;
    bool interrupted = false; // claimed while `sending` after its lease lapsed: reconcile before resending
    std::string delivery;     // from delivery receipts: "", accepted, delivered, failed
    std::string deliveryDetail;
    int64_t createdAt = 0;
    int64_t updatedAt = 0;
    std::string fallbackFor;              // the NHS App message this SMS falls back for; "" for any other message
    bool anyHour = false;                 // NewMessage::anyHour
    std::vector<ChannelOutcome> channels; // a patient message's, filled by aboutLink only
};

// Where a page of an organisation's messages ended. Pages run newest change first, then by reference, so
// messages changed in the same microsecond (a batch's invites are queued at once) are neither repeated nor
// skipped; the cursor holds the values themselves, because a message's updated_at moves as it is sent. As
// text, "<updated_at>.<reference>": no patient data, safe in a URL.
struct MessageCursor {
    int64_t updatedAt = 0;
    std::string reference;

    [[nodiscard]] std::string text() const;
    // nullopt for anything text() could not have made.
    static std::optional<MessageCursor> parse(const std::string& text);
};

struct MessagePage {
    std::vector<Message> messages;
    std::optional<MessageCursor> next; // where the following page starts; nullopt on the last page
};

enum class Requeue { requeued, notFound, notFailed, forgotten };

struct Attempt {
    int attempt = 0;
    std::string connector;
    std::string outcome;
    std::string detail;
    int64_t at = 0;
};

// What became of a claimed message. A worker settles a whole batch in one transaction, except that which
// connector is about to be called (`trying`) must be durable before the call.
struct Outcome {
    enum class Kind {
        trying, // about to call `connector`; after a crash it is asked first
        sent,   // `connector` took it as `providerId`; the body is dropped and any follow-up queued
        retry,  // due again at `dueAt`, having spent `attempts`
        failed, // a dead letter: `error` says why
        held,   // still claimed until `dueAt`: reconciling could not decide yet
    };
    Kind kind = Kind::trying;
    std::string reference;
    std::string connector;
    std::string providerId;
    int attempts = 0;
    int64_t dueAt = 0;
    std::string error;
    std::vector<Attempt> tried; // attempt rows to record with it
    // sent: when the message's SMS fallback, if it has one, becomes due (failed: at once, always).
    int64_t fallbackDueAt = 0;

    static Outcome trying(std::string reference, std::string connector, std::vector<Attempt> tried = {});
    static Outcome sent(std::string reference, std::string connector, std::string providerId,
                        std::vector<Attempt> tried = {});
    static Outcome retry(std::string reference, int attempts, int64_t dueAt, std::string error,
                         std::vector<Attempt> tried = {});
    static Outcome failed(std::string reference, int attempts, std::string error, std::vector<Attempt> tried = {});
    static Outcome held(std::string reference, int64_t until, std::string error);
};

class Outbox {
public:
    explicit Outbox(store::Store& store) : store_(store) {}

    // Enqueues inside the caller's open transaction; returns the message's reference.
    static std::string enqueue(store::Session& transaction, const NewMessage& message);
    // Enqueues many inside the caller's open transaction, with one prepared statement; returns their
    // references in order.
    static std::vector<std::string> enqueueAll(store::Session& transaction, const std::vector<NewMessage>& messages);
    // Enqueues in a transaction of its own.
    std::string enqueue(const NewMessage& message);

    // Claims up to `max` due messages for `leaseMicros`: queued ones that are due, and sending ones whose
    // lease has lapsed (returned with `interrupted` set).
    std::vector<Message> claim(int max, int64_t at, int64_t leaseMicros);

    // Writes what became of claimed messages, all in one transaction.
    void settle(const std::vector<Outcome>& outcomes);

    // Takes back every claim at once. Only for a single-process store at start-up, where no claim can
    // belong to a live worker.
    int releaseAllClaims();

    [[nodiscard]] std::optional<Message> find(const std::string& reference);
    [[nodiscard]] std::vector<Attempt> attempts(const std::string& reference);
    [[nodiscard]] std::map<std::string, int64_t> countByState();
    [[nodiscard]] std::map<std::string, int64_t> countByState(const std::string& organisation);

    // One organisation's messages, newest first; `state` "" for every state. `failed` ones are the dead
    // letters: they gave up after the retry budget or on a permanent error, with the reason in lastError.
    [[nodiscard]] std::vector<Message> list(const std::string& organisation, const std::string& state, int limit);
    // The messages about one booking link (NewMessage::linkId), oldest first.
    [[nodiscard]] std::vector<Message> aboutLink(const std::string& organisation, const std::string& linkId);
    // The same a page at a time: up to `limit` after `before` (from the newest when nullopt). Found by the index
    // on (organisation[, state], updated_at, reference), however many messages come before the page.
    [[nodiscard]] MessagePage page(const std::string& organisation, const std::string& state, int limit,
                                   const std::optional<MessageCursor>& before = std::nullopt);
    // Sends a dead letter again from scratch: a fresh retry budget, due now; audited as `by`.
    Requeue requeue(const std::string& organisation, const std::string& reference, const audit::Context& by = {});
    // Retention: blanks the bodies of messages sent or failed for good before f.before. A dead letter
    // whose body is gone can no longer be sent again.
    static int64_t forgetPayloads(store::Session& s, const store::Forget& f);
    // Drops the messages among `references` not yet claimed for sending (a reminder of an appointment since
    // cancelled), and the SMS held as their fallbacks, saying `why`, in the caller's transaction; returns how many.
    static int64_t cancelQueued(store::Session& transaction, const std::vector<std::string>& references,
                                const std::string& why);
    // Records what a delivery receipt from `connector` says; false when no message has that reference or the
    // message was not put to that connector (a receipt is the word of the provider that took the message,
    // and no other provider may speak for it).
    bool recordDelivery(const std::string& connector, const std::string& reference, DeliveryState state,
                        const std::string& detail);
    // Records what a receipt from `connector` says of one channel of a patient message, on the same terms. The
    // hub's own cascade follows it: read in the NHS App drops the message's SMS fallback, failed there sends it
    // now.
    bool recordChannel(const std::string& connector, const std::string& reference, PatientChannel channel,
                       DeliveryState state, const std::string& detail);
    // What the receipts said of each channel of a message.
    [[nodiscard]] std::vector<ChannelOutcome> channels(const std::string& reference);

private:
    store::Store& store_;
};

} // namespace clinhub::outbox

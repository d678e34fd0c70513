#include "hub/outbox/Outbox.h"

#include "hub/store/SortableId.h"

#include <algorithm>
#include <sstream>

#include <Poco/Data/RecordSet.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

using namespace Poco::Data::Keywords;

namespace clinhub::outbox {
namespace {

constexpr const char* kColumns = "reference, organisation, channel, payload, state, attempts, due_at, "
                                 "COALESCE(connector, ''), COALESCE(provider_id, ''), COALESCE(last_error, ''), "
                                 "COALESCE(delivery, ''), COALESCE(delivery_detail, ''), created_at, updated_at, "
                                 "COALESCE(fallback_for, ''), any_hour";

// What a sent or forgotten message keeps of its body.
constexpr const char* kForgottenPayload = "{}";

// What a payload and a follow-up are sealed to: their own row and column, so neither opens anywhere else.
std::string payloadContext(const std::string& reference) { return reference + "/payload"; }
std::string afterSentContext(const std::string& reference) { return reference + "/after_sent"; }

std::vector<Message> readMessages(Poco::Data::Statement& statement, const store::DataKeys& keys) {
    std::vector<Message> out;
    Poco::Data::RecordSet rows(statement);
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        Message m;
        m.reference = rows[0].convert<std::string>();
        m.organisation = rows[1].convert<std::string>();
        m.channel = channelFromString(rows[2].convert<std::string>()).value_or(Channel::sms);
        try {
            m.payloadJson = keys.open(rows[3].convert<std::string>(), payloadContext(m.reference));
        } catch (const std::runtime_error& e) {
            m.unreadable = std::string("payload cannot be opened: ") + e.what();
        }
        m.state = rows[4].convert<std::string>();
        m.attempts = rows[5].convert<int>();
        m.dueAt = rows[6].convert<int64_t>();
        m.connector = rows[7].convert<std::string>();
        m.providerId = rows[8].convert<std::string>();
        m.lastError = rows[9].convert<std::string>();
        m.delivery = rows[10].convert<std::string>();
        m.deliveryDetail = rows[11].convert<std::string>();
        m.createdAt = rows[12].convert<int64_t>();
        m.updatedAt = rows[13].convert<int64_t>();
        m.fallbackFor = rows[14].convert<std::string>();
        m.anyHour = rows[15].convert<int>() != 0;
        out.push_back(std::move(m));
    }
    return out;
}

const char* deliveryWord(DeliveryState state) {
    switch (state) {
    case DeliveryState::accepted: return "accepted";
    case DeliveryState::delivered: return "delivered";
    case DeliveryState::failed: return "failed";
    case DeliveryState::read: return "read";
    case DeliveryState::unknown: break;
    }
    return "unknown";
}

// How good the news of a channel receipt is: a later receipt replaces an earlier one only with news as good.
int standingOf(DeliveryState state) {
    switch (state) {
    case DeliveryState::unknown: return 0;
    case DeliveryState::accepted: return 1;
    case DeliveryState::failed: return 2;
    case DeliveryState::delivered: return 3;
    case DeliveryState::read: return 4;
    }
    return 0;
}

PatientChannel patientChannelFromString(const std::string& text) {
    for (auto c : {PatientChannel::nhsApp, PatientChannel::sms, PatientChannel::email, PatientChannel::letter})
        if (text == toString(c)) return c;
    return PatientChannel::unknown;
}

// A row of (reference, channel, state, detail, at).
ChannelOutcome channelOutcome(Poco::Data::RecordSet& rows) {
    return {patientChannelFromString(rows[1].convert<std::string>()), rows[2].convert<std::string>(),
            rows[3].convert<std::string>(), rows[4].convert<int64_t>()};
}

std::string encodeFollowUp(const NewMessage& m) {
    Poco::JSON::Object o;
    o.set("channel", toString(m.channel));
    o.set("payload", m.payloadJson);
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}

} // namespace

const char* toString(Channel channel) {
    switch (channel) {
    case Channel::sms: return "sms";
    case Channel::email: return "email";
    case Channel::record: return "record";
    case Channel::app: return "app";
    }
    return "sms";
}

std::optional<Channel> channelFromString(const std::string& text) {
    if (text == "sms") return Channel::sms;
    if (text == "email") return Channel::email;
    if (text == "record") return Channel::record;
    if (text == "app") return Channel::app;
    return std::nullopt;
}

const char* toString(PatientChannel channel) {
    switch (channel) {
    case PatientChannel::nhsApp: return "nhs_app";
    case PatientChannel::sms: return "sms";
    case PatientChannel::email: return "email";
    case PatientChannel::letter: return "letter";
    case PatientChannel::unknown: break;
    }
    return "unknown";
}

std::string Outbox::enqueue(store::Session& transaction, const NewMessage& message) {
    return enqueueAll(transaction, {message}).front();
}

namespace {

// Inserts the rows, each message the fallback of the reference beside it in `fallbackFor` ("" for none).
std::vector<std::string> insertMessages(store::Session& transaction, const std::vector<NewMessage>& messages,
                                        std::vector<std::string> fallbackFor) {
    const std::size_t n = messages.size();
    std::vector<std::string> references(n), organisations(n), channels(n), payloads(n), afterSent(n), links(n);
    std::vector<int64_t> due(n);
    std::vector<int> anyHour(n);
    const int64_t created = store::nowMicros();
    for (std::size_t i = 0; i < n; ++i) {
        const auto& m = messages[i];
        // Stable across retries and restarts, and free of personal data, so it can travel to providers as
        // their `reference` and be looked up after a crash.
        references[i] = "msg-" + store::sortableId();
        organisations[i] = m.organisation;
        channels[i] = toString(m.channel);
        payloads[i] = transaction.keys().seal(m.payloadJson, payloadContext(references[i]));
        due[i] = m.dueAt != 0 ? m.dueAt : created;
        links[i] = m.linkId;
        anyHour[i] = m.anyHour ? 1 : 0;
        afterSent[i] = m.afterSent
                           ? transaction.keys().seal(encodeFollowUp(*m.afterSent), afterSentContext(references[i]))
                           : std::string();
    }
    if (n == 0) return references;
    std::vector<int64_t> createdAt(n, created);
    fallbackFor.resize(n);
    transaction << "INSERT INTO outbox (reference, organisation, channel, payload, state, attempts, due_at, "
                   "created_at, updated_at, after_sent, link_id, fallback_for, any_hour) VALUES (?, ?, ?, ?, 'queued', "
                   "0, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), ?)",
        use(references), use(organisations), use(channels), use(payloads), use(due), use(createdAt), use(createdAt),
        use(afterSent), use(links), use(fallbackFor), use(anyHour), now;
    return references;
}

} // namespace

std::vector<std::string> Outbox::enqueueAll(store::Session& transaction, const std::vector<NewMessage>& messages) {
    auto references = insertMessages(transaction, messages, {});
    std::vector<NewMessage> fallbacks;
    std::vector<std::string> fallbackFor;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (!messages[i].fallback) continue;
        NewMessage fallback = *messages[i].fallback;
        fallback.dueAt = kHeldForApp;
        if (fallback.linkId.empty()) fallback.linkId = messages[i].linkId;
        fallbacks.push_back(std::move(fallback));
        fallbackFor.push_back(references[i]);
    }
    insertMessages(transaction, fallbacks, std::move(fallbackFor));
    return references;
}

std::string Outbox::enqueue(const NewMessage& message) {
    std::string reference;
    store_.write([&](store::Session& s) { reference = enqueue(s, message); });
    return reference;
}

std::vector<Message> Outbox::claim(int max, int64_t at, int64_t leaseMicros) {
    std::vector<Message> claimed;
    store_.transact([&](store::Session& s) {
        int64_t t = at;
        int limit = max;
        // One round trip for both kinds of claim. Each walks the (state, due_at) index on its own, which one
        // query with OR would not; the due ones fill only what the lapsed ones leave of the limit.
        const std::string lapsed = std::string("SELECT ") + kColumns +
                                   " FROM outbox WHERE state = 'sending' AND claimed_until <= ? LIMIT ?" +
                                   s.skipLocked();
        const std::string due = std::string("SELECT ") + kColumns +
                                " FROM outbox WHERE state = 'queued' AND due_at <= ? ORDER BY due_at LIMIT ? - "
                                "(SELECT COUNT(*) FROM lapsed)" +
                                s.skipLocked();
        Poco::Data::Statement select = s << "WITH lapsed AS (" + lapsed + "), due AS (" + due +
                                                ") SELECT * FROM lapsed UNION ALL SELECT * FROM due";
        select, use(t), use(limit), use(t), use(limit);
        select.execute();
        claimed = readMessages(select, s.keys());
        if (claimed.empty()) return;
        std::vector<std::string> references;
        for (auto& m : claimed) {
            m.interrupted = m.state == "sending";
            m.state = "sending";
            references.push_back(m.reference);
        }
        // Bound as vectors, as one statement a row: PostgreSQL takes them in one round trip.
        std::vector<int64_t> until(claimed.size(), at + leaseMicros);
        std::vector<int64_t> now(claimed.size(), t);
        s << "UPDATE outbox SET state = 'sending', claimed_until = ?, updated_at = ? WHERE reference = ?", use(until),
            use(now), use(references), Poco::Data::Keywords::now;
    });
    return claimed;
}

Outcome Outcome::trying(std::string reference, std::string connector, std::vector<Attempt> tried) {
    return {Kind::trying, std::move(reference), std::move(connector), {}, 0, 0, {}, std::move(tried)};
}
Outcome Outcome::sent(std::string reference, std::string connector, std::string providerId,
                      std::vector<Attempt> tried) {
    return {Kind::sent, std::move(reference), std::move(connector), std::move(providerId), 0, 0, {}, std::move(tried)};
}
Outcome Outcome::retry(std::string reference, int attempts, int64_t dueAt, std::string error,
                       std::vector<Attempt> tried) {
    return {Kind::retry, std::move(reference), {}, {}, attempts, dueAt, std::move(error), std::move(tried)};
}
Outcome Outcome::failed(std::string reference, int attempts, std::string error, std::vector<Attempt> tried) {
    return {Kind::failed, std::move(reference), {}, {}, attempts, 0, std::move(error), std::move(tried)};
}
Outcome Outcome::held(std::string reference, int64_t until, std::string error) {
    return {Kind::held, std::move(reference), {}, {}, 0, until, std::move(error), {}};
}

namespace {

// Every attempt the outcomes tried, as one statement bound to vectors (one round trip on PostgreSQL).
void insertAttempts(store::Session& s, const std::vector<Outcome>& outcomes, int64_t t) {
    std::vector<std::string> references, connectors, results, details;
    std::vector<int> numbers;
    std::vector<int64_t> at;
    for (const auto& o : outcomes)
        for (const auto& a : o.tried) {
            references.push_back(o.reference);
            numbers.push_back(a.attempt);
            connectors.push_back(a.connector);
            results.push_back(a.outcome);
            details.push_back(a.detail);
            at.push_back(a.at != 0 ? a.at : t);
        }
    if (references.empty()) return;
    s << "INSERT INTO outbox_attempts (reference, attempt, connector, outcome, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
        use(references), use(numbers), use(connectors), use(results), use(details), use(at), now;
}

// The follow-ups of the sent messages among `references` that are still this worker's to settle, read
// with their rows locked so that a late settle by another process cannot queue them a second time.
// `?` lists of a few lengths only (powers of two, the last reference repeated), so a connection keeps few
// prepared forms of it.
std::vector<NewMessage> followUps(store::Session& s, const std::vector<std::string>& references) {
    constexpr std::size_t kLongestList = 64;
    std::vector<NewMessage> out;
    for (std::size_t from = 0; from < references.size(); from += kLongestList) {
        const std::size_t count = std::min(kLongestList, references.size() - from);
        std::size_t listed = 1;
        while (listed < count)
            listed *= 2;
        std::string sql = "SELECT reference, organisation, after_sent FROM outbox WHERE reference IN (?";
        for (std::size_t i = 1; i < listed; ++i)
            sql += ", ?";
        sql += ") AND state IN ('queued', 'sending') AND after_sent IS NOT NULL ORDER BY reference";
        sql += s.forUpdate();
        Poco::Data::Statement select = s << sql;
        for (std::size_t i = 0; i < listed; ++i)
            select.addBind(useRef(references[from + std::min(i, count - 1)]));
        select.execute();
        Poco::Data::RecordSet rows(select);
        for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
            const auto reference = rows[0].convert<std::string>();
            const auto next = Poco::JSON::Parser()
                                  .parse(s.keys().open(rows[2].convert<std::string>(), afterSentContext(reference)))
                                  .extract<Poco::JSON::Object::Ptr>();
            out.push_back({rows[1].convert<std::string>(),
                           channelFromString(next->getValue<std::string>("channel")).value_or(Channel::record),
                           next->getValue<std::string>("payload"), 0, nullptr});
        }
    }
    return out;
}

// Makes the SMS fallbacks of `references` due at `due` (one each), if they are still held for their app message
// or due later: a receipt that the app failed brings a fallback forward, nothing puts one back.
void releaseFallbacks(store::Session& s, std::vector<std::string> references, std::vector<int64_t> due, int64_t t) {
    if (references.empty()) return;
    std::vector<int64_t> at(references.size(), t);
    s << "UPDATE outbox SET due_at = ?, updated_at = ? WHERE fallback_for = ? AND state = 'queued' AND due_at > ?",
        use(due), use(at), use(references), use(due), now;
}

// One kind of outcome for many messages, as one statement bound to vectors: on PostgreSQL a round trip for
// the lot rather than one (or, for sent, two) a message. Every update holds only while the message is still
// to be sent (`queued` or `sending`): a worker whose lease lapsed may settle late, after another process
// finished the message, and must not bring a sent or dead message back to the queue.
void settleRun(store::Session& s, Outcome::Kind kind, const std::vector<const Outcome*>& run, int64_t t) {
    const std::size_t n = run.size();
    std::vector<std::string> references(n), connectors(n), texts(n);
    std::vector<int> attempts(n);
    std::vector<int64_t> due(n), at(n, t);
    for (std::size_t i = 0; i < n; ++i) {
        references[i] = run[i]->reference;
        connectors[i] = run[i]->connector;
        texts[i] = kind == Outcome::Kind::sent ? run[i]->providerId : run[i]->error;
        attempts[i] = run[i]->attempts;
        due[i] = run[i]->dueAt;
    }
    switch (kind) {
    case Outcome::Kind::trying:
        s << "UPDATE outbox SET connector = ?, updated_at = ? WHERE reference = ? AND state IN ('queued', 'sending')",
            use(connectors), use(at), use(references), now;
        break;
    case Outcome::Kind::sent: {
        // Read before the update below drops them.
        const auto next = followUps(s, references);
        // Once sent, the body is no longer needed: dropping it keeps patient data and link tokens out of
        // the store (a sent message is never resent).
        s << "UPDATE outbox SET state = 'sent', connector = ?, provider_id = ?, sent_at = ?, updated_at = ?, "
             "last_error = NULL, payload = '{}', after_sent = NULL WHERE reference = ? AND state IN ('queued', "
             "'sending')",
            use(connectors), use(texts), use(at), use(at), use(references), now;
        Outbox::enqueueAll(s, next);
        std::vector<std::string> cascading;
        std::vector<int64_t> fallbackDue;
        for (const auto* o : run)
            if (o->fallbackDueAt > 0) {
                cascading.push_back(o->reference);
                fallbackDue.push_back(o->fallbackDueAt);
            }
        releaseFallbacks(s, cascading, fallbackDue, t);
        break;
    }
    case Outcome::Kind::retry:
        s << "UPDATE outbox SET state = 'queued', attempts = ?, due_at = ?, claimed_until = 0, last_error = ?, "
             "updated_at = ? WHERE reference = ? AND state IN ('queued', 'sending')",
            use(attempts), use(due), use(texts), use(at), use(references), now;
        break;
    case Outcome::Kind::failed:
        s << "UPDATE outbox SET state = 'failed', attempts = ?, last_error = ?, updated_at = ? WHERE reference = ? "
             "AND state IN ('queued', 'sending')",
            use(attempts), use(texts), use(at), use(references), now;
        // The NHS App could not take it: any SMS fallback goes now.
        releaseFallbacks(s, references, at, t);
        break;
    case Outcome::Kind::held:
        s << "UPDATE outbox SET claimed_until = ?, last_error = ?, updated_at = ? WHERE reference = ? AND state IN "
             "('queued', 'sending')",
            use(due), use(texts), use(at), use(references), now;
        break;
    }
}

} // namespace

void Outbox::settle(const std::vector<Outcome>& outcomes) {
    if (outcomes.empty()) return;
    store_.transact([&](store::Session& s) {
        const int64_t t = store::nowMicros();
        insertAttempts(s, outcomes, t);
        // Runs of one kind, in the order given, so that outcomes for one message still apply in turn.
        std::vector<const Outcome*> run;
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            run.push_back(&outcomes[i]);
            if (i + 1 == outcomes.size() || outcomes[i + 1].kind != outcomes[i].kind) {
                settleRun(s, outcomes[i].kind, run, t);
                run.clear();
            }
        }
    });
}

int Outbox::releaseAllClaims() {
    int released = 0;
    store_.write([&](store::Session& s) {
        s << "SELECT COUNT(*) FROM outbox WHERE state = 'sending'", into(released), now;
        s << "UPDATE outbox SET claimed_until = 0 WHERE state = 'sending'", now;
    });
    return released;
}

std::optional<Message> Outbox::find(const std::string& reference) {
    store::Session s = store_.session();
    std::string ref = reference;
    Poco::Data::Statement select = s << std::string("SELECT ") + kColumns + " FROM outbox WHERE reference = ?";
    select, use(ref);
    select.execute();
    auto found = readMessages(select, s.keys());
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::vector<Attempt> Outbox::attempts(const std::string& reference) {
    store::Session s = store_.session();
    std::string ref = reference;
    Poco::Data::Statement select =
        s << "SELECT attempt, connector, outcome, COALESCE(detail, ''), at FROM outbox_attempts WHERE reference = ? "
             "ORDER BY at, attempt";
    select, use(ref);
    select.execute();
    std::vector<Attempt> out;
    Poco::Data::RecordSet rows(select);
    for (bool more = rows.moveFirst(); more; more = rows.moveNext())
        out.push_back({rows[0].convert<int>(), rows[1].convert<std::string>(), rows[2].convert<std::string>(),
                       rows[3].convert<std::string>(), rows[4].convert<int64_t>()});
    return out;
}

std::map<std::string, int64_t> Outbox::countByState() { return countByState(""); }

std::map<std::string, int64_t> Outbox::countByState(const std::string& organisation) {
    store::Session s = store_.session();
    std::vector<std::string> states;
    std::vector<int64_t> counts;
    std::string org = organisation;
    s << "SELECT state, COUNT(*) FROM outbox WHERE ? = '' OR organisation = ? GROUP BY state", use(org), use(org),
        into(states), into(counts), now;
    std::map<std::string, int64_t> out{{"queued", 0}, {"sending", 0}, {"sent", 0}, {"failed", 0}, {"cancelled", 0}};
    for (size_t i = 0; i < states.size(); ++i)
        out[states[i]] = counts[i];
    return out;
}

std::vector<Message> Outbox::list(const std::string& organisation, const std::string& state, int limit) {
    return page(organisation, state, limit).messages;
}

MessagePage Outbox::page(const std::string& organisation, const std::string& state, int limit,
                         const std::optional<MessageCursor>& before) {
    // Only the conditions asked for are in the text, so each variant finds its index; one row more than the
    // page says whether another follows.
    std::string sql = std::string("SELECT ") + kColumns + " FROM outbox WHERE organisation = ?";
    if (!state.empty()) sql += " AND state = ?";
    if (before) sql += " AND (updated_at, reference) < (CAST(? AS BIGINT), ?)";
    sql += " ORDER BY updated_at DESC, reference DESC LIMIT ?";
    store::Session s = store_.session();
    Poco::Data::Statement select = s << sql;
    select, useRef(organisation);
    if (!state.empty()) select, useRef(state);
    if (before) select, useRef(before->updatedAt), useRef(before->reference);
    const int rows = limit + 1;
    select, useRef(rows);
    select.execute();
    MessagePage page{readMessages(select, s.keys()), std::nullopt};
    if (static_cast<int>(page.messages.size()) > limit) {
        page.messages.resize(static_cast<std::size_t>(limit));
        page.next = MessageCursor{page.messages.back().updatedAt, page.messages.back().reference};
    }
    return page;
}

std::string MessageCursor::text() const { return std::to_string(updatedAt) + "." + reference; }

std::optional<MessageCursor> MessageCursor::parse(const std::string& text) {
    const auto dot = text.find('.');
    // At most 18 digits: every such number fits an int64_t.
    if (dot == std::string::npos || dot == 0 || dot > 18 || dot + 1 == text.size() || text.size() > 200 ||
        text.find_first_not_of("0123456789") != dot)
        return std::nullopt;
    return MessageCursor{std::stoll(text.substr(0, dot)), text.substr(dot + 1)};
}

std::vector<Message> Outbox::aboutLink(const std::string& organisation, const std::string& linkId) {
    store::Session s = store_.session();
    Poco::Data::Statement select = s << std::string("SELECT ") + kColumns +
                                            " FROM outbox WHERE link_id = ? AND organisation = ? ORDER BY created_at, "
                                            "reference";
    select, useRef(linkId), useRef(organisation);
    select.execute();
    auto messages = readMessages(select, s.keys());
    Poco::Data::Statement channels =
        s << "SELECT c.reference, c.channel, c.state, COALESCE(c.detail, ''), c.at FROM message_channels c JOIN outbox "
             "o ON o.reference = c.reference WHERE o.link_id = ? AND o.organisation = ? ORDER BY c.at, c.channel";
    channels, useRef(linkId), useRef(organisation);
    channels.execute();
    Poco::Data::RecordSet rows(channels);
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        const auto reference = rows[0].convert<std::string>();
        const auto m =
            std::find_if(messages.begin(), messages.end(), [&](const Message& x) { return x.reference == reference; });
        if (m != messages.end()) m->channels.push_back(channelOutcome(rows));
    }
    return messages;
}

Requeue Outbox::requeue(const std::string& organisation, const std::string& reference, const audit::Context& by) {
    Requeue outcome = Requeue::notFound;
    store_.write([&](store::Session& s) {
        std::string state;
        std::string payload;
        s << "SELECT state, payload FROM outbox WHERE reference = ? AND organisation = ?", useRef(reference),
            useRef(organisation), into(state), into(payload), now;
        if (state.empty()) return;
        outcome = Requeue::notFailed;
        if (state != "failed") return;
        outcome = Requeue::forgotten;
        if (payload == kForgottenPayload) return;
        int64_t t = store::nowMicros();
        s << "UPDATE outbox SET state = 'queued', attempts = 0, due_at = ?, claimed_until = 0, updated_at = ? "
             "WHERE reference = ? AND state = 'failed'",
            use(t), use(t), useRef(reference), now;
        insertAttempts(
            s, {Outcome::trying(reference, "staff", {{0, "staff", "requeued", "re-queued by " + by.actor.name, 0}})},
            t);
        audit::AuditLog::append(s, {t, by.actor, by.action, organisation, reference, {}, audit::Outcome::success, {}});
        outcome = Requeue::requeued;
    });
    return outcome;
}

bool Outbox::recordDelivery(const std::string& connector, const std::string& reference, DeliveryState state,
                            const std::string& detail) {
    const char* word = deliveryWord(state);
    bool found = false;
    store_.write([&](store::Session& s) {
        int64_t t = store::nowMicros();
        std::string w = word;
        // `connector` is the one that sent the message (or was last given it): a receipt at another
        // connector's callback, or naming another organisation's message, matches no row. The connector
        // carries the organisation too: a message only reaches the connectors its organisation routes to.
        Poco::Data::Statement update = s << "UPDATE outbox SET delivery = ?, delivery_detail = NULLIF(?, ''), "
                                            "delivered_at = ? WHERE reference = ? AND connector = ?";
        update, use(w), useRef(detail), use(t), useRef(reference), useRef(connector);
        found = update.execute() == 1;
        if (found && state == DeliveryState::failed) releaseFallbacks(s, {reference}, {t}, t);
    });
    return found;
}

int64_t Outbox::cancelQueued(store::Session& s, const std::vector<std::string>& references, const std::string& why) {
    int64_t cancelled = 0;
    for (const auto& reference : references) {
        int64_t t = store::nowMicros();
        // The message, and the SMS held as its fallback: with no NHS App message to wait for, it would be held
        // for ever.
        Poco::Data::Statement update = s << "UPDATE outbox SET state = 'cancelled', last_error = ?, updated_at = ? "
                                            "WHERE (reference = ? OR fallback_for = ?) AND state = 'queued'";
        update, useRef(why), use(t), useRef(reference), useRef(reference);
        cancelled += static_cast<int64_t>(update.execute());
    }
    return cancelled;
}

bool Outbox::recordChannel(const std::string& connector, const std::string& reference, PatientChannel channel,
                           DeliveryState state, const std::string& detail) {
    bool found = false;
    store_.write([&](store::Session& s) {
        int64_t t = store::nowMicros();
        int matches = 0;
        // As recordDelivery: only the connector given the message may speak for it.
        s << "SELECT COUNT(*) FROM outbox WHERE reference = ? AND connector = ? AND channel = 'app'", useRef(reference),
            useRef(connector), into(matches), now;
        found = matches == 1;
        if (!found) return;
        std::string name = toString(channel);
        std::string word = deliveryWord(state);
        int standing = standingOf(state);
        // Receipts may come in any order: a late "delivered" does not undo "read".
        s << "INSERT INTO message_channels (reference, channel, state, detail, at, standing) VALUES (?, ?, ?, "
             "NULLIF(?, ''), ?, ?) ON CONFLICT (reference, channel) DO UPDATE SET state = excluded.state, detail = "
             "excluded.detail, at = excluded.at, standing = excluded.standing WHERE excluded.standing >= "
             "message_channels.standing",
            useRef(reference), use(name), use(word), useRef(detail), use(t), use(standing), now;
        if (channel != PatientChannel::nhsApp) return;
        if (state == DeliveryState::read) {
            s << "UPDATE outbox SET state = 'cancelled', last_error = 'not needed: read in the NHS App', updated_at = "
                 "? WHERE fallback_for = ? AND state = 'queued'",
                use(t), useRef(reference), now;
        } else if (state == DeliveryState::failed) {
            releaseFallbacks(s, {reference}, {t}, t);
        }
    });
    return found;
}

std::vector<ChannelOutcome> Outbox::channels(const std::string& reference) {
    store::Session s = store_.session();
    Poco::Data::Statement select = s << "SELECT reference, channel, state, COALESCE(detail, ''), at FROM "
                                        "message_channels WHERE reference = ? ORDER BY at, channel";
    select, useRef(reference);
    select.execute();
    std::vector<ChannelOutcome> out;
    Poco::Data::RecordSet rows(select);
    for (bool more = rows.moveFirst(); more; more = rows.moveNext())
        out.push_back(channelOutcome(rows));
    return out;
}

int64_t Outbox::forgetPayloads(store::Session& s, const store::Forget& f) {
    static constexpr store::ForgetSql kBodies{
        "outbox", "reference",
        "organisation = ? AND updated_at < ? AND state IN ('sent', 'failed') AND (payload <> '{}' OR after_sent "
        "IS NOT NULL)",
        "payload = '{}', after_sent = NULL"};
    return store::forgetRows(s, f, kBodies);
}

} // namespace clinhub::outbox

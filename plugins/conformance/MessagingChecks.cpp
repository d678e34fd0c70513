// The checks every SMS and email plugin passes: a send returns the provider's id and hands the hub's
// reference on; lookup() (when the plugin has one) finds a sent message by that reference and knows nothing
// of one never sent; a delivery receipt without the provider's credentials is refused; a provider that
// cannot be reached is "not sent" and a timeout is not (plugin.h: what RETRYABLE means); an SMS plugin's
// declared length limit is sane and a message that long is sent.
#include "Kit.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <random>

namespace clinhub::conformance {
namespace {

// A reference shaped like the hub's: "msg-" and a UUIDv7 in lower-case hex.
std::string newReference() {
    static std::mt19937_64 random{std::random_device{}()};
    static const char* hex = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 32; ++i)
        id += hex[random() % 16];
    id[12] = '7';
    id[16] = hex[8 + random() % 4];
    return "msg-" + id.substr(0, 8) + "-" + id.substr(8, 4) + "-" + id.substr(12, 4) + "-" + id.substr(16, 4) + "-" +
           id.substr(20);
}

// One of the two messaging kinds, so each check is written once.
struct Messaging {
    bool sms;

    [[nodiscard]] const MessagingFixture& promised() const { return sms ? *kit().fixture.sms : *kit().fixture.email; }

    Result send(host::ConnectorInstance& instance, const std::string& reference, std::string& providerId,
                const std::string& body = "Your appointment is booked. Reply STOP to opt out.") const {
        if (sms) return instance.sms()->send({promised().to, body, reference}, providerId);
        return instance.email()->send({promised().to, "Your appointment", body, "", reference}, providerId);
    }
    Result send(const std::string& reference, std::string& providerId) const {
        return send(*kit().instance, reference, providerId);
    }
    Result lookup(const std::string& reference, Delivery& delivery) const {
        return sms ? kit().sms().lookup(reference, delivery) : kit().email().lookup(reference, delivery);
    }
    Result receipt(const std::string& authorization, const std::string& body, std::vector<Receipt>& receipts) const {
        return sms ? kit().sms().receipt(authorization, body, receipts)
                   : kit().email().receipt(authorization, body, receipts);
    }

    // Sends one message that must be taken; its reference and provider id.
    std::pair<std::string, std::string> sendOne() const {
        const std::string reference = newReference();
        std::string providerId;
        const Result r = send(reference, providerId);
        EXPECT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
        return {reference, providerId};
    }
};

std::string replaced(std::string text, const std::string& key, const std::string& value) {
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
        text.replace(at, key.size(), value);
    return text;
}

// What a shell command prints.
std::string output(const std::string& command) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return out;
    std::array<char, 4096> buffer{};
    for (size_t n; (n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0;)
        out.append(buffer.data(), n);
    pclose(pipe);
    return out;
}

void returnsAProviderIdForEachMessage(const Messaging& m) {
    const std::string firstId = m.sendOne().second;
    const std::string secondId = m.sendOne().second;
    EXPECT_FALSE(firstId.empty()) << "a sent message has the provider's id, for receipts and for staff";
    EXPECT_FALSE(secondId.empty());
    EXPECT_NE(firstId, secondId) << "two messages, one provider id";
}

void passesTheReferenceToTheProvider(const Messaging& m) {
    if (!m.promised().inspect && !m.promised().lookup)
        GTEST_SKIP() << "the fixture has neither an inspect command nor lookup: true, so nothing can show it";
    const std::string reference = m.sendOne().first;
    if (m.promised().inspect) {
        const std::string seen = output(*m.promised().inspect);
        EXPECT_NE(seen.find(reference), std::string::npos)
            << "the provider was not given the reference " << reference << ": " << *m.promised().inspect << " printed\n"
            << seen;
    }
    if (m.promised().lookup) {
        Delivery d;
        const Result r = m.lookup(reference, d);
        ASSERT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
        EXPECT_NE(d.state, DeliveryState::unknown) << "lookup does not find " << reference << " just sent";
    }
}

void aMessageWithNoRecipientIsPermanent(const Messaging& m) {
    std::string providerId;
    const Result r = m.sms ? kit().sms().send({"", "hello", newReference()}, providerId)
                           : kit().email().send({"", "hello", "hello", "", newReference()}, providerId);
    EXPECT_EQ(r.status, Status::permanent) << toString(r.status) << ": " << r.message;
    EXPECT_FALSE(r.message.empty()) << "say what was wrong";
}

void findsASentMessageByItsReference(const Messaging& m) {
    if (!m.promised().lookup) GTEST_SKIP() << "lookup is not promised (the fixture's lookup: true)";
    const auto [reference, providerId] = m.sendOne();
    Delivery d;
    const Result r = m.lookup(reference, d);
    ASSERT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
    EXPECT_TRUE(d.state == DeliveryState::accepted || d.state == DeliveryState::delivered)
        << "a message just taken is accepted or delivered, not " << static_cast<int>(d.state);
    if (!d.providerId.empty()) {
        EXPECT_EQ(d.providerId, providerId) << "lookup and send name it differently";
    }
}

void saysUnknownForAReferenceNeverSent(const Messaging& m) {
    if (!m.promised().lookup) GTEST_SKIP() << "lookup is not promised (the fixture's lookup: true)";
    Delivery d;
    d.state = DeliveryState::delivered; // so an answer that leaves it alone is caught
    const Result r = m.lookup(newReference(), d);
    ASSERT_TRUE(r.ok()) << toString(r.status) << ": " << r.message
                        << " (a message never sent is UNKNOWN, not an error: the hub then sends it)";
    EXPECT_EQ(d.state, DeliveryState::unknown);
}

void refusesAReceiptWithoutTheProvidersCredentials(const Messaging& m) {
    const std::string body = m.promised().receipt
                                 ? replaced(replaced(m.promised().receipt->second, "{reference}", newReference()),
                                            "{provider_id}", "00000000-0000-4000-8000-000000000000")
                                 : std::string("{}");
    for (const std::string authorization : {"", "Bearer clinhub-conformance-not-the-token", "Basic Y2xpbmh1Yjpub3Q="}) {
        SCOPED_TRACE("Authorization: " + authorization);
        std::vector<Receipt> receipts;
        const Result r = m.receipt(authorization, body, receipts);
        EXPECT_EQ(r.status, Status::permanent) << toString(r.status) << ": " << r.message;
        EXPECT_TRUE(receipts.empty()) << "a refused request reports nothing";
    }
}

void acceptsTheProvidersOwnReceipt(const Messaging& m) {
    if (!m.promised().receipt) GTEST_SKIP() << "the fixture has no receipt (authorization and body)";
    const auto [reference, providerId] = m.sendOne();
    const std::string body =
        replaced(replaced(m.promised().receipt->second, "{reference}", reference), "{provider_id}", providerId);
    std::vector<Receipt> receipts;
    const Result r = m.receipt(m.promised().receipt->first, body, receipts);
    ASSERT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
    ASSERT_FALSE(receipts.empty()) << "the provider's receipt reported no message";
    EXPECT_EQ(receipts.front().reference, reference);
    EXPECT_NE(receipts.front().state, DeliveryState::unknown);
}

void anUnreachableProviderIsRetryableAndNotSent(const Messaging& m) {
    if (!m.promised().unreachableConfig) GTEST_SKIP() << "the fixture has no unreachable_config";
    std::string error;
    const auto unreachable = kit().host->create("conformance-unreachable", kit().instance->plugin().info.name,
                                                *m.promised().unreachableConfig, error);
    ASSERT_NE(unreachable, nullptr) << error;
    std::string providerId;
    const Result r = m.send(*unreachable, newReference(), providerId);
    EXPECT_EQ(r.status, Status::retryable) << toString(r.status) << ": " << r.message;
    EXPECT_TRUE(r.notSent) << "a provider that refused the connection never got the message: say not_sent, so the "
                              "hub moves on without asking after it ("
                           << r.message << ")";
}

void aTimeoutIsRetryableAndPossiblySent(const Messaging& m) {
    if (!kit().fixture.timeoutFault) GTEST_SKIP() << "the fixture has no faults.timeout (a plugin without a wire)";
    Fault fault(*kit().fixture.timeoutFault);
    std::string providerId;
    const Result r = m.send(newReference(), providerId);
    EXPECT_EQ(r.status, Status::retryable) << toString(r.status) << ": " << r.message;
    EXPECT_FALSE(r.notSent) << "a request that went out and got no answer may have landed: not_sent would let the "
                               "hub send it twice";
}

const Messaging kSms{true};
const Messaging kEmail{false};

TEST(SmsSend, ReturnsAProviderIdForEachMessage) { returnsAProviderIdForEachMessage(kSms); }
TEST(SmsSend, PassesTheReferenceToTheProvider) { passesTheReferenceToTheProvider(kSms); }
TEST(SmsSend, AMessageWithNoRecipientIsPermanent) { aMessageWithNoRecipientIsPermanent(kSms); }
TEST(SmsLookup, FindsASentMessageByItsReference) { findsASentMessageByItsReference(kSms); }
TEST(SmsLookup, SaysUnknownForAReferenceNeverSent) { saysUnknownForAReferenceNeverSent(kSms); }
TEST(SmsReceipt, RefusesARequestWithoutTheProvidersCredentials) { refusesAReceiptWithoutTheProvidersCredentials(kSms); }
TEST(SmsReceipt, AcceptsTheProvidersOwnRequest) { acceptsTheProvidersOwnReceipt(kSms); }
TEST(SmsNotSent, AnUnreachableProviderIsRetryableAndNotSent) { anUnreachableProviderIsRetryableAndNotSent(kSms); }
TEST(SmsNotSent, ATimeoutIsRetryableAndPossiblySent) { aTimeoutIsRetryableAndPossiblySent(kSms); }

int declaredLimit() {
    const auto* info = kit().host->find(kit().instance->plugin().info.name);
    return info != nullptr && info->maxCharacters ? info->maxCharacters(kit().configJson) : 0;
}

TEST(SmsLength, TheDeclaredLimitIsSane) {
    const int limit = declaredLimit();
    if (limit == 0)
        GTEST_SKIP() << "no max_characters declared: the hub gives it " << CLINHUB_SMS_DEFAULT_MAX_CHARACTERS;
    EXPECT_GE(limit, 160) << "less than one GSM-7 fragment";
    EXPECT_LE(limit, 255 * 153) << "more than the 255 fragments a concatenated SMS can have";
}

TEST(SmsLength, AMessageAsLongAsTheLimitIsSent) {
    const int limit = declaredLimit() > 0 ? declaredLimit() : CLINHUB_SMS_DEFAULT_MAX_CHARACTERS;
    std::string providerId;
    const Result r = kSms.send(*kit().instance, newReference(), providerId, std::string(limit, 'a'));
    EXPECT_TRUE(r.ok()) << "the hub hands over messages up to " << limit << " characters; " << toString(r.status)
                        << ": " << r.message;
}

TEST(EmailSend, ReturnsAProviderIdForEachMessage) { returnsAProviderIdForEachMessage(kEmail); }
TEST(EmailSend, PassesTheReferenceToTheProvider) { passesTheReferenceToTheProvider(kEmail); }
TEST(EmailSend, AMessageWithNoRecipientIsPermanent) { aMessageWithNoRecipientIsPermanent(kEmail); }
TEST(EmailLookup, FindsASentMessageByItsReference) { findsASentMessageByItsReference(kEmail); }
TEST(EmailLookup, SaysUnknownForAReferenceNeverSent) { saysUnknownForAReferenceNeverSent(kEmail); }
TEST(EmailReceipt, RefusesARequestWithoutTheProvidersCredentials) {
    refusesAReceiptWithoutTheProvidersCredentials(kEmail);
}
TEST(EmailReceipt, AcceptsTheProvidersOwnRequest) { acceptsTheProvidersOwnReceipt(kEmail); }
TEST(EmailNotSent, AnUnreachableProviderIsRetryableAndNotSent) { anUnreachableProviderIsRetryableAndNotSent(kEmail); }
TEST(EmailNotSent, ATimeoutIsRetryableAndPossiblySent) { aTimeoutIsRetryableAndPossiblySent(kEmail); }

} // namespace
} // namespace clinhub::conformance

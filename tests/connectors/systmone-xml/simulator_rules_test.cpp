// The simulator refuses what the unit would refuse, so a connector that passes against it obeys the rules:
// requests sent here directly, bypassing the connector.
#include "SystmOneTest.h"

#include <Poco/Net/StreamSocket.h>

namespace systmone::test {
namespace {

std::string envelope(const std::string& uid, const std::string& function = "PatientSearch",
                     const std::string& key = "clinhub-test-api-key", const std::string& device = "clinhub-test-device",
                     const std::string& version = "1.0", const std::string& deviceVersion = "1") {
    return "<ClientIntegrationRequest><APIKey>" + key + "</APIKey><DeviceID>" + device + "</DeviceID><DeviceVersion>" +
           deviceVersion + "</DeviceVersion><RequestUID>" + uid + "</RequestUID><Function>" + function +
           "</Function><FunctionVersion>" + version +
           "</FunctionVersion><FunctionParameters><NHSNumber>9995260182</NHSNumber></FunctionParameters>"
           "</ClientIntegrationRequest>";
}

std::string uid(int n) {
    char text[40];
    std::snprintf(text, sizeof text, "0c1d2e3f-0000-4000-8000-%012d", n);
    return text;
}

std::string errorOf(const std::string& reply) {
    const auto from = reply.find("<ErrorMessage>");
    if (from == std::string::npos) return "(no ErrorMessage) " + reply;
    return reply.substr(from + 14, reply.find("</ErrorMessage>") - from - 14);
}

TEST(SystmOneSimulator, RefusesAnEnvelopeTheUnitWouldRefuse) {
    Sim sim;
    EXPECT_EQ(errorOf(sim.rawHttp(envelope("not-a-guid")).second), "RequestUID must be a GUID");
    EXPECT_EQ(errorOf(sim.rawHttp(envelope(uid(1), "PatientSearch", "wrong")).second), "Invalid API key");
    EXPECT_EQ(errorOf(sim.rawHttp(envelope(uid(2), "PatientSearch", "clinhub-test-api-key", "other")).second),
              "Unknown DeviceID");
    EXPECT_EQ(errorOf(sim.rawHttp(envelope(uid(3), "DropTables")).second), "Unknown Function 'DropTables'");
    EXPECT_EQ(
        errorOf(sim.rawHttp(envelope(uid(4), "PatientSearch", "clinhub-test-api-key", "clinhub-test-device", "2.0"))
                    .second),
        "Unsupported FunctionVersion for PatientSearch");
    EXPECT_EQ(
        errorOf(sim.rawHttp(envelope(uid(5), "PatientSearch", "clinhub-test-api-key", "clinhub-test-device", "1.0", ""))
                    .second),
        "DeviceVersion is required");
    EXPECT_EQ(errorOf(sim.rawHttp("<ClientIntegrationRequest><Unclosed>").second), "Request is not well-formed XML");
    const auto first = sim.rawHttp(envelope(uid(6))).second;
    EXPECT_NE(first.find("<PatientID>1000001</PatientID>"), std::string::npos) << first;
    EXPECT_EQ(errorOf(sim.rawHttp(envelope(uid(6))).second), "Duplicate RequestUID");
}

TEST(SystmOneSimulator, HttpVariantIsAGetCarryingRequestString) {
    Sim sim;
    EXPECT_EQ(sim.rawHttp(envelope(uid(1)), "POST").first, 405);
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(sim.process().port()));
    Poco::Net::HTTPRequest request("GET", "/ClientIntegration?other=1", "HTTP/1.1");
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    EXPECT_EQ(response.getStatus(), 400);
}

TEST(SystmOneSimulator, TcpVariantAnswersEachEofEndedMessageInTurn) {
    Sim sim;
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(sim.tcpPort())));
    // Two messages in one write, then a third split across two writes.
    const std::string two = envelope(uid(1)) + "<EOF>" + envelope(uid(2), "DropTables") + "<EOF>";
    socket.sendBytes(two.data(), static_cast<int>(two.size()));
    const std::string third = envelope(uid(3)) + "<EOF>";
    socket.sendBytes(third.data(), 40);
    socket.sendBytes(third.data() + 40, static_cast<int>(third.size() - 40));
    std::string replies;
    const auto ends = [&] {
        std::size_t n = 0;
        for (auto at = replies.find("<EOF>"); at != std::string::npos; at = replies.find("<EOF>", at + 5))
            ++n;
        return n;
    };
    char chunk[4096];
    while (ends() < 3) {
        const int n = socket.receiveBytes(chunk, sizeof chunk);
        ASSERT_GT(n, 0) << replies;
        replies.append(chunk, static_cast<std::size_t>(n));
    }
    const auto a = replies.find(uid(1)), b = replies.find(uid(2)), c = replies.find(uid(3));
    ASSERT_NE(a, std::string::npos);
    ASSERT_NE(b, std::string::npos);
    ASSERT_NE(c, std::string::npos);
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_NE(replies.find("Unknown Function 'DropTables'"), std::string::npos);
}

} // namespace
} // namespace systmone::test

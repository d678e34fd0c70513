// The connectors' HTTP client against a real server on loopback: a reply over the cap is refused with a
// message naming the cap, whether the server announces its length or streams it, and nothing of it is kept.
#include <clinhub/kit/HttpClient.hpp>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <gtest/gtest.h>

namespace {

using namespace clinhub::kit;

// GET /<bytes>/length answers with a Content-Length; /<bytes>/chunked streams without one.
class Padding : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        const std::string& uri = request.getURI();
        const std::size_t bytes = std::stoull(uri.substr(1));
        if (uri.ends_with("/chunked"))
            response.setChunkedTransferEncoding(true);
        else
            response.setContentLength64(static_cast<Poco::Int64>(bytes));
        try {
            std::ostream& out = response.send();
            const std::string piece(64 * 1024, 'x');
            for (std::size_t sent = 0; sent < bytes && out; sent += piece.size())
                out.write(piece.data(), static_cast<std::streamsize>(std::min(piece.size(), bytes - sent)));
        } catch (const Poco::Exception&) {
            // The client hung up on purpose.
        }
    }
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Padding;
    }
};

class HttpClientCapTest : public ::testing::Test {
protected:
    HttpClientCapTest()
        : server_(new Factory, Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)),
                  new Poco::Net::HTTPServerParams) {
        server_.start();
    }
    ~HttpClientCapTest() override { server_.stopAll(true); }

    clinhub::Result get(HttpClient& client, const std::string& path, HttpResponse& response) {
        HttpRequest request;
        request.url = "http://127.0.0.1:" + std::to_string(server_.port()) + path;
        return client.perform(request, response);
    }

    Poco::Net::HTTPServer server_;
};

TEST_F(HttpClientCapTest, AReplyUpToTheCapIsRead) {
    HttpClient client({}, {}, 1 << 20);
    HttpResponse response;
    ASSERT_TRUE(get(client, "/1048576/chunked", response).ok());
    EXPECT_EQ(response.body.size(), 1U << 20);
}

TEST_F(HttpClientCapTest, AnAnnouncedLengthOverTheCapIsRefusedNamingIt) {
    HttpClient client({}, {}, 1 << 20);
    HttpResponse response;
    const auto r = get(client, "/1048577/length", response);
    EXPECT_EQ(r.status, clinhub::Status::permanent);
    EXPECT_EQ(r.message, "GET 127.0.0.1:" + std::to_string(server_.port()) +
                             ": the reply is larger than the 1 MiB a connector reads; refused unread");
    EXPECT_TRUE(response.body.empty());
}

// libcurl's own limit needs a Content-Length; without one only the write callback stops the body.
TEST_F(HttpClientCapTest, AStreamedReplyOverTheCapIsCutOffNamingIt) {
    HttpClient client({}, {}, 1 << 20);
    HttpResponse response;
    const auto r = get(client, "/67108864/chunked", response);
    EXPECT_EQ(r.status, clinhub::Status::permanent);
    EXPECT_NE(r.message.find("larger than the 1 MiB a connector reads"), std::string::npos) << r.message;
    EXPECT_TRUE(response.body.empty());
}

TEST(HttpClientCap, TheDefaultCapIsSixteenMebibytes) {
    EXPECT_EQ(responseTooLarge("GET h", kMaxResponseBytes).message,
              "GET h: the reply is larger than the 16 MiB a connector reads; refused unread");
}

} // namespace

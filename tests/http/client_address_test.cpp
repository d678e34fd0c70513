#include "hub/http/ClientAddress.h"

#include <gtest/gtest.h>

using clinhub::http::clientKey;
using clinhub::http::requestClient;
using Poco::Net::IPAddress;

TEST(ClientAddress, AnIpv6ClientIsItsSlash64AndAMappedIpv4OneIsItsIpv4Address) {
    EXPECT_EQ(clientKey(IPAddress("192.0.2.7")), "192.0.2.7");
    EXPECT_EQ(clientKey(IPAddress("::ffff:192.0.2.7")), "192.0.2.7");
    EXPECT_EQ(clientKey(IPAddress("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
    EXPECT_EQ(clientKey(IPAddress("2001:db8:1:2::1")), clientKey(IPAddress("2001:db8:1:2:ffff::9")));
}

TEST(ClientAddress, OnlyATrustedProxyIsBelievedAboutWhoItForwards) {
    const std::vector<IPAddress> proxies{IPAddress("127.0.0.1"), IPAddress("10.0.0.5")};
    EXPECT_EQ(requestClient(IPAddress("192.0.2.7"), "198.51.100.1", proxies).toString(), "192.0.2.7")
        << "an untrusted peer's header is ignored";
    EXPECT_EQ(requestClient(IPAddress("127.0.0.1"), "198.51.100.1", proxies).toString(), "198.51.100.1");
    EXPECT_EQ(requestClient(IPAddress("127.0.0.1"), "203.0.113.9, 198.51.100.1, 10.0.0.5", proxies).toString(),
              "198.51.100.1")
        << "the last address not a proxy: the ones before it are the client's to forge";
    EXPECT_EQ(requestClient(IPAddress("127.0.0.1"), "", proxies).toString(), "127.0.0.1");
    EXPECT_EQ(requestClient(IPAddress("127.0.0.1"), "not-an-address", proxies).toString(), "127.0.0.1");
    EXPECT_EQ(requestClient(IPAddress("127.0.0.1"), std::string(100000, ','), proxies).toString(), "127.0.0.1");
}

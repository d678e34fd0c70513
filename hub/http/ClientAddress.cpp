#include "hub/http/ClientAddress.h"

#include <algorithm>
#include <cstring>

namespace clinhub::http {
namespace {

bool trusted(const Poco::Net::IPAddress& address, const std::vector<Poco::Net::IPAddress>& proxies) {
    return std::find(proxies.begin(), proxies.end(), address) != proxies.end();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace

std::string clientKey(const Poco::Net::IPAddress& address) {
    if (address.family() == Poco::Net::IPAddress::IPv4) return address.toString();
    if (address.isIPv4Mapped()) {
        const auto* bytes = static_cast<const unsigned char*>(address.addr());
        return std::to_string(bytes[12]) + "." + std::to_string(bytes[13]) + "." + std::to_string(bytes[14]) + "." +
               std::to_string(bytes[15]);
    }
    // Poco's mask() is IPv4-only.
    unsigned char bytes[16];
    std::memcpy(bytes, address.addr(), 8);
    std::memset(bytes + 8, 0, 8);
    return Poco::Net::IPAddress(bytes, sizeof bytes).toString() + "/64";
}

Poco::Net::IPAddress requestClient(const Poco::Net::IPAddress& peer, std::string_view forwardedFor,
                                   const std::vector<Poco::Net::IPAddress>& trustedProxies) {
    Poco::Net::IPAddress client = peer;
    // At most this many hops are looked at: the header is the client's to make as long as it likes.
    for (int hops = 0; hops < 16 && trusted(client, trustedProxies) && !forwardedFor.empty(); ++hops) {
        const auto comma = forwardedFor.rfind(',');
        const auto entry = trim(comma == std::string_view::npos ? forwardedFor : forwardedFor.substr(comma + 1));
        forwardedFor = comma == std::string_view::npos ? std::string_view() : forwardedFor.substr(0, comma);
        Poco::Net::IPAddress next;
        if (entry.size() > 64 || !Poco::Net::IPAddress::tryParse(std::string(entry), next)) break;
        client = next;
    }
    return client;
}

} // namespace clinhub::http

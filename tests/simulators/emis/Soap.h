// SOAP 1.1 as the EMIS Partner API carries it: one POST endpoint, a call named by the element in the
// envelope's Body (in the MedicalRecord namespace) and by the SOAPAction header, answered by
// <CallResponse> holding <Outcome> (1 is success) and, when it is not 1, <ErrorMessage>.
#pragma once

#include <pugixml.hpp>

#include <stdexcept>
#include <string>

namespace emissim {

inline constexpr const char* kSoapNs = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr const char* kEmisNs = "http://www.e-mis.com/emisopen/MedicalRecord";

// A request the server cannot make sense of: a soap:Client fault with HTTP 400.
struct ClientFault : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Call {
    pugi::xml_document doc;
    pugi::xml_node element; // the call's element inside soap:Body
    std::string name;
};

// Parses a request body and checks its envelope; throws ClientFault saying what is wrong.
void parseCall(const std::string& body, const std::string& soapAction, Call& call);

// The namespace URI of an element, resolved through the xmlns declarations in scope.
std::string namespaceOf(const pugi::xml_node& element);

// The first child element with this local name, whatever its prefix.
pugi::xml_node childNamed(const pugi::xml_node& parent, const char* local);
// Its trimmed text, "" when absent: a missing parameter is answered with an outcome, not a fault.
std::string param(const pugi::xml_node& call, const char* local);

std::string escape(const std::string& text);
// <name>escaped text</name>
std::string element(const char* name, const std::string& text);

// The whole reply envelope for a call answered with outcome 1 and `payload` (already XML).
std::string success(const std::string& call, const std::string& payload);
// ... or refused with `message`.
std::string refusal(const std::string& call, const std::string& message);
// A soap:Fault envelope; `code` is "Client" or "Server".
std::string fault(const std::string& code, const std::string& message);

} // namespace emissim

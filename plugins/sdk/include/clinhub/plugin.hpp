// clinhub C++ plugin SDK: the C ABI of <clinhub/plugin.h> as classes.
//
// Write a class that derives from clinhub::Connector and from the kinds it implements (AppointmentBook,
// ImmunisationRecords, SmsSender, EmailSender, PatientMessenger), give it a constructor taking (const clinhub::Host&,
// const std::string& configJson), and say CLINHUB_PLUGIN(YourClass, "name", "version", "description",
// schemaJson) in one .cpp file. The macro writes the entry point, the descriptor and the trampolines
// that turn C calls into virtual calls and C++ exceptions into CLINHUB_PERMANENT results.
//
// The hub uses the same interfaces on its side of the boundary, so what a plugin implements is exactly
// what the hub calls.
#pragma once

#include <clinhub/plugin.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace clinhub {

enum class Status {
    ok = CLINHUB_OK,
    conflict = CLINHUB_CONFLICT,
    retryable = CLINHUB_RETRYABLE,
    permanent = CLINHUB_PERMANENT
};

inline const char* toString(Status s) {
    switch (s) {
    case Status::ok: return "ok";
    case Status::conflict: return "conflict";
    case Status::retryable: return "retryable";
    case Status::permanent: return "permanent";
    }
    return "unknown";
}

struct Result {
    Status status = Status::ok;
    std::string message;
    // With Status::retryable from a send: the provider certainly never took the message (see "possibly
    // sent" in plugin.h), so the hub moves on without asking after it. Ignored with any other status.
    bool notSent = false;

    [[nodiscard]] bool ok() const { return status == Status::ok; }
    // Retryable, and not possibly sent: the only failure the hub may retry without a lookup first.
    [[nodiscard]] bool definitelyNotSent() const { return status == Status::retryable && notSent; }
    static Result success() { return {}; }
    static Result conflict(std::string why) { return {Status::conflict, std::move(why)}; }
    // A send that may have reached the provider: the hub looks it up before sending it again.
    static Result retryable(std::string why) { return {Status::retryable, std::move(why)}; }
    // A send that certainly did not reach the provider: refused before a byte of it was written, or
    // refused in a way the provider documents as before acceptance.
    static Result retryableNotSent(std::string why) { return {Status::retryable, std::move(why), true}; }
    static Result permanent(std::string why) { return {Status::permanent, std::move(why)}; }
};

// How the hub records an attempt's outcome: the status's word, or "not-sent" for a definitely-not-sent one.
inline const char* outcomeOf(const Result& r) { return r.definitelyNotSent() ? "not-sent" : toString(r.status); }

struct TimeRange {
    int64_t from = 0; // seconds since the epoch, inclusive
    int64_t to = 0;   // exclusive
};

struct Slot {
    std::string id;
    std::string slotType;
    int64_t start = 0;
    int durationMinutes = 0;
    std::string clinician;
    std::string location;
    bool telephone = false;
};

struct Patient {
    std::string nhsNumber;
    std::string dateOfBirth;
    std::string mobile;
    std::string name;
    std::string bookId;
};

struct Appointment {
    std::string id;
    Slot slot;
};

struct Immunisation {
    std::string target;
    std::string vaccineCode;
    std::string vaccineDisplay;
    std::string occurredOn;
    int doseNumber = 0;
};

struct Sms {
    std::string to;
    std::string body;
    std::string reference;
};

struct Email {
    std::string to;
    std::string subject;
    std::string text;
    std::string html;
    std::string reference;
};

enum class DeliveryState {
    unknown = CLINHUB_DELIVERY_UNKNOWN,
    accepted = CLINHUB_DELIVERY_ACCEPTED,
    delivered = CLINHUB_DELIVERY_DELIVERED,
    failed = CLINHUB_DELIVERY_FAILED,
    read = CLINHUB_DELIVERY_READ // 1.3: opened in the NHS App
};

// 1.3: how a patient message reached (or failed to reach) the patient.
enum class PatientChannel {
    unknown = CLINHUB_CHANNEL_UNKNOWN,
    nhsApp = CLINHUB_CHANNEL_NHSAPP,
    sms = CLINHUB_CHANNEL_SMS,
    email = CLINHUB_CHANNEL_EMAIL,
    letter = CLINHUB_CHANNEL_LETTER
};

// 1.3: a request's headers by lower-case name (clinhub_header).
using Headers = std::map<std::string, std::string>;

// 1.3: a message to a patient by NHS number (clinhub_patient_message).
struct PatientMessage {
    std::string nhsNumber;
    std::string dateOfBirth;
    std::string mobile;
    std::string body;
    std::string reference;
};

struct Delivery {
    DeliveryState state = DeliveryState::unknown;
    std::string providerId;
};

// What a delivery receipt says of one message.
struct Receipt {
    std::string reference;
    DeliveryState state = DeliveryState::unknown;
    std::string providerId;
    std::string detail; // the provider's own word for it ("temporary-failure", ...)
    // 1.3: the channel this is about, for a patient message's channel receipt; unknown for the message as a
    // whole (all an SMS or email receipt ever is).
    PatientChannel channel = PatientChannel::unknown;
};

struct ConfigError {
    std::string pointer; // JSON Pointer into the connector's section; "" is the section itself
    std::string message;
};

// ---- The kinds ----------------------------------------------------------------------------------------

class AppointmentBook {
public:
    virtual ~AppointmentBook() = default;
    virtual Result slotTypes(TimeRange range, std::vector<std::string>& types) = 0;
    virtual Result freeSlots(const std::string& slotType, TimeRange range, std::vector<Slot>& slots) = 0;
    virtual Result book(const std::string& slotId, const Patient& patient, const std::string& note,
                        Appointment& booked) = 0;
    virtual Result cancel(const std::string& appointmentId) = 0;
    virtual Result reschedule(const std::string& appointmentId, const std::string& newSlotId, Appointment& moved) = 0;
    virtual Result writeCode(const Patient& patient, const std::string& snomedCode, const std::string& term) = 0;
    virtual Result findPatient(const std::string& nhsNumber, std::optional<Patient>& found) = 0;
};

class ImmunisationRecords {
public:
    virtual ~ImmunisationRecords() = default;
    virtual Result history(const std::string& nhsNumber, const std::vector<std::string>& targets,
                           std::vector<Immunisation>& doses) = 0;
};

class SmsSender {
public:
    virtual ~SmsSender() = default;
    virtual Result send(const Sms& sms, std::string& providerId) = 0;
    // Override to let the hub reconcile a message interrupted by a crash instead of sending it again.
    // A permanent result means "cannot tell": the hub then resends.
    virtual Result lookup(const std::string& /*reference*/, Delivery& /*delivery*/) {
        return Result::permanent("lookup is not supported");
    }
    // Override to accept delivery receipts POSTed to the hub at /callbacks/<connector name>: check the
    // request is the provider's (from its Authorization header), then add one Receipt per message.
    virtual Result receipt(const std::string& /*authorization*/, const std::string& /*body*/,
                           std::vector<Receipt>& /*receipts*/) {
        return Result::permanent("delivery receipts are not supported");
    }
    // The longest message the connector can send is declared per config, before any instance exists:
    // give the plugin class `static int maxCharacters(const std::string& configJson)` (see
    // clinhub_sms_v1.max_characters for how characters count). Without it the hub assumes
    // CLINHUB_SMS_DEFAULT_MAX_CHARACTERS.
};

class EmailSender {
public:
    virtual ~EmailSender() = default;
    virtual Result send(const Email& email, std::string& providerId) = 0;
    virtual Result lookup(const std::string& /*reference*/, Delivery& /*delivery*/) {
        return Result::permanent("lookup is not supported");
    }
    // Override to accept delivery receipts POSTed to the hub at /callbacks/<connector name>: check the
    // request is the provider's (from its Authorization header), then add one Receipt per message.
    virtual Result receipt(const std::string& /*authorization*/, const std::string& /*body*/,
                           std::vector<Receipt>& /*receipts*/) {
        return Result::permanent("delivery receipts are not supported");
    }
};

// 1.3: messages to patients by NHS number, through the NHS App (clinhub_patient_messaging_v1).
class PatientMessenger {
public:
    virtual ~PatientMessenger() = default;
    virtual Result send(const PatientMessage& message, std::string& providerId) = 0;
    // What the provider knows of the message, and per channel in `channels` (Receipt::channel set).
    virtual Result lookup(const std::string& /*reference*/, Delivery& /*delivery*/,
                          std::vector<Receipt>& /*channels*/) {
        return Result::permanent("lookup is not supported");
    }
    // As SmsSender::receipt, with every header of the request (names in lower case); a Receipt with its
    // channel set is that channel's outcome.
    virtual Result receipt(const Headers& /*headers*/, const std::string& /*body*/,
                           std::vector<Receipt>& /*receipts*/) {
        return Result::permanent("delivery receipts are not supported");
    }
    // Whether a connector runs its own cascade is declared per config, before any instance exists: give the
    // plugin class `static bool cascades(const std::string& configJson)`. Without it, the hub runs the
    // cascade (clinhub_patient_messaging_v1.cascades).
};

// What a plugin can ask of the hub.
class Host {
public:
    explicit Host(const clinhub_host* host, const char* plugin) : host_(host), plugin_(plugin) {}
    void log(clinhub_log_level level, const std::string& text) const {
        if (host_ != nullptr && host_->log != nullptr) host_->log(host_->ctx, level, plugin_, text.c_str());
    }
    void debug(const std::string& text) const { log(CLINHUB_LOG_DEBUG, text); }
    void info(const std::string& text) const { log(CLINHUB_LOG_INFO, text); }
    void warning(const std::string& text) const { log(CLINHUB_LOG_WARNING, text); }
    void error(const std::string& text) const { log(CLINHUB_LOG_ERROR, text); }
    [[nodiscard]] int64_t nowMs() const {
        return host_ != nullptr && host_->now_ms != nullptr ? host_->now_ms(host_->ctx) : 0;
    }

private:
    const clinhub_host* host_;
    const char* plugin_;
};

// Base of every plugin class; the kinds are mixed in beside it.
class Connector {
public:
    virtual ~Connector() = default;
};

// ---- Plugin side: the C trampolines ---------------------------------------------------------------------

namespace sdk {

inline clinhub_slot toC(const Slot& s) {
    return {sizeof(clinhub_slot), s.id.c_str(),        s.slotType.c_str(), s.start,
            s.durationMinutes,    s.clinician.c_str(), s.location.c_str(), s.telephone ? 1 : 0};
}

inline clinhub_patient toC(const Patient& p) {
    return {sizeof(clinhub_patient), p.nhsNumber.c_str(), p.dateOfBirth.c_str(),
            p.mobile.c_str(),        p.name.c_str(),      p.bookId.c_str()};
}

inline std::string str(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

inline Slot fromC(const clinhub_slot& s) {
    return {str(s.id),        str(s.slot_type), s.start,         s.duration_minutes,
            str(s.clinician), str(s.location),  s.telephone != 0};
}

inline Patient fromC(const clinhub_patient& p) {
    Patient out{str(p.nhs_number), str(p.date_of_birth), str(p.mobile), str(p.name), {}};
    if (p.struct_size >= offsetof(clinhub_patient, book_id) + sizeof(p.book_id)) out.bookId = str(p.book_id);
    return out;
}

// A missing record arrives as an empty one: a plugin validates what it needs and says what was missing.
inline Patient fromC(const clinhub_patient* p) {
    if (p == nullptr) return {};
    return fromC(*p);
}

inline void say(const clinhub_reply* reply, const std::string& text) {
    if (reply != nullptr && reply->message != nullptr && !text.empty()) reply->message(reply->ctx, text.c_str());
}

inline clinhub_status finish(const Result& r, const clinhub_reply* reply) {
    say(reply, r.message);
    // A hub older than ABI 1.2 has no not_sent: it takes the failure as possibly sent, which is safe.
    if (r.definitelyNotSent() && reply != nullptr &&
        reply->struct_size >= offsetof(clinhub_reply, not_sent) + sizeof(reply->not_sent) && reply->not_sent != nullptr)
        reply->not_sent(reply->ctx);
    return static_cast<clinhub_status>(r.status);
}

// Runs a call, turning any exception into a permanent failure: nothing may unwind into the hub. Only
// what() is reported, which some libraries fill with a bare class name: catch your own libraries'
// exceptions and return a Result that says what went wrong.
template <class F> clinhub_status guarded(const clinhub_reply* reply, F&& f) noexcept {
    try {
        return f();
    } catch (const std::exception& e) {
        say(reply, e.what());
    } catch (...) {
        say(reply, "unknown exception in plugin");
    }
    return CLINHUB_PERMANENT;
}

template <class T> struct Trampolines {
    static T& self(void* p) { return *static_cast<T*>(static_cast<Connector*>(p)); }

    static clinhub_status slotTypes(void* p, clinhub_time_range range, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            std::vector<std::string> types;
            Result r = self(p).slotTypes({range.from, range.to}, types);
            for (const auto& t : types)
                reply->text(reply->ctx, t.c_str());
            return finish(r, reply);
        });
    }
    static clinhub_status freeSlots(void* p, const char* type, clinhub_time_range range, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            std::vector<Slot> slots;
            Result r = self(p).freeSlots(str(type), {range.from, range.to}, slots);
            for (const auto& s : slots) {
                clinhub_slot c = toC(s);
                reply->slot(reply->ctx, &c);
            }
            return finish(r, reply);
        });
    }
    static void emit(const clinhub_reply* reply, const Appointment& a) {
        clinhub_appointment c{sizeof(clinhub_appointment), a.id.c_str(), toC(a.slot)};
        reply->appointment(reply->ctx, &c);
    }
    static clinhub_status book(void* p, const char* slotId, const clinhub_patient* patient, const char* note,
                               const clinhub_reply* reply) {
        return guarded(reply, [&] {
            Appointment a;
            Result r = self(p).book(str(slotId), fromC(patient), str(note), a);
            if (r.ok()) emit(reply, a);
            return finish(r, reply);
        });
    }
    static clinhub_status cancel(void* p, const char* appointmentId, const clinhub_reply* reply) {
        return guarded(reply, [&] { return finish(self(p).cancel(str(appointmentId)), reply); });
    }
    static clinhub_status reschedule(void* p, const char* appointmentId, const char* newSlotId,
                                     const clinhub_reply* reply) {
        return guarded(reply, [&] {
            Appointment a;
            Result r = self(p).reschedule(str(appointmentId), str(newSlotId), a);
            if (r.ok()) emit(reply, a);
            return finish(r, reply);
        });
    }
    static clinhub_status writeCode(void* p, const clinhub_patient* patient, const char* code, const char* term,
                                    const clinhub_reply* reply) {
        return guarded(reply, [&] { return finish(self(p).writeCode(fromC(patient), str(code), str(term)), reply); });
    }
    static clinhub_status findPatient(void* p, const char* nhs, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            std::optional<Patient> found;
            Result r = self(p).findPatient(str(nhs), found);
            if (r.ok() && found) {
                clinhub_patient c = toC(*found);
                reply->patient(reply->ctx, &c);
            }
            return finish(r, reply);
        });
    }
    static clinhub_status history(void* p, const char* nhs, const char* const* targets, size_t count,
                                  const clinhub_reply* reply) {
        return guarded(reply, [&] {
            std::vector<std::string> t(targets, targets + count);
            std::vector<Immunisation> doses;
            Result r = self(p).history(str(nhs), t, doses);
            for (const auto& d : doses) {
                clinhub_immunisation c{sizeof(clinhub_immunisation), d.target.c_str(),     d.vaccineCode.c_str(),
                                       d.vaccineDisplay.c_str(),     d.occurredOn.c_str(), d.doseNumber};
                reply->immunisation(reply->ctx, &c);
            }
            return finish(r, reply);
        });
    }
    static void emit(const clinhub_reply* reply, const Delivery& d) {
        reply->delivery(reply->ctx, static_cast<clinhub_delivery_state>(d.state), d.providerId.c_str());
    }
    // One receipt: a channel's through channel_receipt, which a hub older than 1.3 lacks (and then never
    // asks a patient-messaging connector anything), the message's through receipt.
    static void emit(const clinhub_reply* reply, const Receipt& x) {
        if (x.channel != PatientChannel::unknown) {
            if (reply->struct_size >= offsetof(clinhub_reply, channel_receipt) + sizeof(reply->channel_receipt))
                reply->channel_receipt(reply->ctx, x.reference.c_str(), static_cast<clinhub_channel>(x.channel),
                                       static_cast<clinhub_delivery_state>(x.state), x.detail.c_str());
        } else if (reply->struct_size >= offsetof(clinhub_reply, receipt) + sizeof(reply->receipt)) {
            reply->receipt(reply->ctx, x.reference.c_str(), static_cast<clinhub_delivery_state>(x.state),
                           x.providerId.c_str(), x.detail.c_str());
        }
    }
    static clinhub_status sendSms(void* p, const clinhub_sms* sms, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            if (sms == nullptr) return finish(Result::permanent("no message given"), reply);
            std::string id;
            Result r =
                static_cast<SmsSender&>(self(p)).send(Sms{str(sms->to), str(sms->body), str(sms->reference)}, id);
            if (r.ok()) reply->text(reply->ctx, id.c_str());
            return finish(r, reply);
        });
    }
    static clinhub_status lookupSms(void* p, const char* reference, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            Delivery d;
            Result r = static_cast<SmsSender&>(self(p)).lookup(str(reference), d);
            if (r.ok()) emit(reply, d);
            return finish(r, reply);
        });
    }
    template <class Kind>
    static clinhub_status receipt(void* p, const char* authorization, const char* body, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            std::vector<Receipt> receipts;
            Result r = static_cast<Kind&>(self(p)).receipt(str(authorization), str(body), receipts);
            if (r.ok())
                for (const auto& x : receipts)
                    emit(reply, x);
            return finish(r, reply);
        });
    }
    static clinhub_status sendEmail(void* p, const clinhub_email* email, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            if (email == nullptr) return finish(Result::permanent("no message given"), reply);
            std::string id;
            Result r = static_cast<EmailSender&>(self(p)).send(
                Email{str(email->to), str(email->subject), str(email->text), str(email->html), str(email->reference)},
                id);
            if (r.ok()) reply->text(reply->ctx, id.c_str());
            return finish(r, reply);
        });
    }
    static clinhub_status lookupEmail(void* p, const char* reference, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            Delivery d;
            Result r = static_cast<EmailSender&>(self(p)).lookup(str(reference), d);
            if (r.ok()) emit(reply, d);
            return finish(r, reply);
        });
    }

    static clinhub_status receiptPatient(void* p, const clinhub_header* headers, size_t count, const char* body,
                                         const clinhub_reply* reply) {
        return guarded(reply, [&] {
            Headers h;
            for (size_t i = 0; i < count; ++i)
                h[str(headers[i].name)] = str(headers[i].value);
            std::vector<Receipt> receipts;
            Result r = static_cast<PatientMessenger&>(self(p)).receipt(h, str(body), receipts);
            if (r.ok())
                for (const auto& x : receipts)
                    emit(reply, x);
            return finish(r, reply);
        });
    }
    static clinhub_status sendPatient(void* p, const clinhub_patient_message* m, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            if (m == nullptr) return finish(Result::permanent("no message given"), reply);
            std::string id;
            Result r = static_cast<PatientMessenger&>(self(p)).send(
                PatientMessage{str(m->nhs_number), str(m->date_of_birth), str(m->mobile), str(m->body),
                               str(m->reference)},
                id);
            if (r.ok()) reply->text(reply->ctx, id.c_str());
            return finish(r, reply);
        });
    }
    static clinhub_status lookupPatient(void* p, const char* reference, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            Delivery d;
            std::vector<Receipt> channels;
            Result r = static_cast<PatientMessenger&>(self(p)).lookup(str(reference), d, channels);
            if (r.ok()) {
                emit(reply, d);
                for (auto& c : channels) {
                    c.reference = str(reference);
                    emit(reply, c);
                }
            }
            return finish(r, reply);
        });
    }

    static clinhub_status create(const clinhub_host* host, const char* config, void** out, const clinhub_reply* reply,
                                 const char* name) {
        return guarded(reply, [&] {
            // The instance is handed out as a Connector*, so trampolines can cast back from any kind.
            *out = static_cast<Connector*>(new T(Host(host, name), str(config)));
            return CLINHUB_OK;
        });
    }
    static void destroy(void* p) noexcept {
        try {
            delete static_cast<Connector*>(p);
        } catch (...) { // NOLINT(bugprone-empty-catch): a destructor that throws must not take the hub down
        }
    }
    static clinhub_status checkConfig(const char* config, const clinhub_reply* reply) {
        return guarded(reply, [&] {
            std::vector<ConfigError> errors;
            T::checkConfig(str(config), errors);
            for (const auto& e : errors)
                reply->config_error(reply->ctx, e.pointer.c_str(), e.message.c_str());
            return errors.empty() ? CLINHUB_OK : CLINHUB_PERMANENT;
        });
    }
};

template <class T>
concept HasCheckConfig = requires(const std::string& json, std::vector<ConfigError>& errors) {
    T::checkConfig(json, errors);
};

template <class T>
concept HasMaxCharacters = requires(const std::string& json) {
    { T::maxCharacters(json) } -> std::convertible_to<int>;
};

// Runs T::maxCharacters; a config it cannot read (or an exception) declares nothing: the hub's default.
template <class T> int32_t maxCharacters(const char* config) noexcept {
    try {
        return static_cast<int32_t>(T::maxCharacters(str(config)));
    } catch (...) {
        return 0;
    }
}

template <class T>
concept HasCascades = requires(const std::string& json) {
    { T::cascades(json) } -> std::convertible_to<bool>;
};

// Runs T::cascades; a config it cannot read (or an exception) says no: the hub runs the cascade.
template <class T> int32_t cascades(const char* config) noexcept {
    try {
        return T::cascades(str(config)) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

template <class T> constexpr auto cascadesFn() -> decltype(clinhub_patient_messaging_v1::cascades) {
    if constexpr (HasCascades<T>)
        return cascades<T>;
    else
        return nullptr;
}

template <class T> constexpr auto maxCharactersFn() -> decltype(clinhub_sms_v1::max_characters) {
    if constexpr (HasMaxCharacters<T>)
        return maxCharacters<T>;
    else
        return nullptr;
}

// Builds the descriptor for plugin class T. Used by CLINHUB_PLUGIN; call it yourself only if you need to.
template <class T> const clinhub_appointment_book_v1* bookTable() {
    if constexpr (std::is_base_of_v<AppointmentBook, T>) {
        using Tr = Trampolines<T>;
        static const clinhub_appointment_book_v1 table{sizeof(table), Tr::slotTypes,  Tr::freeSlots, Tr::book,
                                                       Tr::cancel,    Tr::reschedule, Tr::writeCode, Tr::findPatient};
        return &table;
    } else {
        return nullptr;
    }
}

template <class T> const clinhub_immunisation_records_v1* recordsTable() {
    if constexpr (std::is_base_of_v<ImmunisationRecords, T>) {
        static const clinhub_immunisation_records_v1 table{sizeof(table), Trampolines<T>::history};
        return &table;
    } else {
        return nullptr;
    }
}

template <class T> const clinhub_sms_v1* smsTable() {
    if constexpr (std::is_base_of_v<SmsSender, T>) {
        static const clinhub_sms_v1 table{sizeof(table), Trampolines<T>::sendSms, Trampolines<T>::lookupSms,
                                          Trampolines<T>::template receipt<SmsSender>, maxCharactersFn<T>()};
        return &table;
    } else {
        return nullptr;
    }
}

template <class T> const clinhub_email_v1* emailTable() {
    if constexpr (std::is_base_of_v<EmailSender, T>) {
        static const clinhub_email_v1 table{sizeof(table), Trampolines<T>::sendEmail, Trampolines<T>::lookupEmail,
                                            Trampolines<T>::template receipt<EmailSender>};
        return &table;
    } else {
        return nullptr;
    }
}

template <class T> const clinhub_patient_messaging_v1* patientMessagingTable() {
    if constexpr (std::is_base_of_v<PatientMessenger, T>) {
        using Tr = Trampolines<T>;
        static const clinhub_patient_messaging_v1 table{sizeof(table), Tr::sendPatient, Tr::lookupPatient,
                                                        Tr::receiptPatient, cascadesFn<T>()};
        return &table;
    } else {
        return nullptr;
    }
}

template <class T> constexpr auto checkConfigFn() -> decltype(clinhub_plugin::check_config) {
    if constexpr (HasCheckConfig<T>)
        return Trampolines<T>::checkConfig;
    else
        return nullptr;
}

// Builds the descriptor for plugin class T. Used by CLINHUB_PLUGIN; call it yourself only if you need to.
template <class T, const char* Name>
const clinhub_plugin* describe(const char* version, const char* description, const char* schema) {
    static const clinhub_plugin plugin{
        sizeof(clinhub_plugin),
        CLINHUB_ABI_MAJOR,
        CLINHUB_ABI_MINOR,
        Name,
        version,
        description,
        schema,
        checkConfigFn<T>(),
        [](const clinhub_host* h, const char* c, void** out, const clinhub_reply* r) {
            return Trampolines<T>::create(h, c, out, r, Name);
        },
        Trampolines<T>::destroy,
        bookTable<T>(),
        recordsTable<T>(),
        smsTable<T>(),
        emailTable<T>(),
        patientMessagingTable<T>(),
    };
    return &plugin;
}

} // namespace sdk
} // namespace clinhub

// Declares the plugin in one .cpp file: class, name used in YAML, version, one-line description, and the
// JSON Schema of its config section (a string literal).
#define CLINHUB_PLUGIN(Class, Name, Version, Description, Schema)                                                      \
    namespace {                                                                                                        \
    constexpr char clinhubPluginName[] = Name;                                                                         \
    }                                                                                                                  \
    extern "C" CLINHUB_EXPORT const clinhub_plugin* clinhub_plugin_entry(const clinhub_host* /*host*/) {               \
        return ::clinhub::sdk::describe<Class, clinhubPluginName>(Version, Description, Schema);                       \
    }

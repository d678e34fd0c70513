/*
 * clinhub plugin ABI, version 1.3
 * ===============================
 *
 * This one header is the whole contract between the clinhub hub and a connector plugin. It is plain C so
 * that a plugin may be built with any compiler or language that can export a C symbol. C++ authors will
 * usually include <clinhub/plugin.hpp> instead, which wraps everything below in classes.
 *
 * 1. A plugin is a shared object exporting one function, CLINHUB_ENTRY_POINT ("clinhub_plugin_entry").
 *    The hub dlopen()s the file with RTLD_NOW | RTLD_LOCAL, calls the entry point once with its host
 *    table, and reads the descriptor it returns.
 * 2. The descriptor says which ABI it was built against, its name and version, the JSON Schema of its
 *    configuration section, and which kinds it implements: appointment-book, immunisation-records, sms,
 *    email, patient-messaging. One plugin may implement several kinds (an SMS+email provider, say): each kind has its
 * own table of calls, NULL when not implemented.
 * 3. For each connector the sysadmin configures, the hub calls create() with that connector's section as
 *    JSON text, and destroy() when the connector is retired (on reload or shutdown). Keep all state in
 *    the instance: two instances with different configs must coexist in one process.
 * 4. Every call returns a clinhub_status and reports its results through a clinhub_reply the hub
 *    passes in. Pointers given to a plugin are valid only for the duration of the call; pointers a plugin
 *    gives to a reply callback need only live until that callback returns (the hub copies). So no memory
 *    ever changes owner across the boundary, and no exception or longjmp may cross it either.
 * 5. Calls on one instance may arrive from several hub threads at once: make them thread-safe.
 * 6. How long a call may block. The hub makes each call on one of its own threads and never interrupts
 *    it, so bound every wait yourself: a connect and a total timeout on each request (clinhub::kit's
 *    HttpClient has 2 s and 10 s unless told otherwise), CLINHUB_RETRYABLE when one runs out.
 *    Appointment-book calls run while a patient waits for a page, at most hub.books.calls_per_organisation
 *    (4 by default) at once for one organisation: answer in seconds. send() and lookup() run on an outbox
 *    worker whose claim on the message lapses after hub.outbox.lease_s (300 s by default), after which
 *    another worker may send it again: finish well within that. receipt() answers the provider's own
 *    request to the hub, which waits for it.
 * 7. Loading and unloading. The hub opens only the plugins its config names (`clinhub plugins list` opens
 *    every file in the plugin folders). An opened plugin stays loaded until the process exits: a config
 *    reload destroy()s the connectors it retires and create()s the new ones, but neither dlclose()s a file
 *    no connector uses any more nor opens a newer build of a file already loaded (replacing a .so takes
 *    a restart). Static data thus outlives instances; keep state in the instance all the same.
 *
 * Versioning: tables only grow at the end, and each starts with its struct_size, so a newer hub can read
 * an older plugin's tables and vice versa. The hub refuses a plugin whose abi_major differs from its own,
 * or whose abi_minor is newer than its own (it could rely on calls this hub does not have).
 *
 * History: 1.0 first release. 1.1 adds delivery receipts: clinhub_sms_v1.receipt, clinhub_email_v1.receipt
 * and clinhub_reply.receipt. 1.2 adds clinhub_reply.not_sent (a send that failed without the message
 * reaching the provider) and clinhub_sms_v1.max_characters (the longest text a connector can send). 1.3 adds
 * the patient-messaging kind (clinhub_patient_messaging_v1: a message to a patient by NHS number, through the
 * NHS App and whatever the provider falls back to), CLINHUB_DELIVERY_READ and clinhub_reply.channel_receipt
 * (which channel reached the patient). Plugins built for 1.0, 1.1 and 1.2 still load.
 */
#ifndef CLINHUB_PLUGIN_H
#define CLINHUB_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLINHUB_ABI_MAJOR 1
#define CLINHUB_ABI_MINOR 3
#define CLINHUB_ENTRY_POINT "clinhub_plugin_entry"

#if defined(_WIN32)
#define CLINHUB_EXPORT __declspec(dllexport)
#else
#define CLINHUB_EXPORT __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------------------------------------------
 * Outcome of every call. Say *why* in reply->message: the hub logs it and shows it to staff.
 * ------------------------------------------------------------------------------------------------- */
typedef enum clinhub_status {
    CLINHUB_OK = 0,        /* done */
    CLINHUB_CONFLICT = 1,  /* the world changed under us: the slot was taken, the appointment moved */
    CLINHUB_RETRYABLE = 2, /* try again later, or on the next connector: timeout, 5xx, rate-limited */
    CLINHUB_PERMANENT = 3  /* retrying will not help: bad request, access denied, bad configuration */
} clinhub_status;

/* CLINHUB_RETRYABLE from an SMS or email send() means "possibly sent": the provider may have taken the
 * message before the failure (a timeout after the request went out, a connection dropped before the
 * answer, a 5xx from a provider that may have queued it). Before the hub sends it again, on any connector,
 * it asks that connector's lookup() after the reference; without a lookup it can only resend, risking a
 * duplicate. When the plugin KNOWS the provider never took the message (the connection was refused before
 * a byte of the request was written, an answer the provider documents as a refusal before acceptance
 * such as GOV.UK Notify's 429, an SMTP refusal before the end of DATA was accepted), it says so with
 * reply->not_sent before returning CLINHUB_RETRYABLE (1.2): the hub then goes straight to the next
 * connector or the next attempt, asks nobody, and does not count that connector as possibly holding the
 * message. Say it only when sure: a message wrongly called not sent may reach the patient twice. A hub
 * older than 1.2 has no not_sent (check reply->struct_size) and treats the failure as possibly sent,
 * which is safe. not_sent with any status other than CLINHUB_RETRYABLE is ignored. */

/* The longest SMS, in characters, a connector that declares no clinhub_sms_v1.max_characters is given:
 * six concatenated GSM-7 fragments of 153. */
#define CLINHUB_SMS_DEFAULT_MAX_CHARACTERS 918

/* Log levels for clinhub_host.log. Never log a name, NHS number, phone number or date of birth. */
typedef enum clinhub_log_level {
    CLINHUB_LOG_DEBUG = 0,
    CLINHUB_LOG_INFO = 1,
    CLINHUB_LOG_WARNING = 2,
    CLINHUB_LOG_ERROR = 3
} clinhub_log_level;

/* ---------------------------------------------------------------------------------------------------
 * Records passed in and out. Times are seconds since the Unix epoch, UTC. Dates are "YYYY-MM-DD".
 * Optional strings may be NULL. Each record starts with struct_size so it can grow.
 * ------------------------------------------------------------------------------------------------- */
typedef struct clinhub_time_range {
    int64_t from; /* inclusive */
    int64_t to;   /* exclusive */
} clinhub_time_range;

typedef struct clinhub_slot {
    size_t struct_size;
    const char* id;        /* opaque to the hub; handed back to book() and reschedule() */
    const char* slot_type; /* as the book names it, e.g. "Flu clinic" */
    int64_t start;
    int32_t duration_minutes;
    const char* clinician; /* optional */
    const char* location;  /* optional */
    int32_t telephone;     /* 1 for a telephone appointment, 0 for face-to-face */
} clinhub_slot;

typedef struct clinhub_patient {
    size_t struct_size;
    const char* nhs_number;    /* 10 digits, no spaces */
    const char* date_of_birth; /* optional on input */
    const char* mobile;        /* optional; E.164, e.g. "+447700900123" */
    const char* name;          /* optional; as the patient is addressed */
    const char* book_id;       /* optional; the book's own patient id when it has one */
} clinhub_patient;

typedef struct clinhub_appointment {
    size_t struct_size;
    const char* id; /* the book's appointment id; handed back to cancel() and reschedule() */
    clinhub_slot slot;
} clinhub_appointment;

typedef struct clinhub_immunisation {
    size_t struct_size;
    const char* target;          /* disease targeted: "COVID", "FLU", "HPV", "MMR", "RSV", ... */
    const char* vaccine_code;    /* SNOMED CT code of the product or procedure */
    const char* vaccine_display; /* its human term */
    const char* occurred_on;     /* date the dose was received */
    int32_t dose_number;         /* 0 when the record does not say */
} clinhub_immunisation;

typedef struct clinhub_sms {
    size_t struct_size;
    const char* to; /* E.164 */
    const char* body;
    /* The hub's id for this message: "msg-" and a UUIDv7 in lower-case hex, 40 characters of [a-z0-9-]
     * ("msg-0190f5c2-7a1e-7b3c-9d4e-5f6a7b8c9d0e"). The same on every attempt and on every connector the
     * message is tried on; holds no personal data. Give it to the provider where it keeps a client
     * reference, so that lookup() can find the message after a crash. */
    const char* reference;
} clinhub_sms;

typedef struct clinhub_email {
    size_t struct_size;
    const char* to;
    const char* subject;
    const char* text;
    const char* html;      /* optional */
    const char* reference; /* as clinhub_sms.reference */
} clinhub_email;

/* What a messaging provider knows of a message, found by its reference. */
typedef enum clinhub_delivery_state {
    CLINHUB_DELIVERY_UNKNOWN = 0,   /* the provider has no message with that reference: never sent */
    CLINHUB_DELIVERY_ACCEPTED = 1,  /* accepted, on its way */
    CLINHUB_DELIVERY_DELIVERED = 2, /* reached the handset or mailbox */
    CLINHUB_DELIVERY_FAILED = 3,    /* the provider gave up */
    CLINHUB_DELIVERY_READ = 4       /* 1.3: opened by the patient (the NHS App says when a message is read) */
} clinhub_delivery_state;

/* 1.3: the channels a patient message may reach the patient by. */
typedef enum clinhub_channel {
    CLINHUB_CHANNEL_UNKNOWN = 0,
    CLINHUB_CHANNEL_NHSAPP = 1, /* the NHS App's inbox, with a notification on the patient's phone */
    CLINHUB_CHANNEL_SMS = 2,
    CLINHUB_CHANNEL_EMAIL = 3,
    CLINHUB_CHANNEL_LETTER = 4
} clinhub_channel;

/* 1.3: one header of a request the provider made to the hub; the name in lower case. */
typedef struct clinhub_header {
    const char* name;
    const char* value;
} clinhub_header;

/* 1.3: a message to one patient, found by NHS number. The provider chooses how it reaches them. */
typedef struct clinhub_patient_message {
    size_t struct_size;
    const char* nhs_number;    /* 10 digits, no spaces */
    const char* date_of_birth; /* optional; some providers check it against the NHS number */
    const char* mobile;        /* optional; E.164, for a provider that may fall back to SMS at this number */
    const char* body;          /* plain text, as read in the NHS App or, on a fallback, as the SMS */
    const char* reference;     /* as clinhub_sms.reference: the same on every attempt; give it to the provider */
} clinhub_patient_message;

/* ---------------------------------------------------------------------------------------------------
 * The reply: callbacks the hub passes into every call. Call the ones your call produces, any number
 * of times; ignore the others. `ctx` is the hub's: pass it back untouched.
 * ------------------------------------------------------------------------------------------------- */
typedef struct clinhub_reply {
    size_t struct_size;
    void* ctx;
    /* Why a call did not return CLINHUB_OK (or a note on one that did). */
    void (*message)(void* ctx, const char* text);
    /* A problem with the configuration section, at a JSON Pointer into it ("/url", "" for the whole). */
    void (*config_error)(void* ctx, const char* json_pointer, const char* text);
    /* A plain string result: a slot type name, a provider's message id. */
    void (*text)(void* ctx, const char* value);
    void (*slot)(void* ctx, const clinhub_slot* slot);
    void (*appointment)(void* ctx, const clinhub_appointment* appointment);
    void (*patient)(void* ctx, const clinhub_patient* patient);
    void (*immunisation)(void* ctx, const clinhub_immunisation* record);
    void (*delivery)(void* ctx, clinhub_delivery_state state, const char* provider_id);
    /* 1.1: one message's fate from a delivery receipt; `detail` is the provider's own status word. */
    void (*receipt)(void* ctx, const char* reference, clinhub_delivery_state state, const char* provider_id,
                    const char* detail);
    /* 1.2: the send being answered never reached the provider (see "possibly sent" above). Call it, then
     * return CLINHUB_RETRYABLE. */
    void (*not_sent)(void* ctx);
    /* 1.3: what became of a patient message on one channel (the NHS App read it, the fallback SMS was
     * delivered), from a receipt or a lookup. reply->receipt still reports the message as a whole. */
    void (*channel_receipt)(void* ctx, const char* reference, clinhub_channel channel, clinhub_delivery_state state,
                            const char* detail);
} clinhub_reply;

/* ---------------------------------------------------------------------------------------------------
 * The host: what the hub offers a plugin. Valid from the entry point call until the process exits.
 * ------------------------------------------------------------------------------------------------- */
typedef struct clinhub_host {
    size_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    void* ctx;
    /* Structured log line attributed to the plugin. No patient data, ever. */
    void (*log)(void* ctx, clinhub_log_level level, const char* plugin, const char* text);
    /* The hub's clock, in milliseconds since the epoch; tests may move it. */
    int64_t (*now_ms)(void* ctx);
} clinhub_host;

/* ---------------------------------------------------------------------------------------------------
 * The kinds. `self` is the instance create() made.
 * ------------------------------------------------------------------------------------------------- */

/* An appointment book: the practice's diary. */
typedef struct clinhub_appointment_book_v1 {
    size_t struct_size;
    /* reply->text once per slot type with at least one slot in range (free or not). */
    clinhub_status (*slot_types)(void* self, clinhub_time_range range, const clinhub_reply* reply);
    /* reply->slot once per free slot of that type starting in range. */
    clinhub_status (*free_slots)(void* self, const char* slot_type, clinhub_time_range range,
                                 const clinhub_reply* reply);
    /* reply->appointment once. CLINHUB_CONFLICT when the slot is no longer free. */
    clinhub_status (*book)(void* self, const char* slot_id, const clinhub_patient* patient, const char* note,
                           const clinhub_reply* reply);
    clinhub_status (*cancel)(void* self, const char* appointment_id, const clinhub_reply* reply);
    /* Moves an appointment to another free slot; reply->appointment with the new one. */
    clinhub_status (*reschedule)(void* self, const char* appointment_id, const char* new_slot_id,
                                 const clinhub_reply* reply);
    /* Writes a coded entry (SNOMED CT concept id and its term) to the patient's record. */
    clinhub_status (*write_code)(void* self, const clinhub_patient* patient, const char* snomed_code, const char* term,
                                 const clinhub_reply* reply);
    /* reply->patient once when the book knows the NHS number; nothing when it does not. */
    clinhub_status (*find_patient)(void* self, const char* nhs_number, const clinhub_reply* reply);
} clinhub_appointment_book_v1;

/* National immunisation records. They say what was *received*, never what is booked elsewhere. */
typedef struct clinhub_immunisation_records_v1 {
    size_t struct_size;
    /* reply->immunisation once per dose received against any of the targets. */
    clinhub_status (*history)(void* self, const char* nhs_number, const char* const* targets, size_t target_count,
                              const clinhub_reply* reply);
} clinhub_immunisation_records_v1;

typedef struct clinhub_sms_v1 {
    size_t struct_size;
    /* reply->text with the provider's id for the message. */
    clinhub_status (*send)(void* self, const clinhub_sms* sms, const clinhub_reply* reply);
    /* reply->delivery with what the provider knows of the message with this reference. Optional (NULL):
     * without it, a message interrupted by a crash is sent again rather than reconciled. */
    clinhub_status (*lookup)(void* self, const char* reference, const clinhub_reply* reply);
    /* 1.1, optional: a delivery receipt the provider POSTed to the hub at /callbacks/<connector name>.
     * `authorization` is the request's Authorization header ("" when absent), `body` its body. Check the
     * request really comes from the provider, then reply->receipt once per message it reports.
     * CLINHUB_PERMANENT (with a message) when it does not, or cannot be understood: the hub answers 403/400. */
    clinhub_status (*receipt)(void* self, const char* authorization, const char* body, const clinhub_reply* reply);
    /* 1.2, optional: the most characters one message may have for a connector with this config section (the
     * one create() gets), counted as SMS counts them: GSM-7 characters, with those of its extension table
     * (^ { } [ ] ~ \ | and the euro sign) counting two; a text with any other character is UCS-2, one per
     * UTF-16 unit. At least 160. 0 or NULL: CLINHUB_SMS_DEFAULT_MAX_CHARACTERS. No side effects: `config check`
     * calls it, before any create(). The hub refuses a template that cannot fit the shortest limit among an
     * organisation's SMS connectors, at its line and column, and a batch message the same way. */
    int32_t (*max_characters)(const char* config_json);
} clinhub_sms_v1;

typedef struct clinhub_email_v1 {
    size_t struct_size;
    clinhub_status (*send)(void* self, const clinhub_email* email, const clinhub_reply* reply);
    clinhub_status (*lookup)(void* self, const char* reference, const clinhub_reply* reply); /* optional */
    /* 1.1, optional: as clinhub_sms_v1.receipt. */
    clinhub_status (*receipt)(void* self, const char* authorization, const char* body, const clinhub_reply* reply);
} clinhub_email_v1;

/* 1.3: messages to patients by NHS number, through the NHS App and whatever the provider falls back to
 * (NHS England's NHS Notify, say). Organisations choose it per rule in the YAML (`channels:`).
 *
 * A provider either runs the cascade itself (its routing plan tries the NHS App, then SMS when the patient
 * is not on the app or has not read the message in time) or reaches one channel only. For the second, the
 * hub runs the cascade: it queues one SMS fallback with the message, sends it when a receipt says the app
 * failed or after the organisation's read wait without a CLINHUB_DELIVERY_READ, and drops it once read. */
typedef struct clinhub_patient_messaging_v1 {
    size_t struct_size;
    /* reply->text with the provider's id for the message. Send it once per reference: the provider should
     * treat a second request with the same reference as the first (NHS Notify's messageReference). An
     * answer that the patient cannot be reached this way at all (not on the app, no such NHS number) is
     * CLINHUB_PERMANENT with a reason; the hub then falls back to SMS if it runs the cascade. */
    clinhub_status (*send)(void* self, const clinhub_patient_message* message, const clinhub_reply* reply);
    /* reply->delivery (and reply->channel_receipt per channel) for the message with this reference.
     * Optional (NULL), as clinhub_sms_v1.lookup. */
    clinhub_status (*lookup)(void* self, const char* reference, const clinhub_reply* reply);
    /* Optional: a callback the provider POSTed to /callbacks/<connector name>, as clinhub_sms_v1.receipt but
     * with every header of the request (providers sign callbacks in headers of their own, such as NHS
     * Notify's x-hmac-sha256-signature); reply->receipt for a message's overall state, reply->channel_receipt
     * for each channel's. */
    clinhub_status (*receipt)(void* self, const clinhub_header* headers, size_t header_count, const char* body,
                              const clinhub_reply* reply);
    /* 1 when a connector with this config section runs its own cascade (the hub then never sends an SMS of
     * its own for the message), 0 when it reaches the NHS App only. No side effects: `config check` calls
     * it, before any create(). NULL: 0. */
    int32_t (*cascades)(const char* config_json);
} clinhub_patient_messaging_v1;

/* ---------------------------------------------------------------------------------------------------
 * The descriptor the entry point returns. Static storage: the hub reads it for the life of the process.
 * ------------------------------------------------------------------------------------------------- */
typedef struct clinhub_plugin {
    size_t struct_size;
    uint16_t abi_major; /* CLINHUB_ABI_MAJOR as compiled */
    uint16_t abi_minor; /* CLINHUB_ABI_MINOR as compiled */
    const char* name;   /* what the YAML's `plugin:` names: lower-case, digits and '-' */
    const char* version;
    const char* description;
    /* JSON Schema (draft 2020-12 subset: type, properties, required, additionalProperties, items, enum,
     * minimum, maximum, minLength, pattern, description, default) of the connector's config section.
     * The hub validates each section against it, with file:line:col, before create() sees it. */
    const char* config_schema;
    /* Deeper checks than a schema can say (a URL that must be https, two fields that go together).
     * Report each with reply->config_error and return CLINHUB_PERMANENT. No side effects: `config check`
     * calls it. Optional (NULL). */
    clinhub_status (*check_config)(const char* config_json, const clinhub_reply* reply);
    /* Makes an instance from a connector's config section; on failure say why through the reply. */
    clinhub_status (*create)(const clinhub_host* host, const char* config_json, void** self,
                             const clinhub_reply* reply);
    void (*destroy)(void* self);
    /* The kinds this plugin implements; NULL for the others. */
    const clinhub_appointment_book_v1* appointment_book;
    const clinhub_immunisation_records_v1* immunisation_records;
    const clinhub_sms_v1* sms;
    const clinhub_email_v1* email;
    /* 1.3; a 1.2 or older descriptor ends before it (struct_size says). */
    const clinhub_patient_messaging_v1* patient_messaging;
} clinhub_plugin;

/* The one symbol a plugin exports. Returns NULL only if the plugin cannot run at all (say why through
 * host->log first). */
typedef const clinhub_plugin* (*clinhub_entry_fn)(const clinhub_host* host);

CLINHUB_EXPORT const clinhub_plugin* clinhub_plugin_entry(const clinhub_host* host);

#ifdef __cplusplus
}
#endif

#endif /* CLINHUB_PLUGIN_H */

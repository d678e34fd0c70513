/* Deliberately broken plugins, one per compile definition, to prove each refusal of the host. */
#include <clinhub/plugin.h>

#include <stddef.h>
#include <string.h>

#if defined(NO_ENTRY_POINT)
CLINHUB_EXPORT int not_the_entry_point(void) { return 0; }
#else

static clinhub_status create(const clinhub_host* host, const char* config, void** self, const clinhub_reply* reply) {
    (void)host;
    (void)config;
#if defined(CREATE_FAILS)
    (void)self;
    reply->message(reply->ctx, "cannot reach the book at http://127.0.0.1:9");
    return CLINHUB_PERMANENT;
#else
    (void)reply;
    static int instance;
    *self = &instance;
    return CLINHUB_OK;
#endif
}
static void destroy(void* self) { (void)self; }
static clinhub_status send(void* self, const clinhub_sms* sms, const clinhub_reply* reply) {
    (void)self;
    /* "refused": as a connection refused before a byte was written; "timeout": as one that may have landed. */
    if (strcmp(sms->reference, "refused") == 0) {
        if (reply->struct_size >= offsetof(clinhub_reply, not_sent) + sizeof(reply->not_sent))
            reply->not_sent(reply->ctx);
        return CLINHUB_RETRYABLE;
    }
    if (strcmp(sms->reference, "timeout") == 0) return CLINHUB_RETRYABLE;
    reply->text(reply->ctx, sms->reference);
    return CLINHUB_OK;
}
static int32_t max_characters(const char* config) {
    (void)config;
    return 480;
}
#if defined(ABI_1_0_TABLES)
/* As a plugin built against ABI 1.0 sees the table: it ends before receipt. */
static const clinhub_sms_v1 sms_table = {offsetof(clinhub_sms_v1, receipt), send, NULL};
#elif defined(ABI_1_1_TABLES)
/* As a plugin built against ABI 1.1 sees the table: it ends before max_characters, so the hub must not read
 * what lies there (a function, here, to prove it is not called). */
static const clinhub_sms_v1 sms_table = {offsetof(clinhub_sms_v1, max_characters), send, NULL, NULL, max_characters};
#else
static const clinhub_sms_v1 sms_table = {sizeof(clinhub_sms_v1), send, NULL, NULL, max_characters};
#endif

#ifndef ABI_MAJOR
#define ABI_MAJOR CLINHUB_ABI_MAJOR
#endif
#ifndef ABI_MINOR
#define ABI_MINOR CLINHUB_ABI_MINOR
#endif
#ifndef PLUGIN_NAME
#define PLUGIN_NAME "broken"
#endif

/* A 1.2 descriptor ends before patient_messaging: what lies past its end (a pointer, here, to prove it is not
 * read) belongs to whatever the plugin put after it. */
#if defined(ABI_1_2_DESCRIPTOR)
#define DESCRIPTOR_SIZE offsetof(clinhub_plugin, patient_messaging)
#define PATIENT_MESSAGING ((const clinhub_patient_messaging_v1*)&sms_table)
#else
#define DESCRIPTOR_SIZE sizeof(clinhub_plugin)
#define PATIENT_MESSAGING NULL
#endif

static const clinhub_plugin descriptor = {DESCRIPTOR_SIZE,
                                          ABI_MAJOR,
                                          ABI_MINOR,
                                          PLUGIN_NAME,
                                          "0.0.1",
                                          "a test plugin",
                                          NULL,
                                          NULL,
                                          create,
                                          destroy,
                                          NULL,
                                          NULL,
                                          &sms_table,
                                          NULL,
                                          PATIENT_MESSAGING};

CLINHUB_EXPORT const clinhub_plugin* clinhub_plugin_entry(const clinhub_host* host) {
    (void)host;
#if defined(NULL_DESCRIPTOR)
    (void)descriptor;
    return NULL;
#else
    return &descriptor;
#endif
}
#endif

/* Deliberately broken plugins, one per compile definition, to prove each refusal of the host. */
#include <clinhub/plugin.h>

#include <stddef.h>

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
    reply->text(reply->ctx, sms->reference);
    return CLINHUB_OK;
}
#if defined(ABI_1_0_TABLES)
/* As a plugin built against ABI 1.0 sees the table: it ends before receipt. */
static const clinhub_sms_v1 sms_table = {offsetof(clinhub_sms_v1, receipt), send, NULL};
#else
static const clinhub_sms_v1 sms_table = {sizeof(clinhub_sms_v1), send, NULL};
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

static const clinhub_plugin descriptor = {sizeof(clinhub_plugin),
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
                                          NULL};

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

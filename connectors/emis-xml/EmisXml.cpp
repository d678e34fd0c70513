// The emis-xml plugin's entry point: see EmisBook.h for what it does and Config.cpp for its settings.
#include "Config.h"
#include "EmisBook.h"

CLINHUB_PLUGIN(emisxml::EmisBook, "emis-xml", "1.0.0",
               "EMIS Web appointment book through the EMIS Partner API (SOAP/XML over HTTP)",
               emisxml::kConfigMap.schema())

#ifndef TRACEDESK_CLIBXML2_SHIM_H
#define TRACEDESK_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
/* With ICU enabled, importing Foundation beside libxml2 fails: 'UErrorCode' has different definitions. */
#undef LIBXML_ICU_ENABLED
#include <libxml/tree.h>
#include <libxml/parser.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>

/* `xmlFree` is a global function pointer; Swift 6 rejects touching mutable globals. */
static inline void clx_free(void *pointer) { xmlFree(pointer); }

#endif

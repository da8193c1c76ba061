/*
 * modules.c - the feature modules of this build, in the order their routes
 * and menus appear. The one place the framework names the modules above
 * it: adding a module is adding a line here (see docs/ARCHITECTURE.md).
 */
#include "web/web.h"

#include "mod/accounts/acct.h"
#include "mod/exchange/exchange.h"
#include "mod/improve/imp.h"

const struct web_module *const web_modules[] = {
        &acct_module,
        &ex_module,
        &imp_module,
        NULL,
};

#include "hub/store/Forget.h"

#include "hub/store/Session.h"

#include <algorithm>
#include <string>
#include <vector>

using namespace Poco::Data::Keywords;

namespace clinhub::store {

int64_t forgetRows(Session& s, const Forget& f, const ForgetSql& sql) {
    const std::string where = sql.where;
    const auto befores = static_cast<std::size_t>(std::count(where.begin(), where.end(), '?')) - 1;
    std::string organisation = f.organisation;
    std::vector<int64_t> before(befores, f.before);
    if (f.dryRun) {
        Statement count = s << std::string("SELECT COUNT(*) FROM ") + sql.table + " WHERE " + where;
        int64_t n = 0;
        count, use(organisation), into(n);
        for (auto& b : before)
            count, use(b);
        count.execute();
        return n;
    }
    int limit = f.limit;
    Statement update = s << std::string("UPDATE ") + sql.table + " SET " + sql.set + " WHERE (" + sql.key +
                                ") IN (SELECT " + sql.key + " FROM " + sql.table + " WHERE " + where + " LIMIT ?)";
    update, use(organisation);
    for (auto& b : before)
        update, use(b);
    update, use(limit);
    return static_cast<int64_t>(update.execute());
}

} // namespace clinhub::store

#include "ingress/http_date.h"

#include <cstdio>

namespace wcloud::ingress {

void HttpDate::AppendTo(std::string& out) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  MutexLock lock(mu_);
  time_t now = time(nullptr);
  if (now != second_) {
    struct tm tm;
    gmtime_r(&now, &tm);
    // By hand rather than strftime: %a and %b follow the process locale, HTTP wants English.
    int n = std::snprintf(text_, sizeof text_, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                          kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
    size_ = n > 0 ? static_cast<size_t>(n) : 0;
    second_ = now;
  }
  out.append(text_, size_);
}

}  // namespace wcloud::ingress

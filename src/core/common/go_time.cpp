#include "core/common/go_time.h"

#include <cstdio>
#include <cstring>
#include <ctime>

namespace observe {

std::string go_format_time(int64_t ns, std::string_view layout) {
  time_t secs = static_cast<time_t>(ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000);
  int64_t frac = ns - static_cast<int64_t>(secs) * 1000000000;
  struct tm tm;
  gmtime_r(&secs, &tm);
  static const char* months[] = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"};
  static const char* days[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  std::string out;
  char buf[32];
  size_t i = 0;
  auto starts = [&](const char* p) { return layout.substr(i, std::strlen(p)) == p; };
  while (i < layout.size()) {
    if (starts("2006")) { snprintf(buf, sizeof buf, "%04d", tm.tm_year + 1900); out += buf; i += 4; }
    else if (starts("January")) { out += months[tm.tm_mon]; i += 7; }
    else if (starts("Jan")) { out += std::string(months[tm.tm_mon]).substr(0, 3); i += 3; }
    else if (starts("Monday")) { out += days[tm.tm_wday]; i += 6; }
    else if (starts("Mon")) { out += std::string(days[tm.tm_wday]).substr(0, 3); i += 3; }
    else if (starts("MST")) { out += "UTC"; i += 3; }
    else if (starts("01")) { snprintf(buf, sizeof buf, "%02d", tm.tm_mon + 1); out += buf; i += 2; }
    else if (starts("02")) { snprintf(buf, sizeof buf, "%02d", tm.tm_mday); out += buf; i += 2; }
    else if (starts("06")) { snprintf(buf, sizeof buf, "%02d", tm.tm_year % 100); out += buf; i += 2; }
    else if (starts("15")) { snprintf(buf, sizeof buf, "%02d", tm.tm_hour); out += buf; i += 2; }
    else if (starts("03")) { snprintf(buf, sizeof buf, "%02d", tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12); out += buf; i += 2; }
    else if (starts("04")) { snprintf(buf, sizeof buf, "%02d", tm.tm_min); out += buf; i += 2; }
    else if (starts("05")) { snprintf(buf, sizeof buf, "%02d", tm.tm_sec); out += buf; i += 2; }
    else if (starts("PM")) { out += tm.tm_hour >= 12 ? "PM" : "AM"; i += 2; }
    else if (starts("-07:00")) { out += "+00:00"; i += 6; }
    else if (starts("-0700")) { out += "+0000"; i += 5; }
    else if (starts("Z07:00")) { out += "Z"; i += 6; }
    else if (starts(".000000000") || starts(".999999999")) {
      bool trim = layout[i + 1] == '9';
      snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(frac));
      std::string f = buf;
      if (trim) {
        while (!f.empty() && f.back() == '0') f.pop_back();
        if (!f.empty()) out += "." + f;
      } else {
        out += "." + f;
      }
      i += 10;
    } else if (starts(".000000") || starts(".000")) {
      size_t n = starts(".000000") ? 6 : 3;
      snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(frac));
      out += "." + std::string(buf).substr(0, n);
      i += n + 1;
    } else if (starts("1")) { snprintf(buf, sizeof buf, "%d", tm.tm_mon + 1); out += buf; i += 1; }
    else if (starts("2")) { snprintf(buf, sizeof buf, "%d", tm.tm_mday); out += buf; i += 1; }
    else if (starts("3")) { snprintf(buf, sizeof buf, "%d", tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12); out += buf; i += 1; }
    else { out += layout[i]; i++; }
  }
  return out;
}

}  // namespace observe

#include "core/promql/overlay_storage.h"

#include <algorithm>

namespace observe::promql {

std::vector<SeriesData> OverlayStorage::select(const Matchers& matchers, int64_t mint, int64_t maxt) {
  if (overlay_.series_count() == 0) return base_.select(matchers, mint, maxt);
  return merge(base_.select(matchers, mint, maxt), overlay_.select(matchers, mint, maxt));
}

std::vector<SeriesData> OverlayStorage::select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                               const SelectHints& hints) {
  if (overlay_.series_count() == 0) return base_.select(matchers, mint, maxt, hints);
  Queryable& overlay = overlay_;
  return merge(base_.select(matchers, mint, maxt, hints), overlay.select(matchers, mint, maxt, hints));
}

std::vector<SeriesData> OverlayStorage::merge(std::vector<SeriesData> base, std::vector<SeriesData> extra) {
  if (extra.empty()) return base;
  auto by_labels = [](const SeriesData& a, const SeriesData& b) { return a.labels < b.labels; };
  // Storages answer in label order, but the interface does not promise it.
  if (!std::is_sorted(base.begin(), base.end(), by_labels)) std::sort(base.begin(), base.end(), by_labels);
  std::vector<SeriesData> out;
  out.reserve(base.size() + extra.size());
  size_t i = 0, j = 0;
  while (i < base.size() || j < extra.size()) {
    if (j == extra.size() || (i < base.size() && base[i].labels < extra[j].labels)) {
      out.push_back(std::move(base[i++]));
    } else if (i == base.size() || extra[j].labels < base[i].labels) {
      out.push_back(std::move(extra[j++]));
    } else {
      std::vector<Sample> merged;
      const std::vector<Sample>& a = base[i].samples;
      const std::vector<Sample>& b = extra[j].samples;
      merged.reserve(a.size() + b.size());
      size_t p = 0, q = 0;
      while (p < a.size() || q < b.size()) {
        if (q == b.size() || (p < a.size() && a[p].t < b[q].t)) {
          merged.push_back(a[p++]);
        } else {
          if (p < a.size() && a[p].t == b[q].t) p++;  // the overlay's sample is the newer write
          merged.push_back(b[q++]);
        }
      }
      out.push_back(SeriesData{std::move(base[i].labels), std::move(merged)});
      i++;
      j++;
    }
  }
  return out;
}

}  // namespace observe::promql

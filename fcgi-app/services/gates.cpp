#include "services/gates.hpp"

#include <algorithm>
#include <string>

#include "config.hpp"
#include "error.hpp"

namespace depot::services {

Gate::Pass Gate::enter(std::string_view message, std::chrono::milliseconds wait) {
    if (!slots_.try_acquire_for(wait)) throw too_many_requests(std::string{message}, 2);
    return Pass{*this};
}

Gates::Gates(const Config& config)
    : links{std::clamp(config.threads_per_process() / 4, 1, 1024)},
      uploads{std::clamp(config.threads_per_process() / 2, 1, 1024)},
      uplinks{std::clamp(config.threads_per_process() / 2, 1, 1024)} {}

}  // namespace depot::services

// The HTML of the player page. Private to lrs_player.
#pragma once

#include <string>
#include <string_view>

namespace player {

// `config_json` is the page's configuration object (see player_handler.cpp); it is
// embedded in a <script> with "<" escaped, and read by the page's own script.
std::string render_player_page(std::string_view title, std::string_view config_json);

// Text for HTML content and attribute values (<, >, &, ").
std::string escape_html(std::string_view text);
// JSON inside <script>: "</script>" or "<!--" in a value must not end the element.
std::string escape_script(std::string_view json);

}  // namespace player

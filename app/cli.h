// The lrsbridge command line: `serve`, `credentials add|list|revoke`, `package import`,
// `import FILE|jobs|quarantine|retry`, `watch DIR`, `version`.
// Every subcommand that touches data takes --db (default sqlite:./var/lrsbridge.db).
#pragma once

namespace app {

// Returns the process exit status: 0 success, 1 failure, 2 usage error.
int run_cli(int argc, char** argv);

}  // namespace app

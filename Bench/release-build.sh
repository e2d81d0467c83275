# Sourced by the benchmark scripts of Bench/, never run: the programs of the Release build they drive, each checked to
# be there, and fail, which prints the script's name and a message and exits. The script sets root (the repository)
# and script (its name in messages) before it sources this file.
# shellcheck shell=bash
server=$root/Server/bin/Release/net10.0/dynamo-server.dll
cli=$root/Client/Dynamo.Cli/bin/Release/net10.0/dynamo-cli.dll
bench=$root/Bench/bin/Release/net10.0/dynamo-bench.dll
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

fail() { printf '%s: %s\n' "$script" "$*" >&2; exit 1; }
for dll in "$server" "$cli" "$bench"; do [ -f "$dll" ] || fail "$dll is missing: dotnet build Dynamo.sln -c Release"; done

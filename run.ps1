#!/usr/bin/env pwsh
# Common ActorGic flows. On Linux: dotnet tool restore; dotnet pwsh run.ps1 <verb> [args]
#   test [args]        run every test (dotnet test)
#   run FILE.conf ...  actorgic run (Release build)
#   sgi <args>         actorgic sgi encode|decode ...
#   bench [args]       actorgic bench: engines' throughput, build time and memory (Release)
#   micro [filter]     BenchmarkDotNet micro benchmarks of the pure model (Release)
param(
    [Parameter(Position = 0)][ValidateSet('test', 'run', 'sgi', 'bench', 'micro')][string]$Verb = 'test',
    [Parameter(Position = 1, ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

switch ($Verb) {
    'test' { dotnet test ActorGic.sln @Rest }
    'run' { dotnet run -c Release --project src/ActorGic.Cli -- run @Rest }
    'sgi' { dotnet run --project src/ActorGic.Cli -- sgi @Rest }
    'bench' { dotnet run -c Release --project src/ActorGic.Cli -- bench @Rest }
    'micro' {
        $filter = if ($Rest.Count -gt 0) { $Rest } else { @('*') }
        dotnet run -c Release --project src/ActorGic.Benchmarks -- --filter @filter
    }
}
exit $LASTEXITCODE

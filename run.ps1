#!/usr/bin/env pwsh
# Common ActorGic flows. On Linux: dotnet tool restore; dotnet pwsh run.ps1 <verb> [args]
#   test               run every test (dotnet test)
#   sgi  <args>        actorgic sgi encode|decode ...
#   bench [filter]     BenchmarkDotNet micro benchmarks of the pure model (Release)
param(
    [Parameter(Position = 0)][ValidateSet('test', 'sgi', 'bench')][string]$Verb = 'test',
    [Parameter(Position = 1, ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

switch ($Verb) {
    'test' {
        dotnet test ActorGic.sln @Rest
    }
    'sgi' {
        dotnet run --project src/ActorGic.Cli -- sgi @Rest
    }
    'bench' {
        $filter = if ($Rest.Count -gt 0) { $Rest } else { @('*') }
        dotnet run -c Release --project src/ActorGic.Benchmarks -- --filter @filter
    }
}
exit $LASTEXITCODE

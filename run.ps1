#!/usr/bin/env pwsh
# Common ActorGic flows. On Linux: dotnet tool restore; dotnet pwsh run.ps1 <verb> [args]
#   test [args]        run every test (dotnet test); -All also sweeps every shipped scenario on the
#                      actor engine (1 and 2 threads) and on in-process clusters of 2 and 3 nodes (where it
#                      has the chips) against the reference engine's digest
#   run FILE.conf ...  actorgic run from a Release publish with ReadyToRun code (artifacts/actorgic; fast from a cold start)
#   cluster -Nodes N -Scenario FILE [-Report R.json] [-KillAfter S]
#                      the scenario on N local processes (a coordinator and N-1 actorgic node
#                      workers on loopback); -KillAfter kills one worker S seconds after the workers joined (fault drill)
#   golden             rewrite tests/golden/*.json (the reference report of every shipped scenario) after an
#                      intended change of the model; review the diff (git diff tests/golden) before committing
#   mutate [args]      mutation testing (Stryker.NET, a local dotnet tool) of the components and the report
#                      against ActorGic.Engine.Tests; outside CI (tens of minutes); HTML and JSON in
#                      tests/ActorGic.Engine.Tests/StrykerOutput/
#   sgi <args>         actorgic sgi encode|decode ...
#   bench [args]       actorgic bench: start-up, engines' throughput, build time and memory (the ReadyToRun publish of run)
#   micro [filter...]  BenchmarkDotNet micro benchmarks of the pure model (Release); each filter is a
#                      BenchmarkDotNet glob ('*Cycle*'); none: all; exit 1 when none matched or one failed
#   example            from a clean state: dotnet pack of the library assemblies (Gic, Kernel, Engine,
#                      Scenarios, Actors, Testing) into artifacts/packages, then the tests of
#                      examples/ActorGic.Example.Tests, a project outside the solution that references
#                      the packages by version; non-zero exit when either fails
param(
    [Parameter(Position = 0)][ValidateSet('test', 'run', 'cluster', 'golden', 'mutate', 'sgi', 'bench', 'micro', 'example')][string]$Verb = 'test',
    [int]$Nodes = 2,
    [string]$Scenario = '',
    [string]$Report = '',
    [double]$KillAfter = 0,
    [switch]$All,
    [Parameter(Position = 1, ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$dll = Join-Path $PSScriptRoot 'src/ActorGic.Cli/bin/Release/net10.0/actorgic.dll'

function Build-Release {
    Write-Host 'run.ps1: building actorgic (Release; about a minute the first time, seconds after)'
    dotnet build -c Release src/ActorGic.Cli -v quiet -nologo | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'build failed' }
}

# The Release publish with ReadyToRun code (src/ActorGic.Cli/ActorGic.Cli.csproj): what run and bench start.
$published = Join-Path $PSScriptRoot 'artifacts/actorgic/actorgic.dll'

function Publish-Release {
    Write-Host 'run.ps1: publishing actorgic (Release, ReadyToRun; a few minutes the first time, seconds after)'
    dotnet publish src/ActorGic.Cli -c Release -o artifacts/actorgic -v quiet -nologo | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'publish failed' }
}

function Get-Digest([string[]]$Arguments) {
    $out = & dotnet $dll @Arguments 2>&1
    $line = $out | Where-Object { $_ -match '^digest: ' } | Select-Object -First 1
    return @{ Code = $LASTEXITCODE; Digest = $line; Text = ($out -join "`n") }
}

function Invoke-Sweep {
    # Every shipped scenario: the reference engine's digest (which covers the whole report), then
    # the actor engine on 1 and 2 threads, then in-process clusters of 2 and 3 nodes where the
    # topology has that many chips. Any difference fails the sweep (exit 1).
    Write-Host 'test -All: Release build, then every shipped scenario on 5 engine settings (about 5 minutes)'
    Build-Release
    $failed = 0; $compared = 0
    foreach ($file in Get-ChildItem hocon/scenarios/*.conf | Sort-Object Name) {
        if ($file.Name -eq 'topology-2x4.conf') { continue } # a topology block for sgi encode, not a run
        $reference = Get-Digest @('run', $file.FullName, '--engine', 'reference')
        if (-not $reference.Digest) { $failed++; Write-Host ("{0,-36} reference: no digest (exit {1})" -f $file.Name, $reference.Code); continue }
        $settings = @(@('--engine', 'actors', '--threads', '1'), @('--engine', 'actors', '--threads', '2'), @('--nodes', '2'), @('--nodes', '3'))
        foreach ($setting in $settings) {
            $run = Get-Digest (@('run', $file.FullName) + $setting)
            $label = $setting -join ' '
            if ($run.Code -eq 2 -and $run.Text -match 'needs at least') { Write-Host ("{0,-36} {1}: fewer chips than nodes, skipped" -f $file.Name, $label); continue }
            $compared++
            $same = $run.Digest -eq $reference.Digest -and $run.Code -eq $reference.Code
            if (-not $same) { $failed++ }
            Write-Host ("{0,-36} {1}: {2}" -f $file.Name, $label, $(if ($same) { 'same digest' } else { "DIFFERS ($($run.Digest), exit $($run.Code) vs $($reference.Digest), exit $($reference.Code))" }))
        }
    }
    if ($compared -eq 0) { Write-Host 'no run was compared'; exit 1 }
    if ($failed -gt 0) { Write-Host "$failed run(s) differ"; exit 1 }
    Write-Host "$compared run(s) compared with the reference engine: all the same"
}

function Invoke-Cluster {
    if (-not $Scenario) { throw 'cluster needs -Scenario FILE.conf' }
    if ($Nodes -lt 2) { throw 'cluster needs -Nodes 2 or more' }
    Build-Release
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $logs = Join-Path ([System.IO.Path]::GetTempPath()) "actorgic-cluster-$port"
    New-Item -ItemType Directory -Force $logs | Out-Null
    $coordArgs = @($dll, 'run', (Resolve-Path $Scenario).Path, '--nodes', "$Nodes", '--listen', "$port")
    if ($Report) { $coordArgs += @('--report', [System.IO.Path]::GetFullPath($Report)) }
    $coordArgs += $Rest
    $coordinator = Start-Process dotnet -ArgumentList $coordArgs -PassThru -NoNewWindow `
        -RedirectStandardOutput "$logs/coordinator.out" -RedirectStandardError "$logs/coordinator.err"
    $workers = @()
    for ($i = 1; $i -lt $Nodes; $i++) {
        # A worker waits as long as the coordinator does for it (60 s), not its default 30 s: a busy machine starts processes slowly.
        $workers += Start-Process dotnet -ArgumentList @($dll, 'node', '--seed', "127.0.0.1:$port", '--join-timeout', '60s') -PassThru -NoNewWindow `
            -RedirectStandardOutput "$logs/node$i.out" -RedirectStandardError "$logs/node$i.err"
    }
    if ($KillAfter -gt 0) {
        # Count from the moment the coordinator has its workers: their start-up time varies with the
        # machine, and a worker killed before it joined drills nothing.
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while (-not $coordinator.HasExited -and [DateTime]::UtcNow -lt $deadline -and -not (Select-String -Quiet `
                -Pattern 'worker node\(s\) ready' -Path "$logs/coordinator.err", "$logs/coordinator.out" -ErrorAction SilentlyContinue)) {
            Start-Sleep -Milliseconds 100
        }
        Start-Sleep -Milliseconds ([int]($KillAfter * 1000))
        Write-Host "run.ps1: killing worker process $($workers[0].Id) (fault drill)"
        $workers[0].Kill()
    }
    $coordinator.WaitForExit()
    $code = $coordinator.ExitCode
    foreach ($w in $workers) {
        if (-not $w.WaitForExit(15000)) { $w.Kill() }
    }
    # The coordinator's progress (standard error) came before its summary (standard output).
    Get-Content "$logs/coordinator.err" | ForEach-Object { [Console]::Error.WriteLine($_) }
    Get-Content "$logs/coordinator.out"
    exit $code
}

switch ($Verb) {
    'test' {
        dotnet test ActorGic.sln @Rest
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        if ($All) { Invoke-Sweep }
        exit 0
    }
    'run' {
        Publish-Release
        dotnet $published run @Rest
    }
    'cluster' { Invoke-Cluster }
    'golden' {
        $env:ACTORGIC_UPDATE_GOLDEN = '1'
        dotnet test tests/ActorGic.Engine.Tests --filter 'FullyQualifiedName~GoldenReportTests'
        $code = $LASTEXITCODE
        Remove-Item Env:ACTORGIC_UPDATE_GOLDEN
        if ($code -ne 0) { exit $code }
        $changed = git status --porcelain -- tests/golden
        if ($changed) { Write-Host "golden reports rewritten; review before committing:"; git diff --stat -- tests/golden; $changed }
        else { Write-Host 'golden reports unchanged' }
    }
    'mutate' {
        Push-Location tests/ActorGic.Engine.Tests
        dotnet dotnet-stryker --config-file stryker-config.json @Rest
        $code = $LASTEXITCODE
        Pop-Location
        exit $code
    }
    'sgi' { dotnet run --project src/ActorGic.Cli -- sgi @Rest }
    'bench' {
        Publish-Release
        Write-Host 'run.ps1: actorgic bench: every section takes about 15 minutes on 2 cores (--only SECTION for one)'
        # PowerShell takes --nodes N (and -Nodes N) as this script's own -Nodes: hand it on to the bench.
        $benchArgs = @($Rest)
        if ($PSBoundParameters.ContainsKey('Nodes')) { $benchArgs += @('--nodes', "$Nodes") }
        dotnet $published bench @benchArgs
    }
    'example' {
        # From a clean state: no package, no restore cache and no build of the example survive from an earlier run.
        $example = 'examples/ActorGic.Example.Tests'
        foreach ($dir in @('artifacts/packages', 'artifacts/example-packages', "$example/bin", "$example/obj")) {
            if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
        }
        Write-Host 'example: Release build of the libraries, dotnet pack into artifacts/packages, then the example tests (2-4 minutes)'
        dotnet build -c Release src/ActorGic.Testing -nologo -v quiet
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        foreach ($lib in @('Gic', 'Kernel', 'Engine', 'Scenarios', 'Actors', 'Testing')) {
            dotnet pack "src/ActorGic.$lib" -c Release --no-build -nologo -v quiet
            if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        }
        $packed = @(Get-ChildItem artifacts/packages/*.nupkg)
        if ($packed.Count -ne 6) { Write-Host "example: expected 6 packages in artifacts/packages, found $($packed.Count)"; exit 1 }
        $packed | ForEach-Object { Write-Host "  $($_.Name)" }
        dotnet test $example -nologo
        exit $LASTEXITCODE
    }
    'micro' {
        # PowerShell globs a native command's arguments on Unix, even from a variable ('*' became the
        # repository's file names): each filter goes as one --filter=PATTERN, which matches no file;
        # no filter runs every benchmark. The program exits 1 when nothing matched or a benchmark failed.
        $filters = @($Rest | ForEach-Object { if ($_ -like '--*') { $_ } else { "--filter=$_" } })
        Write-Host 'micro: Release build, then BenchmarkDotNet (each benchmark about a minute; all of them about 10 minutes)'
        dotnet run -c Release --project src/ActorGic.Benchmarks -- @filters
    }
}
exit $LASTEXITCODE

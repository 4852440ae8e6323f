<#
.SYNOPSIS
    Starts (or stops) a local AkkaKafka cluster of N brokers on 127.0.0.1.

.DESCRIPTION
    Without -Stop: builds the CLI once (dotnet build src/AkkaKafka.Cli -c <Configuration>, skipped with -NoBuild),
    then starts N broker processes of the built program (dotnet <bin>/akkakafka.dll broker ...) in the background:
    the seed on -BasePort and the others on the ports after it. Every broker gets the full seed list (all N
    addresses, the first one first) and the one shared data directory. Each broker's stdout and stderr go to
    <LogDir>/broker-<port>.log and <LogDir>/broker-<port>.err.log, and the process ids to
    <LogDir>/run-cluster.pids, which is how -Stop finds them later. (On Linux and macOS the broker is started
    through /bin/sh, which opens the two log files and execs dotnet under the same pid: Start-Process's own
    redirection pipes the output through this PowerShell process there, and would lose it once the script exits.)

    The script then waits (at most -TimeoutSeconds) until `akkakafka cluster status` shows all N brokers Up, and
    prints the commands to create a topic, produce, consume and stop. When a broker exits early, or the cluster is
    not up in time, it prints the end of that broker's log, stops every broker it started and exits 1. When
    brokers recorded by an earlier run are still alive, or a port is taken, it starts nothing and exits 1.

    With -Stop: stops every broker recorded in <LogDir>/run-cluster.pids, waits for them (at most -TimeoutSeconds),
    kills what is left, removes the pid file and exits 0 (also when nothing was running).
    On Linux and macOS a broker is stopped with SIGTERM (/bin/kill -TERM <pid>): it leaves the cluster gracefully
    and hands its partitions over. Windows has no SIGTERM, so there Stop-Process is used, which terminates the
    process at once: NOT a graceful leave (the other brokers' failure detector and split-brain resolver remove it,
    and the journal keeps everything that was acknowledged).

    Only 127.0.0.1 is used. Works with PowerShell 7 on Linux, macOS and Windows; from the repository:
    `dotnet tool restore` then `dotnet pwsh ./run-cluster.ps1`.

.PARAMETER Brokers
    Number of brokers to start (default 3).

.PARAMETER BasePort
    Akka remoting port of the first broker (the seed); the others use the next ports (default 4053).

.PARAMETER KafkaBasePort
    Kafka protocol port of the first broker; the others use the next ports (default 9092: 9092, 9093, 9094...).
    0 starts the brokers without a Kafka listener. The script prints the list for Kafka clients' --bootstrap-server.

.PARAMETER HttpBasePort
    HTTP port (metrics, health, JSON API, web console) of the first broker; the others use the next ports
    (default 8080: 8080, 8081, 8082...). 0 starts the brokers without HTTP.

.PARAMETER DataDir
    Data directory shared by all brokers (SQLite journal files), created when missing (default ./data).

.PARAMETER LogDir
    Directory for the broker logs and the pid file run-cluster.pids (default ./logs). Give -Stop the same one.

.PARAMETER Journal
    Journal backend: sqlite (default) or postgres (needs -ConnectionString).

.PARAMETER ConnectionString
    PostgreSQL connection string, with -Journal postgres, e.g. "Host=127.0.0.1;Username=postgres;Database=akkakafka".

.PARAMETER Configuration
    Build configuration of the CLI to build and run: Release (default) or Debug.

.PARAMETER Stop
    Stop the brokers recorded in <LogDir>/run-cluster.pids instead of starting a cluster.

.PARAMETER TimeoutSeconds
    How long to wait for all brokers to be Up, and with -Stop how long to wait for the brokers to leave before
    they are killed (default 60).

.PARAMETER NoBuild
    Do not build; run the CLI already built for -Configuration.

.EXAMPLE
    dotnet tool restore; dotnet pwsh ./run-cluster.ps1

    Builds the CLI and starts 3 brokers on 127.0.0.1:4053-4055 with data in ./data and logs in ./logs.

.EXAMPLE
    ./run-cluster.ps1 -Brokers 5 -BasePort 14053 -DataDir /tmp/ak/data -LogDir /tmp/ak/logs -NoBuild

    Five brokers on 127.0.0.1:14053-14057, without building first.

.EXAMPLE
    ./run-cluster.ps1 -Journal postgres -ConnectionString "Host=127.0.0.1;Port=5432;Username=postgres;Database=akkakafka"

    Three brokers that keep their logs in PostgreSQL instead of SQLite files.

.EXAMPLE
    ./run-cluster.ps1 -Stop

    Stops the brokers started with the default -LogDir (./logs).
#>
#Requires -Version 7.0
[CmdletBinding()]
param(
    [ValidateRange(1, 64)]
    [int] $Brokers = 3,

    [ValidateRange(1, 65535)]
    [int] $BasePort = 4053,

    [ValidateRange(0, 65535)]
    [int] $KafkaBasePort = 9092,

    [ValidateRange(0, 65535)]
    [int] $HttpBasePort = 8080,

    [string] $DataDir = './data',

    [string] $LogDir = './logs',

    [ValidateSet('sqlite', 'postgres')]
    [string] $Journal = 'sqlite',

    [string] $ConnectionString,

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [switch] $Stop,

    [ValidateRange(1, 3600)]
    [int] $TimeoutSeconds = 60,

    [switch] $NoBuild
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$HostAddress = '127.0.0.1'
$RepoRoot = $PSScriptRoot
$CliProject = Join-Path $RepoRoot 'src' 'AkkaKafka.Cli'

function Resolve-FullPath([string] $Path) {
    # Relative to the current PowerShell location (not the process' working directory).
    $full = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    $trimmed = $full.TrimEnd([char]'/', [char]'\')
    if ($trimmed -eq '' -or $trimmed.EndsWith(':')) { $full } else { $trimmed }
}

$DataDir = Resolve-FullPath $DataDir
$LogDir = Resolve-FullPath $LogDir
$PidFile = Join-Path $LogDir 'run-cluster.pids'

function Get-Dotnet {
    $cmd = Get-Command dotnet -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $cmd) { throw 'dotnet was not found on PATH' }
    $cmd.Source
}

# One argument string for Start-Process: quotes what needs it (Windows command-line rules, which .NET applies on
# every platform when it splits ProcessStartInfo.Arguments).
function Join-Arguments([string[]] $Arguments) {
    $quoted = foreach ($a in $Arguments) {
        if ($a -ne '' -and $a -notmatch '[\s"]') { $a; continue }
        $sb = [System.Text.StringBuilder]::new('"')
        $backslashes = 0
        foreach ($c in $a.ToCharArray()) {
            if ($c -eq '\') { $backslashes++; continue }
            if ($c -eq '"') { [void]$sb.Append([char]'\', 2 * $backslashes + 1) }
            elseif ($backslashes -gt 0) { [void]$sb.Append([char]'\', $backslashes) }
            $backslashes = 0
            [void]$sb.Append($c)
        }
        [void]$sb.Append([char]'\', 2 * $backslashes).Append([char]'"')
        $sb.ToString()
    }
    $quoted -join ' '
}

# How to show a path in a printed command (quoted when it has spaces).
function Format-ShellArg([string] $Text) {
    if ($Text -match '[\s"''$`]') { "'" + ($Text -replace "'", "''") + "'" } else { $Text }
}

# --- pid file: one line per broker, "pid port start-time(UTC, round-trip)" ---------------------------------------

function Read-PidFile {
    if (-not (Test-Path -LiteralPath $PidFile -PathType Leaf)) { return @() }
    $entries = foreach ($line in Get-Content -LiteralPath $PidFile) {
        $line = $line.Trim()
        if ($line -eq '' -or $line.StartsWith('#')) { continue }
        $f = $line -split '\s+'
        if ($f.Count -lt 3) { continue }
        [pscustomobject]@{
            Pid       = [int]$f[0]
            Port      = [int]$f[1]
            StartTime = [datetime]::Parse($f[2], [cultureinfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind)
        }
    }
    @($entries)
}

function Add-PidFileEntry([System.Diagnostics.Process] $Process, [int] $Port) {
    $start = $Process.StartTime.ToUniversalTime().ToString('o', [cultureinfo]::InvariantCulture)
    Add-Content -LiteralPath $PidFile -Value "$($Process.Id) $Port $start"
}

# The live process of a recorded broker, or $null when it has exited (or its pid now belongs to another process).
function Get-LiveBroker($Entry) {
    $p = Get-Process -Id $Entry.Pid -ErrorAction SilentlyContinue
    if (-not $p) { return $null }
    try {
        if ([math]::Abs(($p.StartTime.ToUniversalTime() - $Entry.StartTime.ToUniversalTime()).TotalSeconds) -gt 2) { return $null }
    }
    catch { return $null }   # no access to its start time: not one of ours
    if (Test-Exited $p) { return $null }
    $p
}

function Test-Exited([System.Diagnostics.Process] $Process) {
    try {
        $Process.Refresh()
        if ($Process.HasExited) { return $true }
    }
    catch { return $true }
    # A broker whose starter has gone is re-parented; where nothing reaps it, it stays a zombie after it exited.
    $stat = "/proc/$($Process.Id)/stat"
    if (Test-Path -LiteralPath $stat) {
        try {
            $text = Get-Content -LiteralPath $stat -Raw
            $state = ($text.Substring($text.LastIndexOf(')') + 1).Trim() -split ' ')[0]
            if ($state -eq 'Z' -or $state -eq 'X') { return $true }
        }
        catch { return $true }
    }
    elseif ($IsLinux) { return $true }
    $false
}

# --- stopping ----------------------------------------------------------------------------------------------------

# Stops the given brokers ({Pid; Port; Process}) and returns when all have exited. Graceful (SIGTERM) where the
# platform has it; after $WaitSeconds the rest are killed.
function Stop-Brokers($Targets, [int] $WaitSeconds) {
    $Targets = @($Targets | Where-Object { $_.Process -and -not (Test-Exited $_.Process) })
    if ($Targets.Count -eq 0) { return }
    $kill = $null
    if (-not $IsWindows) {
        $kill = @('/bin/kill', '/usr/bin/kill') | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
        if (-not $kill) {
            $kill = Get-Command kill -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1 -ExpandProperty Source
        }
    }
    $started = [System.Diagnostics.Stopwatch]::StartNew()
    foreach ($t in $Targets) {
        if ($IsWindows) {
            # No SIGTERM on Windows: this terminates the process, it does not leave the cluster gracefully.
            Write-Host "Stopping broker ${HostAddress}:$($t.Port) (pid $($t.Pid)) with Stop-Process (not graceful on Windows)"
            Stop-Process -Id $t.Pid -Force -ErrorAction SilentlyContinue
        }
        elseif ($kill) {
            Write-Host "Stopping broker ${HostAddress}:$($t.Port) (pid $($t.Pid)): SIGTERM, it leaves the cluster"
            & $kill -TERM $t.Pid 2>$null | Out-Null
        }
        else {
            Write-Warning "no kill program found: broker ${HostAddress}:$($t.Port) (pid $($t.Pid)) will be killed, not stopped gracefully"
        }
    }
    $exitedAfter = @{}
    $deadline = [datetime]::UtcNow.AddSeconds($(if ($kill -or $IsWindows) { $WaitSeconds } else { 0 }))
    while ($true) {
        foreach ($t in $Targets) {
            if (-not $exitedAfter.ContainsKey($t.Pid) -and (Test-Exited $t.Process)) { $exitedAfter[$t.Pid] = $started.Elapsed.TotalSeconds }
        }
        if ($exitedAfter.Count -eq $Targets.Count -or [datetime]::UtcNow -ge $deadline) { break }
        Start-Sleep -Milliseconds 200
    }
    foreach ($t in $Targets) {
        if ($exitedAfter.ContainsKey($t.Pid)) {
            Write-Host ("  broker {0}:{1} (pid {2}) stopped after {3:0.0}s" -f $HostAddress, $t.Port, $t.Pid, $exitedAfter[$t.Pid])
            continue
        }
        Write-Host ("  broker {0}:{1} (pid {2}) still running after {3}s: killing it" -f $HostAddress, $t.Port, $t.Pid, $WaitSeconds)
        try { $t.Process.Kill($true) } catch { Write-Warning "could not kill pid $($t.Pid): $($_.Exception.Message)" }
    }
    $killDeadline = [datetime]::UtcNow.AddSeconds(10)
    while ([datetime]::UtcNow -lt $killDeadline -and @($Targets | Where-Object { -not (Test-Exited $_.Process) }).Count -gt 0) {
        Start-Sleep -Milliseconds 200
    }
    foreach ($t in $Targets | Where-Object { -not (Test-Exited $_.Process) }) {
        Write-Warning "broker ${HostAddress}:$($t.Port) (pid $($t.Pid)) is still running"
    }
}

if ($Stop) {
    $entries = Read-PidFile
    if (-not (Test-Path -LiteralPath $PidFile -PathType Leaf)) {
        Write-Host "Nothing to stop: no pid file at $PidFile (no cluster started with -LogDir $(Format-ShellArg $LogDir))."
        exit 0
    }
    $targets = @(foreach ($e in $entries) {
            $p = Get-LiveBroker $e
            if ($p) { [pscustomobject]@{ Pid = $e.Pid; Port = $e.Port; Process = $p } }
            else { Write-Host "Broker ${HostAddress}:$($e.Port) (pid $($e.Pid)) was not running." }
        })
    if ($targets.Count -eq 0) {
        Write-Host 'Nothing to stop: no broker recorded in the pid file is running.'
    }
    else {
        Stop-Brokers $targets $TimeoutSeconds
    }
    Remove-Item -LiteralPath $PidFile -Force -ErrorAction SilentlyContinue
    $left = @($targets | Where-Object { -not (Test-Exited $_.Process) })
    if ($left.Count -gt 0) {
        Write-Warning "$($left.Count) broker(s) could not be stopped: pid(s) $(($left | ForEach-Object Pid) -join ', ')"
        exit 1
    }
    if ($targets.Count -gt 0) {
        Write-Host "Stopped $($targets.Count) broker(s): $(($targets | ForEach-Object { "${HostAddress}:$($_.Port) (pid $($_.Pid))" }) -join ', ')."
    }
    exit 0
}

# --- starting ----------------------------------------------------------------------------------------------------

if ($BasePort + $Brokers - 1 -gt 65535) {
    Write-Error "-BasePort $BasePort with -Brokers $Brokers goes past port 65535" -ErrorAction Continue
    exit 2
}
if ($KafkaBasePort -gt 0 -and $KafkaBasePort + $Brokers - 1 -gt 65535) {
    Write-Error "-KafkaBasePort $KafkaBasePort with -Brokers $Brokers goes past port 65535" -ErrorAction Continue
    exit 2
}
if ($HttpBasePort -gt 0 -and $HttpBasePort + $Brokers - 1 -gt 65535) {
    Write-Error "-HttpBasePort $HttpBasePort with -Brokers $Brokers goes past port 65535" -ErrorAction Continue
    exit 2
}
if ($Journal -eq 'postgres' -and [string]::IsNullOrWhiteSpace($ConnectionString)) {
    Write-Error '-Journal postgres needs -ConnectionString "Host=...;Username=...;Password=...;Database=..."' -ErrorAction Continue
    exit 2
}

New-Item -ItemType Directory -Force -Path $LogDir | Out-Null

# Brokers of an earlier run that are still alive: refuse, instead of starting a second cluster on top.
$previous = @(Read-PidFile | Where-Object { Get-LiveBroker $_ })
if ($previous.Count -gt 0) {
    $list = ($previous | ForEach-Object { "${HostAddress}:$($_.Port) (pid $($_.Pid))" }) -join ', '
    Write-Host "Brokers from a previous run are still running: $list."
    Write-Host "Stop them first: ./run-cluster.ps1 -Stop -LogDir $(Format-ShellArg $LogDir)"
    exit 1
}
if (Test-Path -LiteralPath $PidFile) { Remove-Item -LiteralPath $PidFile -Force }   # stale: nothing in it runs

# Brokers on the same data directory started some other way (or with another -LogDir): two clusters must not share
# one journal. Best effort: the command line of a process is known on Linux and Windows, not on macOS.
$sameData = @(Get-Process -Name dotnet, akkakafka -ErrorAction SilentlyContinue | Where-Object {
        $cmd = try { $_.CommandLine } catch { $null }
        $cmd -and $cmd -match 'akkakafka' -and $cmd -match '\sbroker\s' -and
            $cmd -match ('--data "?' + [regex]::Escape($DataDir) + '"?(\s|$)')
    })
if ($sameData.Count -gt 0) {
    Write-Host "Brokers using the data directory $DataDir are already running: pid(s) $(($sameData | ForEach-Object Id) -join ', ')."
    Write-Host 'Stop them first (./run-cluster.ps1 -Stop with the -LogDir they were started with), or use another -DataDir.'
    exit 1
}

$ports = @(0..($Brokers - 1) | ForEach-Object { $BasePort + $_ })
$bootstrap = ($ports | ForEach-Object { "${HostAddress}:$_" }) -join ','
# Broker i gets Kafka port KafkaBasePort + i (0: none); Kafka clients bootstrap from this list.
function Get-KafkaPort([int] $port) { if ($KafkaBasePort -eq 0) { 0 } else { $KafkaBasePort + ($port - $BasePort) } }
$kafkaPorts = @($ports | ForEach-Object { Get-KafkaPort $_ } | Where-Object { $_ -gt 0 })
$kafkaBootstrap = ($kafkaPorts | ForEach-Object { "${HostAddress}:$_" }) -join ','
# Broker i gets HTTP port HttpBasePort + i (0: none): metrics, health, API and the web console.
function Get-HttpPort([int] $port) { if ($HttpBasePort -eq 0) { 0 } else { $HttpBasePort + ($port - $BasePort) } }
$httpPorts = @($ports | ForEach-Object { Get-HttpPort $_ } | Where-Object { $_ -gt 0 })

# A taken port would only fail later in that broker's log; say it now.
foreach ($port in @($ports) + $kafkaPorts + $httpPorts) {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Parse($HostAddress), $port)
    try { $listener.Start() }
    catch {
        Write-Host "Port ${HostAddress}:$port is already in use (a broker of another run, or another program). Nothing started."
        Write-Host 'Choose other ports with -BasePort, -KafkaBasePort or -HttpBasePort, or stop what uses it (./run-cluster.ps1 -Stop with its -LogDir).'
        exit 1
    }
    finally { $listener.Stop() }
}

$dotnet = Get-Dotnet
if (-not $NoBuild) {
    Write-Host "Building the CLI ($Configuration)..."
    & $dotnet build $CliProject -c $Configuration --nologo -v quiet
    if ($LASTEXITCODE -ne 0) {
        Write-Host "Build failed (dotnet build exit code $LASTEXITCODE)."
        exit 1
    }
}
$cliDll = Get-ChildItem -Path (Join-Path $CliProject 'bin' $Configuration) -Filter 'akkakafka.dll' -Recurse -File -ErrorAction SilentlyContinue |
    Where-Object { $_.Directory.Name -like 'net*' } | Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
if (-not $cliDll) {
    Write-Host "No built CLI under $(Join-Path $CliProject 'bin' $Configuration)$(if ($NoBuild) { ': run without -NoBuild, or build it first' })."
    exit 1
}
$cliDll = $cliDll.FullName

New-Item -ItemType Directory -Force -Path $DataDir | Out-Null

$seedArgs = foreach ($port in $ports) { '--seed'; "${HostAddress}:$port" }
$started = [System.Collections.Generic.List[object]]::new()
$succeeded = $false
$cleanedUp = $false

function Write-LogTail([int] $Port, [int] $Lines = 25) {
    foreach ($name in "broker-$Port.err.log", "broker-$Port.log") {
        $path = Join-Path $LogDir $name
        if ((Test-Path -LiteralPath $path) -and (Get-Item -LiteralPath $path).Length -gt 0) {
            Write-Host "----- last $Lines lines of $path"
            Get-Content -LiteralPath $path -Tail $Lines | ForEach-Object { Write-Host "  $_" }
        }
    }
}

function Stop-Started {
    Write-Host 'Stopping the brokers this run started...'
    Stop-Brokers $started 20
    Remove-Item -LiteralPath $PidFile -Force -ErrorAction SilentlyContinue
    $script:cleanedUp = $true
}

function Get-UpPorts([double] $TimeoutSec) {
    $ErrorActionPreference = 'Continue'
    $out = & $dotnet $cliDll cluster status --bootstrap $bootstrap --timeout ([math]::Max(1, [math]::Round($TimeoutSec))) 2>&1 |
        ForEach-Object { "$_" }
    $script:lastStatus = $out
    $up = foreach ($line in $out) {
        # "akka.tcp://akkakafka@127.0.0.1:4053  Up  broker ..." (and not "Up (unreachable)")
        if ($line -match '^\S+@(?<host>[^\s:@]+):(?<port>\d+)\s+Up(?!\s+\(unreachable\))\s') {
            if ($Matches.host -eq $HostAddress) { [int]$Matches.port }
        }
    }
    @($up)
}

try {
    Write-Host "Starting $Brokers broker(s) on ${HostAddress}:$($ports[0])$(if ($Brokers -gt 1) { "-$($ports[-1])" }) (journal: $Journal, data: $DataDir, logs: $LogDir)"
    foreach ($port in $ports) {
        $brokerArgs = @($cliDll, 'broker', '--host', $HostAddress, '--port', "$port", '--kafka-port', "$(Get-KafkaPort $port)",
            '--http-port', "$(Get-HttpPort $port)") + $seedArgs +
            @('--data', $DataDir, '--journal', $Journal)
        if ($Journal -eq 'postgres') { $brokerArgs += @('--connection-string', $ConnectionString) }
        $outLog = Join-Path $LogDir "broker-$port.log"
        $errLog = Join-Path $LogDir "broker-$port.err.log"
        if ($IsWindows) {
            # Windows: Start-Process hands the broker the files themselves; in its own hidden console (no window,
            # and a Ctrl-C in this one does not reach it).
            $p = Start-Process -FilePath $dotnet -ArgumentList (Join-Arguments $brokerArgs) -WorkingDirectory $RepoRoot `
                -RedirectStandardOutput $outLog -RedirectStandardError $errLog -WindowStyle Hidden -PassThru
        }
        else {
            # Linux/macOS: Start-Process -RedirectStandardOutput/-Error pipes the output through this PowerShell
            # process, so the logs would stop (and the broker write into a closed pipe) once this script exits.
            # /bin/sh opens the files and execs dotnet in its place: same pid, the broker writes the files itself.
            $shArgs = @('-c', 'out=$1; err=$2; shift 2; exec "$@" </dev/null >"$out" 2>"$err"', 'sh', $outLog, $errLog, $dotnet) + $brokerArgs
            $p = Start-Process -FilePath '/bin/sh' -ArgumentList (Join-Arguments $shArgs) -WorkingDirectory $RepoRoot -PassThru
        }
        $null = $p.Handle   # keeps the exit code readable on Windows after the process is gone
        $started.Add([pscustomobject]@{ Pid = $p.Id; Port = $port; Process = $p })
        Add-PidFileEntry $p $port
        Write-Host "  broker ${HostAddress}:$port pid $($p.Id)"
    }

    Write-Host "Waiting up to $TimeoutSeconds s for all $Brokers broker(s) to be Up..."
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSeconds)
    $lastStatus = @()
    $missing = $ports
    while ($true) {
        $dead = @($started | Where-Object { Test-Exited $_.Process })
        if ($dead.Count -gt 0) {
            foreach ($d in $dead) {
                $code = try { $d.Process.ExitCode } catch { '?' }
                Write-Host "Broker ${HostAddress}:$($d.Port) (pid $($d.Pid)) exited early (exit code $code)."
                Write-LogTail $d.Port
            }
            Stop-Started
            exit 1
        }
        $remaining = ($deadline - [datetime]::UtcNow).TotalSeconds
        if ($remaining -le 0) { break }
        $up = Get-UpPorts ([math]::Min(5, $remaining))
        $missing = @($ports | Where-Object { $up -notcontains $_ })
        if ($missing.Count -eq 0) { $succeeded = $true; break }
        Start-Sleep -Milliseconds 500
    }
    if (-not $succeeded) {
        Write-Host "Timed out after $TimeoutSeconds s: not Up yet: $(($missing | ForEach-Object { "${HostAddress}:$_" }) -join ', ')."
        if ($lastStatus) {
            Write-Host '----- last cluster status'
            $lastStatus | ForEach-Object { Write-Host "  $_" }
        }
        foreach ($port in $missing) { Write-LogTail $port }
        Stop-Started
        exit 1
    }
}
finally {
    # Ctrl-C or an unexpected error while starting: do not leave half a cluster behind.
    if (-not $succeeded -and -not $cleanedUp -and $started.Count -gt 0) { Stop-Started }
}

$lastStatus | ForEach-Object { Write-Host $_ }
$cli = "dotnet $(Format-ShellArg $cliDll)"
$scriptCmd = if ((Get-Location).Path -eq $RepoRoot) { './run-cluster.ps1' } else { Format-ShellArg $PSCommandPath }
$stopCmd = "$scriptCmd -Stop" + $(if ($LogDir -ne (Resolve-FullPath './logs')) { " -LogDir $(Format-ShellArg $LogDir)" })
Write-Host ''
Write-Host "AkkaKafka cluster is up: $Brokers broker(s) on $bootstrap (logs: $LogDir, pids: $PidFile)"
if ($kafkaPorts.Count -gt 0) { Write-Host "Kafka bootstrap servers: $kafkaBootstrap" }
if ($httpPorts.Count -gt 0) { Write-Host "Web console and metrics: $(($httpPorts | ForEach-Object { "http://${HostAddress}:$_/" }) -join ', ')" }
Write-Host ''
Write-Host 'Create a topic, produce and consume:'
Write-Host "  $cli topic create orders --partitions 6 --bootstrap $bootstrap"
Write-Host "  1..10 | $cli produce --topic orders --bootstrap $bootstrap      # bash: seq 1 10 | ..."
Write-Host "  $cli consume --topic orders --from-beginning --max-messages 10 --timeout-ms 10000 --bootstrap $bootstrap"
Write-Host "  $cli cluster status --bootstrap $bootstrap"
Write-Host ''
Write-Host 'Stop the cluster:'
Write-Host "  $stopCmd      # from bash, in the repository: dotnet pwsh $stopCmd"
exit 0

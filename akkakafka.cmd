@echo off
rem akkakafka: runs the akkakafka CLI from this checkout (Windows twin of ./akkakafka), building it (Release) first
rem when the build is missing or older than any source or HOCON file. Works from any directory; the program's exit
rem code is passed through; the build is silent unless it fails. Two launches at once build only once: a lock
rem directory (mkdir is atomic) is held around the build, and the staleness check runs again once it is held.
setlocal EnableDelayedExpansion
set "ROOT=%~dp0"
set "ROOT=%ROOT:~0,-1%"
set "OUT=%ROOT%\src\AkkaKafka.Cli\bin\Release\net10.0"
set "DLL=%OUT%\akkakafka.dll"
set "STAMP=%OUT%\.akkakafka-launcher-stamp"
set "LOCK=%ROOT%\src\AkkaKafka.Cli\obj\.akkakafka-launcher.lock"

call :stale
if "%STALE%"=="1" (
  where dotnet >nul 2>nul || (echo akkakafka: the .NET 10 SDK ^(dotnet^) is needed to build the CLI; see https://dot.net 1>&2 & exit /b 1)
  if not exist "%ROOT%\src\AkkaKafka.Cli\obj" mkdir "%ROOT%\src\AkkaKafka.Cli\obj"
  call :lock || exit /b 1
  call :stale
  if "!STALE!"=="1" call :build
  set "RC=!ERRORLEVEL!"
  rmdir "%LOCK%" 2>nul
  if not "!RC!"=="0" exit /b 1
)
dotnet "%DLL%" %*
exit /b %ERRORLEVEL%

rem Waits (up to ~10 minutes) for the lock directory another launch holds while it builds.
:lock
for /l %%i in (1,1,600) do (
  mkdir "%LOCK%" 2>nul && goto :eof
  ping -n 2 127.0.0.1 >nul
)
echo akkakafka: waited 10 minutes for another build ^(remove %LOCK% if none is running^) 1>&2
exit /b 1

:build
set "LOG=%TEMP%\akkakafka-build-%RANDOM%.log"
echo akkakafka: building the CLI ^(Release^), once... 1>&2
dotnet build "%ROOT%\src\AkkaKafka.Cli\AkkaKafka.Cli.csproj" -c Release -nologo -v quiet > "%LOG%" 2>&1
if errorlevel 1 (
  type "%LOG%" 1>&2
  del "%LOG%" 2>nul
  echo akkakafka: the build failed ^(output above^) 1>&2
  exit /b 1
)
del "%LOG%" 2>nul
type nul > "%STAMP%"
exit /b 0

rem Stale when the dll or the stamp is missing, or any project input is newer than the stamp (PowerShell does the
rem date comparison: cmd cannot compare file times).
:stale
set "STALE=0"
if not exist "%DLL%" (set "STALE=1" & goto :eof)
if not exist "%STAMP%" (set "STALE=1" & goto :eof)
powershell -NoProfile -Command "$s=(Get-Item -LiteralPath '%STAMP%').LastWriteTimeUtc; $n=Get-ChildItem -LiteralPath '%ROOT%\src','%ROOT%\hocon' -Recurse -File -Include *.cs,*.csproj,*.props,*.hocon,*.json | Where-Object { $_.FullName -notmatch '\\(bin|obj)\\' -and $_.LastWriteTimeUtc -gt $s } | Select-Object -First 1; if ($n) { exit 1 } else { exit 0 }"
if errorlevel 1 set "STALE=1"
goto :eof

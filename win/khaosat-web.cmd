@echo off
rem khaosat's pages in the browser, from the Start menu: the survey in the
rem folder given, else in KHAOSAT_SURVEY, else in Documents\khaosat.
chcp 65001 >nul
setlocal
set "SURVEY=%~1"
if "%SURVEY%"=="" set "SURVEY=%KHAOSAT_SURVEY%"
if "%SURVEY%"=="" set "SURVEY=%USERPROFILE%\Documents\khaosat"
if not exist "%SURVEY%\khaosat.yaml" (
	echo Không có cuộc khảo sát trong %SURVEY%.
	echo Xem BAT-DAU.txt: khaosat clone E:\ "%USERPROFILE%\Documents\khaosat" --device ... --surveyor ...
	echo.
	echo There is no survey in %SURVEY%; see BAT-DAU.txt.
	pause
	exit /b 3
)
"%~dp0khaosat.exe" -C "%SURVEY%" serve --open
if errorlevel 1 pause

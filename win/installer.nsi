; khaosat's Windows installer (makensis, from win/release.sh):
;   makensis -DVERSION=0.1 -DSTAGE=build/windows/khaosat -DOUTFILE=setup.exe
; Installs the release folder into Program Files, puts it on the user's
; PATH, and adds Start menu entries: the survey in the browser, how to
; start, the manual, uninstall.  /S installs without a question.
; a 64-bit installer, as the program is
Target amd64-unicode
!include "MUI2.nsh"
!include "StrFunc.nsh"
${StrStr}
${UnStrRep}

Name "khaosat ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\khaosat"
InstallDirRegKey HKLM "Software\khaosat" "Folder"
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\khaosat"
!define ENV_KEY "Environment"

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Vietnamese"
!insertmacro MUI_LANGUAGE "English"

Section "khaosat"
	SetOutPath "$INSTDIR"
	File /r "${STAGE}\*.*"
	WriteUninstaller "$INSTDIR\uninstall.exe"
	WriteRegStr HKLM "Software\khaosat" "Folder" "$INSTDIR"
	WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "khaosat ${VERSION}"
	WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
	WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1

	; on the user's PATH, once
	ReadRegStr $0 HKCU "${ENV_KEY}" "Path"
	${StrStr} $1 ";$0;" ";$INSTDIR;"
	${If} $1 == ""
		${If} $0 == ""
			WriteRegExpandStr HKCU "${ENV_KEY}" "Path" "$INSTDIR"
		${Else}
			WriteRegExpandStr HKCU "${ENV_KEY}" "Path" "$0;$INSTDIR"
		${EndIf}
		SendMessage ${HWND_BROADCAST} ${WM_WININICHANGE} 0 "STR:Environment" /TIMEOUT=5000
	${EndIf}

	SetShellVarContext all
	CreateDirectory "$SMPROGRAMS\khaosat"
	CreateShortcut "$SMPROGRAMS\khaosat\khaosat – trang web.lnk" "$INSTDIR\khaosat-web.cmd" "" "$INSTDIR\khaosat.exe" 0
	CreateShortcut "$SMPROGRAMS\khaosat\Bắt đầu.lnk" "$INSTDIR\BAT-DAU.txt"
	CreateShortcut "$SMPROGRAMS\khaosat\Hướng dẫn sử dụng.lnk" "$INSTDIR\doc\khaosat.vi.html"
	CreateShortcut "$SMPROGRAMS\khaosat\Gỡ cài đặt khaosat.lnk" "$INSTDIR\uninstall.exe"
SectionEnd

Section "Uninstall"
	SetShellVarContext all
	RMDir /r "$SMPROGRAMS\khaosat"
	ReadRegStr $0 HKCU "${ENV_KEY}" "Path"
	${UnStrRep} $0 "$0" ";$INSTDIR" ""
	${UnStrRep} $0 "$0" "$INSTDIR;" ""
	${UnStrRep} $0 "$0" "$INSTDIR" ""
	WriteRegExpandStr HKCU "${ENV_KEY}" "Path" "$0"
	SendMessage ${HWND_BROADCAST} ${WM_WININICHANGE} 0 "STR:Environment" /TIMEOUT=5000
	DeleteRegKey HKLM "${UNINSTALL_KEY}"
	DeleteRegKey HKLM "Software\khaosat"
	RMDir /r "$INSTDIR"
SectionEnd

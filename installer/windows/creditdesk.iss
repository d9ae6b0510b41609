; Inno Setup script for CreditDesk (built by installer/build.py on Windows:
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\creditdesk /DOutputDir=dist creditdesk.iss)
; Per-user install (no administrator rights needed on a bureau PC), Start-menu entry; uninstalling
; removes the program only: the user's data in %LOCALAPPDATA%\CreditDesk stays.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\creditdesk"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
AppId={{6B0F7C1E-3E7A-4C55-9C39-2E1B7D5A9C11}
AppName=CreditDesk 信用信息报送客户端
AppVersion={#AppVersion}
AppPublisher=CreditDesk
DefaultDirName={localappdata}\Programs\CreditDesk
DefaultGroupName=信用信息报送客户端
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir={#OutputDir}
OutputBaseFilename=CreditDesk-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\creditdesk.ico
UninstallDisplayIcon={app}\creditdesk.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=no

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\信用信息报送客户端"; Filename: "{app}\creditdesk.exe"
Name: "{group}\卸载信用信息报送客户端"; Filename: "{uninstallexe}"
Name: "{userdesktop}\信用信息报送客户端"; Filename: "{app}\creditdesk.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "创建桌面快捷方式"; Flags: unchecked

[Run]
Filename: "{app}\creditdesk.exe"; Description: "启动信用信息报送客户端"; Flags: nowait postinstall skipifsilent

; Only files the installer put there are removed; %LOCALAPPDATA%\CreditDesk (the data) is never touched.
